"""The process's memory, back near its level once large requests are over.

Large blocks:
glibc's malloc maps a block over 128 KiB on its own, but each time such a block is freed it
raises that threshold to the block's size (up to 32 MiB). After one large request body, id or
answer, the next ones come from the heap instead, and heap memory freed below a block still in
use stays in the process: a burst of capped 1 MB requests left 50-120 MB behind for good.
A fixed threshold keeps every large block mapped on its own, so freeing it unmaps it.

Their garbage: a refused request leaves reference cycles (its error, traceback and frames hold
its variables: 100,000 ids), which only a full collection frees; in a process that has gone
quiet none comes. The Reclaimer runs one once large requests have stopped for a moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import os
from collections.abc import AsyncIterator

log = logging.getLogger(__name__)

# From glibc's <malloc.h>.
M_MMAP_THRESHOLD = -3
# glibc's own starting threshold, kept fixed: larger buffers are rare and short-lived here.
LARGE_BLOCK_BYTES = 128 * 1024
# A body over this is a large request: its garbage is worth a collection of its own.
LARGE_BODY_BYTES = 256 * 1024
# How long large requests must have stopped before that collection: one per burst.
QUIET_SECONDS = 1.0


def return_large_blocks() -> bool:
    """Fix glibc's mmap threshold; False where the C library is not glibc or it is configured."""
    libc = ctypes.CDLL(None)
    if not hasattr(libc, "gnu_get_libc_version") or _configured_by_environment():
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES))


def _configured_by_environment() -> bool:
    # An operator's MALLOC_MMAP_THRESHOLD_ or glibc tunable wins over ours.
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    return "MALLOC_MMAP_THRESHOLD_" in os.environ or "glibc.malloc.mmap_threshold" in tunables


class Reclaimer:
    """Runs a full garbage collection once large requests have stopped for a moment."""

    def __init__(self, quiet_seconds: float = QUIET_SECONDS) -> None:
        self.quiet_seconds = quiet_seconds
        self._large = asyncio.Event()

    def note(self, body_bytes: int) -> None:
        """A request with ``body_bytes`` has been answered."""
        if body_bytes > LARGE_BODY_BYTES:
            self._large.set()

    async def run(self) -> None:
        """Collect after each run of large requests, until cancelled."""
        while True:
            await self._large.wait()
            self._large.clear()
            with contextlib.suppress(TimeoutError):
                while True:  # each large request in the quiet moment starts it again
                    async with asyncio.timeout(self.quiet_seconds):
                        await self._large.wait()
                    self._large.clear()
            # Start-up objects are frozen (app.py): this walks only what requests left.
            found = gc.collect()
            log.info("collected %d unreachable objects after large requests", found)


@contextlib.asynccontextmanager
async def reclaiming(reclaimer: Reclaimer) -> AsyncIterator[None]:
    """Run ``reclaimer`` for as long as the app serves."""
    task = asyncio.create_task(reclaimer.run())
    try:
        yield
    finally:
        task.cancel()
