"""The read cache: aiocache behind a small interface, with single flight.

One code path for both stores: ``memory://`` by default, Redis when REDIS_URL is set
(shared by every replica, so an invalidation reaches them all). Keys are scoped by
upstream identity (the upstream's URL and user), so no answer crosses credentials.

The store is neither trusted nor relied on. Values are JSON, read back through a typed
``Codec`` that validates them: nothing found in the store can run code, and a value that
does not validate is a miss. When the store fails, reads go to the upstreams (fail open),
and invalidations it missed are kept and sent first once it answers again; until then
nothing is read from it, so a value they should have removed is never served.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, Generic, TypeVar, cast

from aiocache import Cache
from aiocache.base import BaseCache
from aiocache.serializers import NullSerializer
from pydantic import TypeAdapter, ValidationError
from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from calendar_gateway import metrics

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)

MAX_VALUE_BYTES = 16 * 1024 * 1024
"""A stored value longer than this is refused, unread: the store is not trusted."""

HEALTH_CHECK_SECONDS = 10
"""A pooled Redis connection idle this long is pinged before use (a restart kills them)."""

STORE_ERRORS = (RedisError, OSError, TimeoutError)
"""What a failing store raises: Redis down, unreachable, or too slow."""

read_through: ContextVar[bool] = ContextVar("read_through", default=False)
"""Set for a request that asked for ``Cache-Control: no-cache``: its reads skip the stored
answers (a load already in flight is still shared), and what they load is stored."""


class CorruptValueError(ValueError):
    """A stored value that is not what the gateway would have stored there."""


class Codec(Generic[T]):
    """How values of one type are kept: JSON out, validated strictly on the way back."""

    def __init__(self, shape: type[T]) -> None:
        self._adapter: TypeAdapter[T] = TypeAdapter(shape)

    def encode(self, value: T) -> bytes:
        return self._adapter.dump_json(value)

    def decode(self, stored: object) -> T:
        if not isinstance(stored, bytes | str):
            raise CorruptValueError(f"a {type(stored).__name__}, not JSON text")
        if len(stored) > MAX_VALUE_BYTES:
            raise CorruptValueError(f"{len(stored)} bytes, over {MAX_VALUE_BYTES}")
        try:
            return self._adapter.validate_json(stored, strict=True)
        except ValidationError as error:
            # Only the count: the value itself may be anything, of any size.
            raise CorruptValueError(f"{error.error_count()} validation errors") from None


def open_store(redis_url: str | None, namespace: str, timeout_seconds: float = 0.5) -> BaseCache:
    """The store: bytes in, bytes out (``Codec`` makes them), under ``namespace``."""
    store = cast(BaseCache, Cache(Cache.REDIS if redis_url else Cache.MEMORY))
    store.serializer = NullSerializer(encoding=None)
    store.namespace = f"{namespace}:"
    if redis_url is None:
        # Memory answers without I/O, so there is nothing for a timeout to bound, and
        # aiocache would start a task per call (asyncio.wait_for) to enforce one.
        store.timeout = None
        return store
    # redis-py's own client from the URL (aiocache's parsing knows no TLS nor user): a dead
    # pooled connection (Redis restarted) is retried once on a new one, an idle one pinged.
    store.client = Redis.from_url(
        redis_url,
        socket_connect_timeout=timeout_seconds,
        socket_timeout=timeout_seconds,
        health_check_interval=HEALTH_CHECK_SECONDS,
        retry=Retry(NoBackoff(), 1),
    )
    store.timeout = timeout_seconds
    return store


async def close_store(store: BaseCache) -> None:
    # aiocache's close() calls redis-py's deprecated close(); close its client directly.
    client = getattr(store, "client", None)
    if client is not None:
        await client.aclose()


class _StoreDownError(Exception):
    """The store failed this call; the reason is logged where it happened."""


class _LoaderCancelledError(Exception):
    """The reader loading a key was cancelled, and its load with it: load again."""


class _Flight(Generic[T]):
    """A load in the task of the reader that began it; each reader that joins it waits on a
    future of its own, which the load's outcome settles.

    No task of its own: creating, scheduling, stepping and settling one made a miss cost
    7.2 us, not 1.3 (uvloop, a trivial load, TTL 0); a fan-out request has three misses.
    """

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[T]] = []

    def join(self) -> asyncio.Future[T]:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        return waiter

    def answer(self, value: T) -> None:
        for waiter in self._waiters:
            if not waiter.done():  # done: its reader was cancelled
                waiter.set_result(value)

    def fail(self, error: BaseException) -> None:
        if isinstance(error, asyncio.CancelledError):
            error = _LoaderCancelledError()  # the loader's own cancellation is not theirs
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(error)


class ReadCache:
    """Answers of one upstream identity, read through and de-duplicated while in flight.

    ``ttl_seconds == 0`` stores nothing, but identical reads in flight still share
    one upstream call; reads then never touch the store.
    """

    def __init__(
        self,
        store: BaseCache,
        name: str,
        identity: str,
        ttl_seconds: float,
        retry_seconds: float = 1.0,
    ) -> None:
        self._store = store
        self._name = name
        self._hits = metrics.CACHE_HITS.labels(name)
        self._misses = metrics.CACHE_MISSES.labels(name)
        self._scope = hashlib.sha256(identity.encode()).hexdigest()[:16]
        # A float TTL makes aiocache use PSETEX: redis-py deprecates the SETEX of an int.
        self._ttl = float(ttl_seconds)
        self._retry_seconds = retry_seconds
        # An invalidation removes the loads it overtakes: they may hold stale data, so
        # they answer their own readers but store nothing (see _load).
        self._in_flight: dict[str, _Flight[Any]] = {}
        # Each group's invalidations in this process: with TTL 0, or the store down, a
        # key only names a read in flight (see _flight_key).
        self._local_generations: Counter[str] = Counter()
        # Invalidations the store has not had yet (it failed): stored keys and groups.
        self._missed_keys: set[str] = set()
        self._missed_groups: set[str] = set()
        self._down_until = 0.0

    async def read(
        self,
        key: str,
        load: Callable[[], Awaitable[T]],
        codec: Codec[T],
        *,
        group: str = "",
    ) -> T:
        """The cached answer for ``key``, or ``load()``'s, shared with concurrent readers."""
        # With TTL 0 there is no store to ask: not even a coroutine to say so.
        stored_key = None if self._ttl == 0 else await self._stored_key(key, group)
        flight_key = stored_key or self._flight_key(key, group)
        if stored_key is not None and flight_key not in self._in_flight and not read_through.get():
            cached = await self._get(stored_key, codec)
            if cached is not None:
                self._hits.inc()
                return cached
        # Checked after the store's await: a reader that got here first may be loading.
        flight = self._in_flight.get(flight_key)
        if flight is None:
            return await self._load(flight_key, stored_key, load, codec)
        try:
            answer: T = await flight.join()
        except _LoaderCancelledError:
            # The load ran in the cancelled reader's task and went with it: this reader
            # loads itself. One more upstream call, only when a request is given up (a
            # closed subscription, a deadline, a failed non-null sibling field, shutdown);
            # a task of its own for every load, out of cancellations' reach, cost each
            # miss ~6 us.
            return await self.read(key, load, codec, group=group)
        return answer

    async def peek(self, key: str, codec: Codec[T]) -> T | None:
        """The stored answer for ``key`` (no group), if any; never loads."""
        if self._ttl == 0:
            return None
        stored_key = await self._stored_key(key, "")
        if stored_key is None:
            return None
        return await self._get(stored_key, codec)

    async def put_many(self, values: dict[str, T], codec: Codec[T]) -> None:
        """Store ``values`` (no group) in one call, for ``peek``; nothing when caching is off."""
        stored_key = await self._stored_key("", "")
        if stored_key is None or not values:
            return
        pairs = [(self._flight_key(k, ""), codec.encode(v)) for k, v in values.items()]
        with contextlib.suppress(_StoreDownError):
            await self._call("set", self._store.multi_set(pairs, ttl=self._ttl))

    def _land(self, flight_key: str, flight: _Flight[Any]) -> None:
        if self._in_flight.get(flight_key) is flight:
            del self._in_flight[flight_key]

    async def forget(self, *keys: str) -> None:
        for key in keys:
            stored_key = self._flight_key(key, "")
            self._in_flight.pop(stored_key, None)
            if self._ttl > 0:
                self._missed_keys.add(stored_key)
        await self._send_invalidations()

    async def forget_group(self, group: str) -> None:
        """Invalidate every key read under ``group`` (e.g. all listed ranges) at once."""
        self._local_generations[group] += 1
        prefix = f"{self._scope}:{group}@"
        for flight_key in [k for k in self._in_flight if k.startswith(prefix)]:
            del self._in_flight[flight_key]
        if self._ttl > 0:
            self._missed_groups.add(group)
        await self._send_invalidations()

    async def _load(
        self,
        flight_key: str,
        stored_key: str | None,
        load: Callable[[], Awaitable[T]],
        codec: Codec[T],
    ) -> T:
        """``load()``'s answer, loaded in this reader's task for the readers that join it."""
        self._misses.inc()
        flight: _Flight[T] = _Flight()
        self._in_flight[flight_key] = flight
        try:
            value = await load()
            # Still the flight of its key: no invalidation overtook it while it loaded.
            if stored_key is not None and self._in_flight.get(flight_key) is flight:
                await self._set(stored_key, codec.encode(value))
        except BaseException as error:
            flight.fail(error)
            raise
        finally:
            self._land(flight_key, flight)
        flight.answer(value)
        return value

    async def _stored_key(self, key: str, group: str) -> str | None:
        """Where ``key`` is stored; None when the store must not be used now."""
        if self._ttl == 0 or time.monotonic() < self._down_until:
            return None
        if not await self._send_invalidations():
            return None
        if not group:
            return self._flight_key(key, group)
        try:
            # A group's keys carry its generation; forget_group moves it on.
            return f"{self._scope}:{group}@{await self._generation(group)}:{key}"
        except _StoreDownError:
            return None

    def _flight_key(self, key: str, group: str) -> str:
        if not group:
            return f"{self._scope}:{key}"
        # Nothing is stored under it, so this process's own count keeps a read begun
        # before a write from being shared after it, without a round trip to the store.
        # get(): Counter's [] calls its __missing__ for a group not yet invalidated.
        return f"{self._scope}:{group}@{self._local_generations.get(group, 0)}~:{key}"

    async def _generation(self, group: str) -> int:
        name = self._generation_key(group)
        stored = await self._call("get", self._store.get(name))
        try:
            return _counter(stored)
        except ValueError:
            self._reject(name, "not a counter")
            return await self._renew_generation(name)

    async def _renew_generation(self, name: str) -> int:
        # A random start matches no key stored under any earlier generation.
        generation = secrets.randbits(48)
        await self._call("set", self._store.set(name, str(generation).encode()))
        return generation

    async def _bump(self, group: str) -> None:
        name = self._generation_key(group)
        try:
            await self._call("increment", self._store.increment(name))
        except TypeError:  # aiocache: the value there is not an integer
            self._reject(name, "not a counter")
            await self._renew_generation(name)

    async def _send_invalidations(self) -> bool:
        """Send the invalidations the store has not had; whether it now has them all."""
        if not (self._missed_keys or self._missed_groups):
            return True
        if time.monotonic() < self._down_until:
            return False
        try:
            for stored_key in sorted(self._missed_keys):
                await self._call("delete", self._store.delete(stored_key))
                self._missed_keys.discard(stored_key)
            for group in sorted(self._missed_groups):
                await self._bump(group)
                self._missed_groups.discard(group)
        except _StoreDownError:
            return False
        return True

    async def _get(self, stored_key: str, codec: Codec[T]) -> T | None:
        try:
            stored = await self._call("get", self._store.get(stored_key))
        except _StoreDownError:
            return None
        if stored is None:
            return None
        try:
            return codec.decode(stored)
        except CorruptValueError as error:
            self._reject(stored_key, str(error))
            return None

    async def _set(self, stored_key: str, value: bytes) -> None:
        if len(value) > MAX_VALUE_BYTES:
            return
        try:
            await self._call("set", self._store.set(stored_key, value, ttl=self._ttl))
        except _StoreDownError:
            return

    async def _call(self, operation: str, call: Awaitable[R]) -> R:
        """``call``'s answer; a failure marks the store down for a while."""
        try:
            answer = await call
        except STORE_ERRORS as error:
            self._note_outage(operation, error)
            raise _StoreDownError from None
        if self._down_until:
            self._down_until = 0.0
            log.warning("cache store answers again", extra={"code": "CACHE_RECOVERED"})
            await self._drop_idle_connections()
        return answer

    async def _drop_idle_connections(self) -> None:
        # This answer came on a fresh connection; the idle ones in the pool may date from
        # before the outage (a restarted Redis closed them): the next calls open new ones.
        client = getattr(self._store, "client", None)
        if isinstance(client, Redis):
            with contextlib.suppress(*STORE_ERRORS):
                await client.connection_pool.disconnect(inuse_connections=False)

    def _note_outage(self, operation: str, error: BaseException) -> None:
        metrics.CACHE_STORE_ERRORS.labels(self._name, operation).inc()
        if not self._down_until:
            # Said once per outage; the error's type only (a message may carry the URL).
            log.warning(
                "cache store unavailable (%s failed: %s); reading from the upstreams",
                operation,
                type(error).__name__,
                extra={"code": "CACHE_UNAVAILABLE", "cache": self._name},
            )
        self._down_until = time.monotonic() + self._retry_seconds

    def _reject(self, stored_key: str, reason: str) -> None:
        metrics.CACHE_REJECTED.labels(self._name).inc()
        log.warning(
            "cache value rejected, read as a miss: %s",
            reason,
            extra={"code": "CACHE_VALUE_REJECTED", "cache": self._name, "key": stored_key},
        )

    def _generation_key(self, group: str) -> str:
        return f"{self._scope}:generation:{group}"


def _counter(stored: object) -> int:
    # Counters are stored by increment(): a number (memory), digits (Redis), or None.
    if stored is None:
        return 0
    if isinstance(stored, int) and not isinstance(stored, bool):
        return stored
    if isinstance(stored, bytes) and stored.isdigit() and len(stored) <= 20:
        return int(stored)
    raise ValueError("not a counter")
