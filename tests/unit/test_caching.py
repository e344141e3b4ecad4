"""The read cache's rules, on the in-memory store."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest
from aiocache.base import BaseCache

from calendar_gateway.caching import Codec, CorruptValueError, ReadCache, open_store, read_through

ANSWER = Codec(dict[str, int])


class Upstream:
    """Counts loads; each answer says which load produced it."""

    def __init__(self) -> None:
        self.calls = 0
        self.started = asyncio.Event()
        self.gate = asyncio.Event()
        self.gate.set()

    async def load(self) -> dict[str, int]:
        self.calls += 1
        call = self.calls
        self.started.set()
        await self.gate.wait()
        return {"call": call}


def cache(identity: str = "calendars|http://grs|demo", ttl: float = 60) -> ReadCache:
    return ReadCache(open_store(None, "test"), "test", identity, ttl)


async def test_a_second_read_is_served_from_the_cache() -> None:
    reads, upstream = cache(), Upstream()
    assert await reads.read("body:1", upstream.load, ANSWER) == {"call": 1}
    assert await reads.read("body:1", upstream.load, ANSWER) == {"call": 1}
    assert upstream.calls == 1


async def test_identical_reads_in_flight_share_one_upstream_call() -> None:
    reads, upstream = cache(ttl=0), Upstream()
    upstream.gate.clear()
    pending = [asyncio.create_task(reads.read("body:1", upstream.load, ANSWER)) for _ in range(10)]
    await upstream.started.wait()
    upstream.gate.set()
    assert await asyncio.gather(*pending) == [{"call": 1}] * 10
    assert upstream.calls == 1


async def test_zero_ttl_stores_nothing() -> None:
    reads, upstream = cache(ttl=0), Upstream()
    await reads.read("body:1", upstream.load, ANSWER)
    await reads.read("body:1", upstream.load, ANSWER)
    assert upstream.calls == 2


class UnreachableStore:
    """A store that fails every call: reads that need no store never notice it."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the store was used: {name}")


async def test_zero_ttl_reads_never_touch_the_store() -> None:
    reads = ReadCache(cast(BaseCache, UnreachableStore()), "test", "bookings|http://s|u", 0)
    upstream = Upstream()
    assert await reads.read("booking:1", upstream.load, ANSWER) == {"call": 1}
    assert await reads.read("booking:1", upstream.load, ANSWER, group="bookings") == {"call": 2}


async def test_zero_ttl_a_group_invalidation_is_not_shared_with_a_read_begun_before_it() -> None:
    reads, upstream = cache(ttl=0), Upstream()
    upstream.gate.clear()
    before = asyncio.create_task(reads.read("booking:1", upstream.load, ANSWER, group="bookings"))
    await upstream.started.wait()
    await reads.forget_group("bookings")  # a write landed while the read was out
    after = asyncio.create_task(reads.read("booking:1", upstream.load, ANSWER, group="bookings"))
    upstream.gate.set()
    assert (await before, await after) == ({"call": 1}, {"call": 2})


async def test_answers_never_cross_upstream_identities() -> None:
    store = open_store(None, "test")
    demo = ReadCache(store, "calendars", "calendars|http://grs|demo", 60)
    viewer = ReadCache(store, "calendars", "calendars|http://grs|viewer", 60)
    upstream = Upstream()
    await demo.read("body:1", upstream.load, ANSWER)
    assert await viewer.read("body:1", upstream.load, ANSWER) == {"call": 2}


async def test_forget_makes_the_next_read_load_again() -> None:
    reads, upstream = cache(), Upstream()
    await reads.read("body:1", upstream.load, ANSWER)
    await reads.forget("body:1")
    assert await reads.read("body:1", upstream.load, ANSWER) == {"call": 2}


async def test_forget_group_invalidates_every_key_of_the_group() -> None:
    reads, upstream = cache(), Upstream()
    await reads.read("range:a", upstream.load, ANSWER, group="ranges")
    await reads.read("range:b", upstream.load, ANSWER, group="ranges")
    await reads.read("body:1", upstream.load, ANSWER)
    await reads.forget_group("ranges")
    assert await reads.read("range:a", upstream.load, ANSWER, group="ranges") == {"call": 4}
    assert await reads.read("body:1", upstream.load, ANSWER) == {"call": 3}


async def test_a_load_overtaken_by_an_invalidation_is_not_stored() -> None:
    reads, upstream = cache(), Upstream()
    upstream.gate.clear()
    stale = asyncio.create_task(reads.read("body:1", upstream.load, ANSWER))
    await upstream.started.wait()  # the read is out at the upstream
    await reads.forget("body:1")  # a write landed while the read was out
    upstream.gate.set()
    await stale
    assert await reads.read("body:1", upstream.load, ANSWER) == {"call": 2}


async def test_a_failed_load_is_not_cached_and_reaches_every_waiter() -> None:
    reads = cache()

    async def failing() -> dict[str, int]:
        await asyncio.sleep(0)
        raise LookupError("upstream said no")

    results = await asyncio.gather(
        reads.read("body:1", failing, ANSWER),
        reads.read("body:1", failing, ANSWER),
        return_exceptions=True,
    )
    assert all(isinstance(r, LookupError) for r in results)
    with pytest.raises(LookupError):
        await reads.read("body:1", failing, ANSWER)


class FlakyStore:
    """The memory store, until ``down`` is set: then every call fails as Redis would."""

    def __init__(self) -> None:
        self.memory = open_store(None, "test")
        self.down = False

    def __getattr__(self, name: str) -> object:
        operation = getattr(self.memory, name)

        async def call(*args: object, **kwargs: object) -> object:
            if self.down:
                raise ConnectionError("Redis is down")
            return await operation(*args, **kwargs)

        return call


def flaky_cache() -> tuple[ReadCache, FlakyStore]:
    store = FlakyStore()
    # retry_seconds=0: every read tries the store again, no clock involved.
    return ReadCache(cast(BaseCache, store), "test", "bookings|http://s|u", 60, 0), store


async def test_a_value_that_does_not_validate_is_a_miss_and_is_replaced() -> None:
    reads, upstream = cache(), Upstream()
    await reads.read("body:1", upstream.load, ANSWER)
    store = reads._store
    for key in [k for k in store._cache if k.endswith("body:1")]:
        await store.set(key.removeprefix("test:"), b'{"call": "one"}')
    assert await reads.read("body:1", upstream.load, ANSWER) == {"call": 2}
    assert await reads.read("body:1", upstream.load, ANSWER) == {"call": 2}


async def test_reads_go_upstream_while_the_store_is_down() -> None:
    reads, store = flaky_cache()
    upstream = Upstream()
    await reads.read("booking:1", upstream.load, ANSWER, group="bookings")
    store.down = True
    assert await reads.read("booking:1", upstream.load, ANSWER, group="bookings") == {"call": 2}
    store.down = False
    assert await reads.read("booking:1", upstream.load, ANSWER, group="bookings") == {"call": 1}


async def test_an_invalidation_the_store_missed_reaches_it_before_any_read() -> None:
    reads, store = flaky_cache()
    upstream = Upstream()
    await reads.read("booking:1", upstream.load, ANSWER, group="bookings")
    await reads.read("booking:2", upstream.load, ANSWER)
    store.down = True
    await reads.forget_group("bookings")
    await reads.forget("booking:2")
    store.down = False
    assert await reads.read("booking:1", upstream.load, ANSWER, group="bookings") == {"call": 3}
    assert await reads.read("booking:2", upstream.load, ANSWER) == {"call": 4}


async def test_a_read_through_request_skips_the_stored_answer_and_replaces_it() -> None:
    reads, upstream = cache(), Upstream()
    await reads.read("body:1", upstream.load, ANSWER)
    token = read_through.set(True)
    try:
        assert await reads.read("body:1", upstream.load, ANSWER) == {"call": 2}
    finally:
        read_through.reset(token)
    assert await reads.read("body:1", upstream.load, ANSWER) == {"call": 2}


def test_a_codec_refuses_what_it_would_not_have_written() -> None:
    for stored in (b"\x80\x04K\x01.", b'{"call": 1.5}', b"[]", 7, None):
        with pytest.raises(CorruptValueError):
            ANSWER.decode(stored)
    assert ANSWER.decode(ANSWER.encode({"call": 1})) == {"call": 1}


async def test_a_single_reader_loads_in_its_own_task() -> None:
    reads, loaded_in = cache(ttl=0), []

    async def load() -> dict[str, int]:
        loaded_in.append(asyncio.current_task())
        return {"call": 1}

    reader = asyncio.create_task(reads.read("body:1", load, ANSWER))
    await reader
    assert loaded_in == [reader]


async def test_a_cancelled_reader_leaves_the_shared_load_to_the_others() -> None:
    reads, upstream = cache(ttl=0), Upstream()
    loading, joined = await _two_joined(reads, upstream)
    joined[0].cancel()
    upstream.gate.set()
    assert (await loading, await joined[1]) == ({"call": 1}, {"call": 1})
    assert joined[0].cancelled()
    assert upstream.calls == 1


async def test_readers_that_joined_a_cancelled_reader_s_load_share_a_load_of_their_own() -> None:
    reads, upstream = cache(ttl=0), Upstream()
    loading, joined = await _two_joined(reads, upstream)
    upstream.started.clear()
    loading.cancel()
    await upstream.started.wait()  # the load went with its reader; one that joined took over
    upstream.gate.set()
    assert await asyncio.gather(*joined) == [{"call": 2}] * 2
    assert loading.cancelled()
    assert upstream.calls == 2


async def test_a_load_whose_only_reader_was_cancelled_is_given_up() -> None:
    reads, upstream = cache(), Upstream()
    upstream.gate.clear()
    reader = asyncio.create_task(reads.read("body:1", upstream.load, ANSWER))
    await upstream.started.wait()
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    upstream.gate.set()
    assert await reads.read("body:1", upstream.load, ANSWER) == {"call": 2}
    assert await reads.read("body:1", upstream.load, ANSWER) == {"call": 2}


async def test_a_load_overtaken_by_an_invalidation_leaves_the_newer_load_in_flight() -> None:
    reads, upstream, later = cache(ttl=0), Upstream(), Upstream()
    upstream.gate.clear()
    stale = asyncio.create_task(reads.read("body:1", upstream.load, ANSWER))
    await upstream.started.wait()
    await reads.forget("body:1")  # a write landed while the read was out
    later.gate.clear()
    fresh = asyncio.create_task(reads.read("body:1", later.load, ANSWER))
    await later.started.wait()
    upstream.gate.set()
    assert await stale == {"call": 1}
    joined = asyncio.create_task(reads.read("body:1", upstream.load, ANSWER))
    await asyncio.sleep(0)  # it has joined the fresh load, still out
    later.gate.set()
    assert (await fresh, await joined) == ({"call": 1}, {"call": 1})
    assert upstream.calls == 1


async def _two_joined(
    reads: ReadCache, upstream: Upstream
) -> tuple[asyncio.Task[dict[str, int]], list[asyncio.Task[dict[str, int]]]]:
    """A reader loading ``body:1`` (its answer held back), and two readers that joined it."""
    upstream.gate.clear()
    loading = asyncio.create_task(reads.read("body:1", upstream.load, ANSWER))
    await upstream.started.wait()
    joined = [asyncio.create_task(reads.read("body:1", upstream.load, ANSWER)) for _ in range(2)]
    await asyncio.sleep(0)  # both have joined the load in flight
    return loading, joined
