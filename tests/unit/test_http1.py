"""The pool's count of connections it may still open (the wire itself: tests/integration)."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest

from calendar_gateway.upstreams.http1 import _Capacity


async def test_a_place_handed_to_a_wait_that_was_just_cancelled_is_passed_on() -> None:
    capacity = _Capacity(1)
    assert capacity.take()
    waiting = asyncio.ensure_future(capacity.wait(1.0))
    await asyncio.sleep(0)
    capacity.give_back()  # handed to the waiter, which is cancelled before it runs
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    assert capacity.take()
    assert not capacity.take()


async def test_a_wait_longer_than_the_pool_timeout_takes_nothing() -> None:
    capacity = _Capacity(1)
    assert capacity.take()
    with pytest.raises(httpx.PoolTimeout):
        await capacity.wait(0.01)
    assert not capacity.wanted
    capacity.give_back()
    assert capacity.take()


async def test_places_go_to_waiters_first_come_first_served() -> None:
    capacity = _Capacity(1)
    assert capacity.take()
    first = asyncio.ensure_future(capacity.wait(1.0))
    second = asyncio.ensure_future(capacity.wait(1.0))
    await asyncio.sleep(0)
    capacity.give_back()
    await first
    assert not second.done()
    capacity.give_back()
    await second
    assert not capacity.take()
