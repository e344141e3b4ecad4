"""The read cache: aiocache behind a small interface, with single flight.

One code path for both stores: ``memory://`` by default, Redis when REDIS_URL is set
(shared by every replica, so an invalidation reaches them all). Keys are scoped by
upstream identity (the upstream's URL and user), so no answer crosses credentials.
Values are pickled: the store is the gateway's own, as trusted as its configuration.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from aiocache import Cache
from aiocache.base import BaseCache
from aiocache.serializers import PickleSerializer

from calendar_gateway import metrics

T = TypeVar("T")


def open_store(redis_url: str | None, namespace: str) -> BaseCache:
    store = cast(BaseCache, Cache.from_url(redis_url or "memory://"))
    store.serializer = PickleSerializer()
    if redis_url is None:
        # Memory answers without I/O, so there is nothing for a timeout to bound, and
        # aiocache would start a task per call (asyncio.wait_for) to enforce one.
        store.timeout = None
    store.namespace = f"{namespace}:"
    return store


async def close_store(store: BaseCache) -> None:
    # aiocache's close() calls redis-py's deprecated close(); close its client directly.
    client = getattr(store, "client", None)
    if client is not None:
        await client.aclose()


class ReadCache:
    """Answers of one upstream identity, read through and de-duplicated while in flight.

    ``ttl_seconds == 0`` stores nothing, but identical reads in flight still share
    one upstream call; reads then never touch the store.
    """

    def __init__(self, store: BaseCache, name: str, identity: str, ttl_seconds: float) -> None:
        self._store = store
        self._hits = metrics.CACHE_HITS.labels(name)
        self._misses = metrics.CACHE_MISSES.labels(name)
        self._scope = hashlib.sha256(identity.encode()).hexdigest()[:16]
        # A float TTL makes aiocache use PSETEX: redis-py deprecates the SETEX of an int.
        self._ttl = float(ttl_seconds)
        self._in_flight: dict[str, asyncio.Future[Any]] = {}
        # Moves on at every invalidation: a load that saw it move may hold stale data.
        self._epoch = 0
        # With TTL 0, each group's invalidations in this process (see _generation).
        self._local_generations: Counter[str] = Counter()

    async def read(self, key: str, load: Callable[[], Awaitable[T]], *, group: str = "") -> T:
        """The cached answer for ``key``, or ``load()``'s, shared with concurrent readers."""
        full_key = await self._key(key, group)
        if self._ttl > 0 and full_key not in self._in_flight:
            cached = await self._store.get(full_key)
            if cached is not None:
                self._hits.inc()
                return cast(T, cached)
        # Checked after the store's await: a reader that got here first may be loading.
        flight = self._in_flight.get(full_key)
        if flight is None:
            self._misses.inc()
            flight = asyncio.ensure_future(self._load(full_key, load))
            self._in_flight[full_key] = flight
            flight.add_done_callback(lambda done: self._land(full_key, done))
        return cast(T, await asyncio.shield(flight))

    def _land(self, full_key: str, flight: asyncio.Future[Any]) -> None:
        if self._in_flight.get(full_key) is flight:
            del self._in_flight[full_key]

    async def forget(self, *keys: str) -> None:
        self._epoch += 1
        for key in keys:
            full_key = await self._key(key, "")
            self._in_flight.pop(full_key, None)
            await self._store.delete(full_key)

    async def forget_group(self, group: str) -> None:
        """Invalidate every key read under ``group`` (e.g. all listed ranges) at once."""
        self._epoch += 1
        self._local_generations[group] += 1
        await self._store.increment(self._generation_key(group))

    async def _load(self, full_key: str, load: Callable[[], Awaitable[T]]) -> T:
        epoch = self._epoch
        value = await load()
        if self._ttl > 0 and epoch == self._epoch:
            await self._store.set(full_key, value, ttl=self._ttl)
        return value

    async def _key(self, key: str, group: str) -> str:
        if not group:
            return f"{self._scope}:{key}"
        # A group's keys carry its generation; forget_group moves it on.
        return f"{self._scope}:{group}@{await self._generation(group)}:{key}"

    async def _generation(self, group: str) -> int:
        if self._ttl == 0:
            # Nothing is stored, so a key only names a read in flight: this process's own
            # count keeps a read begun before a write from being shared after it, as
            # forget() does for single keys, without a round trip to the store per read.
            return self._local_generations[group]
        generation: int = await self._store.get(self._generation_key(group), loads_fn=_counter)
        return generation

    def _generation_key(self, group: str) -> str:
        return f"{self._scope}:generation:{group}"


def _counter(stored: object) -> int:
    # Counters are stored by increment(), unpickled: a number, bytes from Redis, or None.
    return 0 if stored is None else int(cast(Any, stored))
