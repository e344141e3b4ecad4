"""Per-client rate limits: a fixed window per client, counted in memory or in Redis.

A client's window opens with its first request and lasts ``RATE_LIMIT_WINDOW_SECONDS``;
past ``RATE_LIMIT_REQUESTS`` in it, requests are refused until it ends.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.responses import Response
from starlette.types import Scope

from calendar_gateway.protection.auth import client_identity
from calendar_gateway.protection.rejection import rejection

log = logging.getLogger(__name__)


class Windows(Protocol):
    async def hit(self, client: str) -> float | None:
        """Count a request; None if allowed, else the seconds until the window ends."""

    async def blocked(self, client: str) -> float | None:
        """Without counting: None if the client is within its limit, else the seconds left."""

    async def aclose(self) -> None: ...


class MemoryWindows:
    """Windows of this process: right for one replica with one worker."""

    def __init__(
        self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._window = window_seconds
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}
        self._next_sweep = 0.0

    async def hit(self, client: str) -> float | None:
        now = self._clock()
        self._sweep(now)
        ends, count = self._windows.get(client, (now + self._window, 0))
        if now >= ends:
            ends, count = now + self._window, 0
        self._windows[client] = (ends, count + 1)
        return None if count < self._limit else ends - now

    async def blocked(self, client: str) -> float | None:
        now = self._clock()
        ends, count = self._windows.get(client, (now, 0))
        return ends - now if now < ends and count >= self._limit else None

    def _sweep(self, now: float) -> None:
        # Once a window: forget clients whose windows ended, so strangers cost no memory.
        if now < self._next_sweep:
            return
        self._windows = {client: w for client, w in self._windows.items() if w[0] > now}
        self._next_sweep = now + self._window

    async def aclose(self) -> None:
        return None


class RedisWindows:
    """Windows shared by every replica and worker using the same Redis and key prefix."""

    def __init__(self, redis: Redis, prefix: str, limit: int, window_seconds: float) -> None:
        self._redis = redis
        self._prefix = prefix
        self._limit = limit
        self._window_ms = max(1, round(window_seconds * 1000))
        self._failing = False

    async def hit(self, client: str) -> float | None:
        key = f"{self._prefix}:ratelimit:{client}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                # The window opens (with its expiry) at the first request, atomically with
                # the count: no key is ever left without an expiry.
                pipe.set(key, 0, px=self._window_ms, nx=True)
                pipe.incr(key)
                pipe.pttl(key)
                _, count, ttl_ms = await pipe.execute()
        except (RedisError, OSError) as error:
            self._note_outage(error)
            return None
        self._failing = False
        return None if count <= self._limit else max(ttl_ms, 0) / 1000

    async def blocked(self, client: str) -> float | None:
        key = f"{self._prefix}:ratelimit:{client}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.get(key)
                pipe.pttl(key)
                count, ttl_ms = await pipe.execute()
        except (RedisError, OSError) as error:
            self._note_outage(error)
            return None
        self._failing = False
        return max(ttl_ms, 0) / 1000 if int(count or 0) >= self._limit else None

    def _note_outage(self, error: Exception) -> None:
        # Without Redis nothing is counted: the gateway serves on, unthrottled, rather than
        # refusing everyone. Said once per outage, not once per request.
        if not self._failing:
            log.warning("rate limit off while Redis is unreachable: %s", error)
        self._failing = True

    async def aclose(self) -> None:
        await self._redis.aclose()


class RateLimit:
    """Answers 429 with Retry-After to a client past its limit."""

    def __init__(self, windows: Windows) -> None:
        self.windows = windows

    async def refusal(self, scope: Scope) -> Response | None:
        """Counts an operation against its client: the 429 past the limit, else None."""
        wait = await self.windows.hit(client_identity(scope))
        if wait is None:
            return None
        return rate_limit_rejection(wait, "Too many requests")


def rate_limit_rejection(wait: float, reason: str) -> Response:
    """A 429 that says when to retry: whole seconds, at least one, in header and extensions."""
    retry_after = max(1, math.ceil(wait))
    return rejection(
        429,
        "RATE_LIMITED",
        f"{reason}; retry in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
        extensions={"retryAfter": retry_after},
    )
