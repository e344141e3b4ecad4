"""An upstream's slots: taken while free, else handed out in turn; cancelled waiters step aside."""

from __future__ import annotations

import asyncio

import pytest

from calendar_gateway.upstreams.slots import Slots


async def waiting(slots: Slots) -> asyncio.Task[None]:
    """A call now waiting for a slot."""
    task = asyncio.create_task(slots.wait())
    await asyncio.sleep(0)
    assert not task.done()
    return task


async def test_slots_are_taken_at_once_until_none_is_free() -> None:
    slots = Slots(2)
    assert slots.take()
    assert slots.take()
    assert not slots.take()


async def test_a_released_slot_goes_to_the_call_that_waited_first() -> None:
    slots = Slots(1)
    slots.take()
    first, second = await waiting(slots), await waiting(slots)
    slots.release()
    await asyncio.sleep(0)
    assert first.done()
    assert not second.done()
    slots.release()
    await asyncio.wait_for(second, 1)


async def test_a_new_call_does_not_pass_a_call_already_handed_the_slot() -> None:
    slots = Slots(1)
    slots.take()
    first = await waiting(slots)
    slots.release()  # handed to first, which has not run yet
    assert not slots.take()
    await asyncio.wait_for(first, 1)
    slots.release()
    assert slots.take()


async def test_a_waiter_cancelled_before_its_turn_leaves_the_line() -> None:
    slots = Slots(1)
    slots.take()
    first, second = await waiting(slots), await waiting(slots)
    first.cancel()
    await asyncio.sleep(0)
    slots.release()
    await asyncio.wait_for(second, 1)
    slots.release()
    assert slots.take()
    assert not slots.take()


async def test_a_waiter_cancelled_after_it_was_handed_a_slot_passes_the_slot_on() -> None:
    slots = Slots(1)
    slots.take()
    first, second = await waiting(slots), await waiting(slots)
    slots.release()  # handed to first...
    first.cancel()  # ...cancelled before it could take it
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 1)
    assert not slots.take()


async def test_a_wait_that_times_out_leaves_no_claim_on_the_next_slot() -> None:
    slots = Slots(1)
    slots.take()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.01):
            await slots.wait()
    slots.release()
    assert slots.take()


async def test_a_slot_held_for_a_block_is_given_back_when_the_block_fails() -> None:
    slots = Slots(1)

    async def failing() -> None:
        async with slots.held():
            assert not slots.take()
            raise RuntimeError

    with pytest.raises(RuntimeError):
        await failing()
    assert slots.take()


async def test_a_block_waits_its_turn_for_a_slot() -> None:
    slots = Slots(1)
    slots.take()
    entered = asyncio.Event()

    async def block() -> None:
        async with slots.held():
            entered.set()

    task = asyncio.create_task(block())
    await asyncio.sleep(0)
    assert not entered.is_set()
    slots.release()
    await asyncio.wait_for(task, 1)
    assert entered.is_set()


async def test_slots_are_wanted_while_a_call_waits_for_one() -> None:
    slots = Slots(1)
    slots.take()
    assert not slots.wanted
    waiter = await waiting(slots)
    assert slots.wanted
    slots.release()
    await asyncio.wait_for(waiter, 1)
    assert not slots.wanted
