"""A batch's reads settle as asyncio.gather(return_exceptions=True) settles them."""

from __future__ import annotations

import asyncio

import pytest

from calendar_gateway.services.batches import settled


async def answer(value: int) -> int:
    await asyncio.sleep(0)
    return value


async def failure() -> int:
    await asyncio.sleep(0)
    raise LookupError("no such entity")


async def cancelled_read() -> int:
    raise asyncio.CancelledError


@pytest.mark.parametrize("count", [0, 1, 3])
async def test_answers_come_in_order(count: int) -> None:
    assert await settled([answer(n) for n in range(count)]) == list(range(count))


async def test_a_single_failed_read_is_its_error_not_a_raise() -> None:
    [error] = await settled([failure()])
    assert isinstance(error, LookupError)


async def test_a_single_read_cancelled_by_itself_is_an_answer_as_gather_gives() -> None:
    gathered = await asyncio.gather(cancelled_read(), return_exceptions=True)
    assert [type(e) for e in await settled([cancelled_read()])] == [type(e) for e in gathered]


async def test_cancelling_the_batch_cancels_its_single_read() -> None:
    started, reached_end = asyncio.Event(), False

    async def slow() -> int:
        nonlocal reached_end
        started.set()
        await asyncio.sleep(10)
        reached_end = True
        return 1

    batch = asyncio.create_task(settled([slow()]))
    await started.wait()
    batch.cancel()
    with pytest.raises(asyncio.CancelledError):
        await batch
    assert not reached_end
