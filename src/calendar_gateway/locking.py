"""Per-calendar mutual exclusion for edit sessions, and who holds each calendar's GRS lock.

GRS locks belong to the API token, and the gateway uses one token for all its edits, so
the upstream lock cannot keep two of our own edits apart: this mutex does. One replica
uses ``LocalMutex``; replicas sharing Redis use ``RedisMutex``.

A replica that dies mid-edit leaves the GRS lock with its token, which only that token can
give back: ``LockHolders`` records which token may hold which calendar's lock, so whoever
holds the calendar's mutex next can unlock with it. In Redis the token is sealed with a key
derived from the GRS password: the store never holds a usable credential, and a value
planted there is refused rather than sent to GRS.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import random
import secrets
from collections.abc import AsyncIterator, Awaitable
from typing import Protocol, TypeVar

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

R = TypeVar("R")

HOLDER_TTL_SECONDS = 24 * 3600
"""How long a lock holder is remembered: far beyond GRS's 30 idle minutes of a token."""


MAX_KEY_LENGTH = 1024
"""The longest key a sweep reads back from the store; longer ones are not ours."""


class MutexTimeoutError(Exception):
    """The calendar's mutex was not free within the time the edit could wait."""


class LockStoreUnavailableError(Exception):
    """The store of mutexes and lock holders (Redis) failed: no edit can start safely."""


class Mutex(Protocol):
    def hold(self, key: str, wait: float) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold the mutex named ``key`` for the block, after waiting at most ``wait`` seconds."""
        ...


class LockHolders(Protocol):
    async def record(self, key: str, token: str) -> None:
        """``token`` may hold the GRS lock of ``key`` from now on."""
        ...

    async def holder(self, key: str) -> str | None:
        """The token that may hold the GRS lock of ``key``, if one is recorded."""
        ...

    async def forget(self, key: str) -> None:
        """No token holds the GRS lock of ``key`` any more."""
        ...

    async def recorded(self, limit: int) -> list[str]:
        """At most ``limit`` keys that have a holder recorded, picked at random."""
        ...


class LocalMutex:
    """Mutual exclusion among the tasks of one process (one replica)."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiters: dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str, wait: float) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiters[key] = self._waiters.get(key, 0) + 1
        try:
            try:
                async with asyncio.timeout(max(wait, 0.0)):
                    await lock.acquire()
            except TimeoutError:
                raise MutexTimeoutError(key) from None
            try:
                yield
            finally:
                lock.release()
        finally:
            # Forget idle keys: a long-lived gateway must not keep a lock per calendar ever edited.
            self._waiters[key] -= 1
            if self._waiters[key] == 0:
                del self._waiters[key]
                del self._locks[key]

    def held(self) -> list[str]:
        """Keys some task holds or waits for."""
        return list(self._locks)


class LocalLockHolders:
    """Lock holders in this process's memory: they die with it (see the README's guarantee)."""

    def __init__(self) -> None:
        self._holders: dict[str, str] = {}

    async def record(self, key: str, token: str) -> None:
        self._holders[key] = token

    async def holder(self, key: str) -> str | None:
        return self._holders.get(key)

    async def forget(self, key: str) -> None:
        self._holders.pop(key, None)

    async def recorded(self, limit: int) -> list[str]:
        # At random, so records whose lock cannot be given back never starve the others.
        return random.sample(list(self._holders), min(limit, len(self._holders)))


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
    Redis failing while the mutex is held costs nothing but that: the lease runs out.
    """

    def __init__(self, redis: Redis, prefix: str, *, lease_seconds: float = 15.0) -> None:
        self._redis = redis
        self._prefix = prefix
        self._lease_ms = int(lease_seconds * 1000)
        # Tasks of this replica queue here, so only one per key polls Redis.
        self._local = LocalMutex()

    @contextlib.asynccontextmanager
    async def hold(self, key: str, wait: float) -> AsyncIterator[None]:
        name = f"{self._prefix}:mutex:{key}"
        token = secrets.token_hex(16)
        deadline = asyncio.get_running_loop().time() + wait
        async with self._local.hold(key, wait):
            await self._acquire(name, token, deadline)
            renewal = asyncio.create_task(self._renew(name, token))
            try:
                yield
            finally:
                renewal.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewal
                try:
                    await self._redis.eval(_RELEASE, 1, name, token)
                except RedisError as error:
                    log.warning("could not release mutex %s, its lease runs out: %r", key, error)

    async def _acquire(self, name: str, token: str, deadline: float) -> None:
        delay = 0.005
        while not await _redis_call(self._redis.set(name, token, nx=True, px=self._lease_ms)):
            if asyncio.get_running_loop().time() > deadline:
                raise MutexTimeoutError(name)
            await asyncio.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter
            delay = min(delay * 2, 0.2)

    async def _renew(self, name: str, token: str) -> None:
        while True:
            await asyncio.sleep(self._lease_ms / 3000)
            try:
                await self._redis.eval(_RENEW, 1, name, token, str(self._lease_ms))
            except RedisError as error:
                log.warning("could not renew mutex %s: %r", name, error)

    async def held(self) -> list[str]:
        """Mutex keys held by any replica."""
        found = [key async for key in self._redis.scan_iter(match=f"{self._prefix}:mutex:*")]
        return [key.decode() if isinstance(key, bytes) else str(key) for key in found]


class RedisLockHolders:
    """Lock holders in Redis, for every replica to see; tokens sealed (see the module).

    A set indexes the recorded keys, so a sweep reads a few of them without scanning
    the whole store; a member whose record has expired is dropped when it is swept.
    """

    def __init__(self, redis: Redis, prefix: str, secret: str) -> None:
        self._redis = redis
        self._prefix = prefix
        self._fernet = Fernet(_sealing_key(secret))

    async def record(self, key: str, token: str) -> None:
        sealed = self._fernet.encrypt(token.encode())
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._name(key), sealed, ex=HOLDER_TTL_SECONDS)
            pipe.sadd(self._index, key)
            await _redis_call(pipe.execute())

    async def holder(self, key: str) -> str | None:
        sealed = await _redis_call(self._redis.get(self._name(key)))
        if not isinstance(sealed, bytes) or len(sealed) > 1024:
            return None
        try:
            return self._fernet.decrypt(sealed, ttl=HOLDER_TTL_SECONDS).decode()
        except (InvalidToken, UnicodeDecodeError):
            log.warning("ignored a lock holder of %s that this gateway did not seal", key)
            return None

    async def forget(self, key: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._name(key))
            pipe.srem(self._index, key)
            await _redis_call(pipe.execute())

    async def recorded(self, limit: int) -> list[str]:
        found = await _redis_call(self._redis.srandmember(self._index, limit))
        # Untrusted: a planted member is at worst a key with no sealed record, dropped.
        keys = (k.decode(errors="replace") if isinstance(k, bytes) else str(k) for k in found or ())
        return [key for key in keys if len(key) <= MAX_KEY_LENGTH]

    @property
    def _index(self) -> str:
        return f"{self._prefix}:holders"

    def _name(self, key: str) -> str:
        return f"{self._prefix}:holder:{key}"


def _sealing_key(secret: str) -> bytes:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"calendar-gateway lock holders"
    ).derive(secret.encode())
    return base64.urlsafe_b64encode(derived)


async def _redis_call(call: Awaitable[R]) -> R:
    try:
        return await call
    except RedisError as error:
        raise LockStoreUnavailableError(repr(error)) from None
