"""Pollers: changes made outside the gateway, found by reading the vendor and diffing.

A poller runs for a watched thing only while a subscriber on this replica watches it, and
across replicas only one polls it at a time: the holder of its lease (in Redis, when set).
The last state seen is kept beside the lease, so a replica that takes over diffs against
what the last poller saw, not against nothing. The first poll of a thing only records it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from calendar_gateway.caching import read_through
from calendar_gateway.services.events import Change, ChangeKind, EventHub
from calendar_gateway.upstreams.errors import UpstreamError

log = logging.getLogger(__name__)

MAX_STATE_BYTES = 2 * 1024 * 1024
"""A stored state longer than this is not ours: it is ignored, and the next poll records anew."""


@dataclass(frozen=True)
class Entry:
    """One entity as a poll saw it: a digest of its vendor object, and the dates it spans."""

    digest: str
    first: date | None = None
    last: date | None = None


State = dict[str, Entry]
"""What a poll saw, by entity id."""
Read = Callable[[], Awaitable[State]]


def digest(raw: object) -> str:
    return hashlib.sha256(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)).hexdigest()[:24]


def changes(topic: str, before: State, after: State) -> list[Change]:
    """What happened between two polls: created, updated and deleted entities, by id."""
    found = []
    for entity_id in sorted(before.keys() | after.keys()):
        old, new = before.get(entity_id), after.get(entity_id)
        if old == new:
            continue
        kind = (
            ChangeKind.CREATED
            if old is None
            else ChangeKind.DELETED
            if new is None
            else ChangeKind.UPDATED
        )
        seen = new or old
        assert seen is not None  # one of them is set: the id came from their keys
        found.append(Change(topic, kind, entity_id, seen.first, seen.last))
    return found


class PollStore(Protocol):
    """Who polls what, and what was seen last."""

    async def lease(self, key: str) -> bool:
        """Take or keep the lease of ``key``; False while another replica holds it."""

    async def release(self, key: str) -> None: ...

    async def load(self, key: str) -> State | None: ...

    async def save(self, key: str, state: State) -> None: ...


class LocalPollStore:
    """One replica: it polls everything watched, and remembers in memory."""

    def __init__(self) -> None:
        self._states: dict[str, State] = {}

    async def lease(self, key: str) -> bool:
        return True

    async def release(self, key: str) -> None:
        self._states.pop(key, None)

    async def load(self, key: str) -> State | None:
        return self._states.get(key)

    async def save(self, key: str, state: State) -> None:
        self._states[key] = state


# Takes the lease when free, renews it when ours: one atomic step, so two replicas never both
# believe they hold it.
_LEASE = """
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisPollStore:
    """Replicas sharing a Redis: one lease per polled thing, the last state beside it."""

    def __init__(self, redis: Redis, prefix: str, lease_seconds: float) -> None:
        self._redis = redis
        self._prefix = prefix
        self._lease_ms = int(lease_seconds * 1000)
        self._me = secrets.token_hex(8)

    async def lease(self, key: str) -> bool:
        taken = await self._redis.eval(_LEASE, 1, self._key("lease", key), self._me, self._lease_ms)
        return bool(taken)

    async def release(self, key: str) -> None:
        await self._redis.eval(_RELEASE, 1, self._key("lease", key), self._me)

    async def load(self, key: str) -> State | None:
        stored = await self._redis.get(self._key("state", key))
        if not isinstance(stored, bytes) or len(stored) > MAX_STATE_BYTES:
            return None
        try:
            return _state(orjson.loads(stored))
        except (ValueError, TypeError, orjson.JSONDecodeError):
            log.warning("a malformed poll state in Redis was ignored")
            return None

    async def save(self, key: str, state: State) -> None:
        value = {i: [e.digest, _iso(e.first), _iso(e.last)] for i, e in state.items()}
        # Outlives a lease or two, so a replica taking over finds it; then it goes.
        await self._redis.set(self._key("state", key), orjson.dumps(value), px=self._lease_ms * 4)

    def _key(self, kind: str, key: str) -> str:
        return f"{self._prefix}:poll-{kind}:{key}"


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _state(value: object) -> State:
    if not isinstance(value, dict):
        raise ValueError("not a state")
    return {str(i): _entry(e) for i, e in value.items()}


def _entry(value: object) -> Entry:
    if not isinstance(value, list) or len(value) != 3 or not isinstance(value[0], str):
        raise ValueError("not an entry")
    first, last = (None if v is None else date.fromisoformat(v) for v in value[1:])
    return Entry(value[0], first, last)


@dataclass(frozen=True)
class Watch:
    """A thing to poll: ``key`` names it across replicas; changes go out on ``topic``."""

    key: str
    topic: str
    read: Read


class Pollers:
    """This replica's pollers, one per watched key, each running while watched."""

    def __init__(self, hub: EventHub, store: PollStore, interval: float) -> None:
        self._hub = hub
        self._store = store
        self._interval = interval
        self._watchers: dict[str, int] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    @contextlib.asynccontextmanager
    async def watching(self, watch: Watch) -> AsyncIterator[None]:
        """Polls ``watch`` while the block runs (and others watch it too)."""
        self._watchers[watch.key] = self._watchers.get(watch.key, 0) + 1
        if watch.key not in self._tasks:
            self._tasks[watch.key] = asyncio.create_task(self._run(watch))
        try:
            yield
        finally:
            self._watchers[watch.key] -= 1
            if not self._watchers[watch.key]:
                del self._watchers[watch.key]
                await self._stop(watch.key)

    @property
    def running(self) -> int:
        """How many things this replica polls or stands by to poll."""
        return len(self._tasks)

    async def aclose(self) -> None:
        for key in list(self._tasks):
            await self._stop(key)

    async def _stop(self, key: str) -> None:
        task = self._tasks.pop(key)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        with contextlib.suppress(RedisError, OSError):
            await self._store.release(key)

    async def _run(self, watch: Watch) -> None:
        # A poll reads the vendor, not the cache, and leaves the fresh answer there.
        read_through.set(True)
        while True:
            try:
                if await self._store.lease(watch.key):
                    await self._poll(watch)
            except (UpstreamError, RedisError, OSError) as error:
                log.warning("poll of %s failed: %s", watch.key, error)
            except Exception:
                # Its subscribers still hear the gateway's own writes: keep polling.
                log.exception("poll of %s failed unexpectedly", watch.key)
            await asyncio.sleep(self._interval)

    async def _poll(self, watch: Watch) -> None:
        after = await watch.read()
        before = await self._store.load(watch.key)
        await self._store.save(watch.key, after)
        if before is None:
            return
        for change in changes(watch.topic, before, after):
            await self._hub.publish(change)
