"""Change events: published by topic, delivered to this replica's subscribers of that topic.

Without Redis a publish reaches this process's subscribers only. With Redis every replica
publishes to one channel and listens on it, so a write through any replica reaches the
subscribers of all. Each subscriber has a bounded queue: one that does not keep up is cut
off (SlowConsumerError) instead of making the process hold its events without end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Protocol

import orjson
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 4096
"""Longer messages on the channel are not ours: dropped unread."""
_RETRY_SECONDS = 1.0
WILDCARD = "*"


class ChangeKind(Enum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


@dataclass(frozen=True)
class Change:
    """Something about one entity changed; ``first``/``last`` are the dates it spans, if known."""

    topic: str
    kind: ChangeKind
    entity_id: str
    first: date | None = None
    last: date | None = None

    def to_json(self) -> bytes:
        dates = [None if d is None else d.isoformat() for d in (self.first, self.last)]
        return orjson.dumps([self.topic, self.kind.value, self.entity_id, *dates])

    @classmethod
    def from_json(cls, data: bytes) -> Change:
        """A change read from Redis, which is untrusted: ValueError unless well formed."""
        if len(data) > MAX_MESSAGE_BYTES:
            raise ValueError("message too long")
        value = orjson.loads(data)
        if not isinstance(value, list) or len(value) != 5:
            raise ValueError("not a change")
        topic, kind, entity_id, first, last = value
        if not (isinstance(topic, str) and isinstance(entity_id, str)):
            raise ValueError("not a change")
        return cls(topic, ChangeKind(kind), entity_id, _date(first), _date(last))


def _date(value: object) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("not a date")
    return date.fromisoformat(value)


class SlowConsumerError(Exception):
    """A subscriber fell too far behind its events and was cut off."""


class Subscriber:
    """One subscription's queue of changes."""

    def __init__(self, limit: int) -> None:
        self._queue: asyncio.Queue[Change] = asyncio.Queue(limit)
        self._overflowed = False

    def offer(self, change: Change) -> None:
        if self._overflowed:
            return
        try:
            self._queue.put_nowait(change)
        except asyncio.QueueFull:
            self._overflowed = True

    async def next(self) -> Change:
        if self._overflowed:
            raise SlowConsumerError("events came faster than they were read")
        return await self._queue.get()


class Channel(Protocol):
    """How a change reaches every replica's hub."""

    async def send(self, change: Change) -> None: ...

    async def aclose(self) -> None: ...


class EventHub:
    """This replica's subscribers by topic, and the channel that feeds them."""

    def __init__(self, queue_limit: int) -> None:
        self._queue_limit = queue_limit
        self._subscribers: dict[str, set[Subscriber]] = {}
        self.channel: Channel = LocalChannel(self)
        """Replaced by a RedisChannel when replicas share a Redis."""

    async def publish(self, change: Change) -> None:
        await self.channel.send(change)

    def watched(self, topic: str) -> bool:
        return bool(self._subscribers.get(topic))

    def deliver(self, change: Change) -> None:
        """To the topic's subscribers; a topic ending in ``*`` reaches every topic it starts."""
        if change.topic.endswith(WILDCARD):
            prefix = change.topic.removesuffix(WILDCARD)
            topics = [t for t in self._subscribers if t.startswith(prefix)]
        else:
            topics = [change.topic]
        for topic in topics:
            for subscriber in self._subscribers.get(topic, ()):
                subscriber.offer(change)

    @contextlib.contextmanager
    def subscribe(self, topic: str) -> Iterator[Subscriber]:
        subscriber = Subscriber(self._queue_limit)
        self._subscribers.setdefault(topic, set()).add(subscriber)
        try:
            yield subscriber
        finally:
            subscribers = self._subscribers[topic]
            subscribers.discard(subscriber)
            if not subscribers:
                del self._subscribers[topic]


class LocalChannel:
    """One process: a publish is a delivery."""

    def __init__(self, hub: EventHub) -> None:
        self._hub = hub

    async def send(self, change: Change) -> None:
        self._hub.deliver(change)

    async def aclose(self) -> None:
        pass


class RedisChannel:
    """Every replica: one Redis pub/sub channel, listened to by one task per process."""

    def __init__(self, hub: EventHub, redis: Redis, name: str) -> None:
        self._hub = hub
        self._redis = redis
        self._name = name
        self._listening = asyncio.get_running_loop().create_task(self._listen())

    async def send(self, change: Change) -> None:
        try:
            await self._redis.publish(self._name, change.to_json())
        except (RedisError, OSError) as error:
            # The write itself succeeded: its subscribers hear of it at the next poll.
            log.warning("change not published: %s", error)

    async def aclose(self) -> None:
        self._listening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._listening

    async def _listen(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._name)
                    await self._relay(pubsub)
            except (RedisError, OSError) as error:
                log.warning("change channel lost, resubscribing: %s", error)
                await asyncio.sleep(_RETRY_SECONDS)

    async def _relay(self, pubsub: PubSub) -> None:
        async for message in _messages(pubsub):
            try:
                change = Change.from_json(message)
            except (ValueError, orjson.JSONDecodeError):
                log.warning("a malformed change on the channel was dropped")
                continue
            self._hub.deliver(change)


async def _messages(pubsub: PubSub) -> AsyncIterator[bytes]:
    async for message in pubsub.listen():
        data = message.get("data")
        if message.get("type") == "message" and isinstance(data, bytes):
            yield data
