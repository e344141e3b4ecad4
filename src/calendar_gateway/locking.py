"""Per-calendar mutual exclusion for edit sessions.

GRS locks belong to the API token, and the gateway uses one token for everyone, so
the upstream lock cannot keep two of our own edits apart: this mutex does. One replica
uses ``LocalMutex``; replicas sharing Redis use ``RedisMutex``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
from collections.abc import AsyncIterator
from typing import Protocol

from redis.asyncio import Redis


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


class MutexTimeoutError(Exception):
    """Another replica's edit of the same calendar held the mutex for too long."""


# Renew or release only a lease we still own: the value is our random token.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0"""


class RedisMutex:
    """Mutual exclusion across replicas: a Redis key held with a lease.

    The lease is renewed while the edit runs and expires on its own if the replica
    dies, so a crashed gateway cannot block a calendar for longer than one lease.
    """

    def __init__(
        self,
        redis: Redis,
        prefix: str,
        *,
        lease_seconds: float = 15.0,
        wait_seconds: float = 60.0,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._lease_ms = int(lease_seconds * 1000)
        self._wait_seconds = wait_seconds
        # Tasks of this replica queue here, so only one per key polls Redis.
        self._local = LocalMutex()

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        name = f"{self._prefix}:mutex:{key}"
        token = secrets.token_hex(16)
        async with self._local.hold(key):
            await self._acquire(name, token)
            renewal = asyncio.create_task(self._renew(name, token))
            try:
                yield
            finally:
                renewal.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewal
                await self._redis.eval(_RELEASE, 1, name, token)

    async def _acquire(self, name: str, token: str) -> None:
        deadline = asyncio.get_running_loop().time() + self._wait_seconds
        delay = 0.005
        while not await self._redis.set(name, token, nx=True, px=self._lease_ms):
            if asyncio.get_running_loop().time() > deadline:
                raise MutexTimeoutError(name)
            await asyncio.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter
            delay = min(delay * 2, 0.2)

    async def _renew(self, name: str, token: str) -> None:
        while True:
            await asyncio.sleep(self._lease_ms / 3000)
            await self._redis.eval(_RENEW, 1, name, token, str(self._lease_ms))

    async def held(self) -> list[str]:
        """Mutex keys held by any replica."""
        found = [key async for key in self._redis.scan_iter(match=f"{self._prefix}:mutex:*")]
        return [key.decode() if isinstance(key, bytes) else str(key) for key in found]
