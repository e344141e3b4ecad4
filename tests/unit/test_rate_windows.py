"""Fixed rate-limit windows in memory, on a clock the tests move by hand."""

from __future__ import annotations

from calendar_gateway.protection.throttling import MemoryWindows


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_requests_up_to_the_limit_are_allowed() -> None:
    windows = MemoryWindows(limit=3, window_seconds=60, clock=Clock())
    assert [await windows.hit("a") for _ in range(3)] == [None, None, None]


async def test_a_request_past_the_limit_waits_for_the_end_of_the_window() -> None:
    clock = Clock()
    windows = MemoryWindows(limit=2, window_seconds=60, clock=clock)
    await windows.hit("a")
    clock.now += 15
    await windows.hit("a")
    assert await windows.hit("a") == 45


async def test_a_new_window_opens_when_the_old_one_ends() -> None:
    clock = Clock()
    windows = MemoryWindows(limit=1, window_seconds=60, clock=clock)
    await windows.hit("a")
    clock.now += 60
    assert await windows.hit("a") is None


async def test_clients_are_counted_apart() -> None:
    windows = MemoryWindows(limit=1, window_seconds=60, clock=Clock())
    await windows.hit("a")
    assert await windows.hit("b") is None
    assert await windows.hit("a") is not None
