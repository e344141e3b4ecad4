"""The request's loader: one batch a tick, one load a key, primed values, errors per key,
and cancelled readers."""

from __future__ import annotations

import asyncio

import pytest

from calendar_gateway.graphql.loader import Loader


class Batches:
    """A batch function that records its calls: each key's value is the key twice."""

    def __init__(self, failing: frozenset[str] = frozenset()) -> None:
        self.calls: list[list[str]] = []
        self.failing = failing
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self, keys: list[str]) -> list[str | BaseException]:
        self.calls.append(keys)
        await self.release.wait()
        return [ValueError(k) if k in self.failing else k * 2 for k in keys]


async def ticks(count: int) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


async def test_keys_asked_for_by_readers_started_in_one_tick_share_one_batch() -> None:
    batches = Batches()
    loader = Loader(batches)
    answers = await asyncio.gather(loader.load("a"), loader.load("b"), loader.load("c"))
    assert list(answers) == ["aa", "bb", "cc"]
    assert batches.calls == [["a", "b", "c"]]


async def test_a_key_asked_for_after_its_tick_s_batch_began_gets_a_batch_of_its_own() -> None:
    batches = Batches()
    batches.release.clear()
    loader = Loader(batches)
    first = asyncio.ensure_future(loader.load("a"))
    await ticks(3)
    second = asyncio.ensure_future(loader.load("b"))
    await ticks(3)
    batches.release.set()
    assert list(await asyncio.gather(first, second)) == ["aa", "bb"]
    assert batches.calls == [["a"], ["b"]]


async def test_a_key_is_loaded_once_whether_asked_for_during_or_after_its_batch() -> None:
    batches = Batches()
    loader = Loader(batches)
    assert list(await asyncio.gather(loader.load("a"), loader.load("a"))) == ["aa", "aa"]
    assert await loader.load("a") == "aa"
    assert batches.calls == [["a"]]


async def test_a_primed_value_answers_later_loads_without_a_batch() -> None:
    batches = Batches()
    loader = Loader(batches)
    assert await loader.load("a") == "aa"
    loader.prime("a", "written")
    assert await loader.load("a") == "written"
    assert batches.calls == [["a"]]


async def test_a_primed_key_leaves_the_batch_not_yet_begun_and_answers_its_readers() -> None:
    batches = Batches()
    loader = Loader(batches)
    reads = asyncio.gather(loader.load("a"), loader.load("b"))
    await asyncio.sleep(0)  # both readers have asked; the batch has not begun
    loader.prime("b", "written")
    assert list(await reads) == ["aa", "written"]
    assert batches.calls == [["a"]]


async def test_a_batch_whose_every_key_was_primed_is_not_loaded() -> None:
    batches = Batches()
    loader = Loader(batches)
    read = asyncio.ensure_future(loader.load("a"))
    await asyncio.sleep(0)
    loader.prime("a", "written")
    assert await read == "written"
    assert batches.calls == []


async def test_each_key_fails_with_its_own_error_and_the_others_are_answered() -> None:
    loader = Loader(Batches(failing=frozenset({"b"})))
    a, b = await asyncio.gather(loader.load("a"), loader.load("b"), return_exceptions=True)
    assert a == "aa"
    assert isinstance(b, ValueError)
    assert b.args == ("b",)
    with pytest.raises(ValueError, match="b"):  # the error is its answer for the request
        await loader.load("b")


async def test_a_batch_that_raises_fails_every_key_with_its_error() -> None:
    async def down(keys: list[str]) -> list[str | BaseException]:
        raise RuntimeError("vendor down")

    loader = Loader(down)
    answers = await asyncio.gather(loader.load("a"), loader.load("b"), return_exceptions=True)
    assert [str(a) for a in answers] == ["vendor down", "vendor down"]


@pytest.mark.parametrize("cancelled_after_ticks", [0, 1, 2, 4])
async def test_the_other_readers_of_a_cancelled_reader_s_batch_are_answered(
    cancelled_after_ticks: int,
) -> None:
    # The batch runs in its first reader's task: given up, its keys are loaded again.
    batches = Batches()
    batches.release.clear()
    loader = Loader(batches)
    first = asyncio.ensure_future(loader.load("a"))
    others = asyncio.gather(loader.load("a"), loader.load("b"))
    await ticks(cancelled_after_ticks)
    first.cancel()
    batches.release.set()
    assert list(await asyncio.wait_for(others, 1)) == ["aa", "bb"]
    assert first.cancelled()


@pytest.mark.parametrize("cancelled_after_ticks", [0, 1, 2, 4])
async def test_a_load_after_the_only_reader_of_a_batch_was_cancelled_is_answered(
    cancelled_after_ticks: int,
) -> None:
    # Strawberry 0.341.2's DataLoader stranded it when the reader was cancelled one tick
    # after its load: the batch's task, created but not yet begun, was cancelled with it,
    # the batch never counted as dispatched, and every later load joined it, never answered.
    batches = Batches()
    loader = Loader(batches)
    first = asyncio.ensure_future(loader.load("a"))
    await ticks(cancelled_after_ticks)
    first.cancel()
    await ticks(3)
    assert await asyncio.wait_for(loader.load("b"), 1) == "bb"


async def test_a_cancelled_reader_of_a_key_cancels_no_other_reader_of_it() -> None:
    batches = Batches()
    batches.release.clear()
    loader = Loader(batches)
    first = asyncio.ensure_future(loader.load("a"))
    second = asyncio.ensure_future(loader.load("a"))
    await ticks(3)
    second.cancel()
    batches.release.set()
    assert await first == "aa"
    assert batches.calls == [["a"]]
