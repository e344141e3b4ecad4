"""SIGTERM: not ready at once, the server's own handler only after the drain."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from types import FrameType

import pytest

from calendar_gateway.shutdown import Shutdown


class Handed(list[int]):
    """The signals handed to the stand-in for uvicorn's handler; ``called`` once there is one."""

    def __init__(self) -> None:
        super().__init__()
        self.called = asyncio.Event()


@pytest.fixture
def server_handler() -> Iterator[Handed]:
    handed = Handed()

    def handle(signum: int, frame: FrameType | None) -> None:
        handed.append(signum)
        handed.called.set()

    previous = signal.signal(signal.SIGTERM, handle)
    yield handed
    signal.signal(signal.SIGTERM, previous)


async def test_sigterm_drains_first_and_hands_the_signal_on_after_the_drain(
    server_handler: Handed,
) -> None:
    shutdown = Shutdown(drain_seconds=0.05)
    with shutdown.on_sigterm():
        signal.raise_signal(signal.SIGTERM)
        assert (shutdown.draining, server_handler) == (True, [])
        async with asyncio.timeout(5):
            await server_handler.called.wait()
    assert server_handler == [signal.SIGTERM]


async def test_a_second_sigterm_is_handed_on_at_once(server_handler: Handed) -> None:
    shutdown = Shutdown(drain_seconds=60)
    with shutdown.on_sigterm():
        signal.raise_signal(signal.SIGTERM)
        signal.raise_signal(signal.SIGTERM)
        assert server_handler == [signal.SIGTERM]


async def test_the_server_handler_is_back_after_the_block(server_handler: Handed) -> None:
    before = signal.getsignal(signal.SIGTERM)
    with Shutdown(drain_seconds=1).on_sigterm():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before
