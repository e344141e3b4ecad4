"""The memory's fixed mmap threshold: set on glibc, left to an operator who set one."""

from __future__ import annotations

import asyncio
import ctypes
import gc
import weakref
from collections.abc import Iterator

import pytest

from calendar_gateway import memory

GLIBC = hasattr(ctypes.CDLL(None), "gnu_get_libc_version")


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_the_threshold_is_fixed_on_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    assert memory.return_large_blocks()


@pytest.mark.parametrize(
    ("name", "value"),
    [("MALLOC_MMAP_THRESHOLD_", "65536"), ("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=65536")],
)
def test_an_operators_threshold_is_left_alone(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    assert not memory.return_large_blocks()


class Cycle:
    def __init__(self) -> None:
        self.itself = self


@pytest.fixture
def no_automatic_collection() -> Iterator[None]:
    gc.disable()
    yield
    gc.enable()


async def garbage_after(body_bytes: int) -> weakref.ref[Cycle]:
    """A cycle left unreachable, then a request of ``body_bytes`` and a quiet moment."""
    garbage = weakref.ref(Cycle())
    reclaimer = memory.Reclaimer(quiet_seconds=0)
    async with memory.reclaiming(reclaimer):
        reclaimer.note(body_bytes)
        for _ in range(10):
            await asyncio.sleep(0)
    return garbage


@pytest.mark.usefixtures("no_automatic_collection")
async def test_a_large_requests_garbage_is_collected_once_they_stop() -> None:
    assert (await garbage_after(memory.LARGE_BODY_BYTES + 1))() is None


@pytest.mark.usefixtures("no_automatic_collection")
async def test_a_small_request_costs_no_collection() -> None:
    assert (await garbage_after(memory.LARGE_BODY_BYTES))() is not None
