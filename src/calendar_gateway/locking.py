"""Per-calendar mutual exclusion for edit sessions.

GRS locks belong to the API token, and the gateway uses one token for everyone, so
the upstream lock cannot keep two of our own edits apart: this mutex does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Protocol


class Mutex(Protocol):
    def hold(self, key: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold the mutex named ``key`` for the duration of the block."""
        ...


class LocalMutex:
    """Mutual exclusion among the tasks of one process (one replica)."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiters: dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiters[key] = self._waiters.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            # Forget idle keys: a long-lived gateway must not keep a lock per calendar ever edited.
            self._waiters[key] -= 1
            if self._waiters[key] == 0:
                del self._waiters[key]
                del self._locks[key]

    def held(self) -> list[str]:
        """Keys some task holds or waits for."""
        return list(self._locks)
