"""Liveness and readiness: ``/healthz`` says the process is up, ``/readyz`` that it can serve.

Ready means started, Redis reachable when configured, and not shutting down. A vendor that
is down does not make a replica unready: GraphQL still answers, with the fields of the
other vendors, and every replica sees the same vendor, so taking them out of the load
balancer would turn a partial outage into a full one. The vendors' state is in the body;
``READINESS_REQUIRES_UPSTREAMS`` makes it count (strict mode). Probes are cheap (the base
URL, no credentials; a Redis PING) and their results are reused for a few seconds, so a
load balancer polling every replica often costs the vendors little.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse

from calendar_gateway.shutdown import Shutdown
from calendar_gateway.upstreams.circuit import CircuitBreaker, CircuitState

log = logging.getLogger(__name__)

# A PING that takes longer than this counts as unreachable: a probe must answer quickly.
REDIS_PROBE_SECONDS = 1.0


class Upstream(Protocol):
    """What readiness needs of an upstream's transport."""

    @property
    def circuit(self) -> CircuitBreaker: ...

    async def probe(self) -> bool: ...


@dataclass(frozen=True)
class UpstreamHealth:
    reachable: bool
    circuit: CircuitState

    @property
    def ready(self) -> bool:
        return self.reachable and self.circuit is not CircuitState.OPEN

    def as_json(self) -> dict[str, object]:
        return {"ready": self.ready, "reachable": self.reachable, "circuit": self.circuit.value}


class Readiness:
    """Probes the upstreams in ``transports`` and Redis, at most once per ``cache_seconds``."""

    def __init__(
        self,
        transports: Mapping[str, Upstream],
        cache_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._transports = transports
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._reachable: dict[str, bool] = {}
        self._probed_at: float | None = None
        self._probing = asyncio.Lock()
        self.redis: Redis | None = None
        """Set by the lifespan when ``REDIS_URL`` is; probed with the upstreams."""

    async def check(self) -> dict[str, UpstreamHealth]:
        reachable = await self._reachability()
        return {
            name: UpstreamHealth(reachable.get(name, False), transport.circuit.state)
            for name, transport in self._transports.items()
        }

    async def redis_reachable(self) -> bool | None:
        """None without Redis; else whether the last probe round reached it."""
        if self.redis is None:
            return None
        return (await self._reachability()).get(_REDIS, False)

    async def _reachability(self) -> dict[str, bool]:
        # One probe round at a time: callers arriving meanwhile take its result.
        async with self._probing:
            if not self._fresh():
                probes = {name: t.probe() for name, t in self._transports.items()}
                if self.redis is not None:
                    probes[_REDIS] = _ping(self.redis)
                answers = await asyncio.gather(*probes.values())
                self._reachable = dict(zip(probes, answers, strict=True))
                self._probed_at = self._clock()
            return self._reachable

    def _fresh(self) -> bool:
        if self._probed_at is None:
            return False
        return self._clock() - self._probed_at < self._cache_seconds


# Not an upstream's name: those are Python identifiers.
_REDIS = "redis:"


async def _ping(redis: Redis) -> bool:
    try:
        async with asyncio.timeout(REDIS_PROBE_SECONDS):
            await redis.ping()
    except (OSError, TimeoutError, RedisError) as error:
        # The type only: a message may quote the URL, password included.
        log.warning("readiness: Redis unreachable (%s)", type(error).__name__)
        return False
    return True


@dataclass
class Lifecycle:
    """Where the process is in its life, as readiness sees it."""

    shutdown: Shutdown
    started: bool = False


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def readyz(
    readiness: Readiness, lifecycle: Lifecycle, requires_upstreams: bool
) -> Callable[[Request], Awaitable[JSONResponse]]:
    """The ``/readyz`` endpoint: 200 when ready, else 503 with the reasons; detail either way."""

    async def endpoint(request: Request) -> JSONResponse:
        report = await readiness.check()
        redis = await readiness.redis_reachable()
        reasons = _reasons(lifecycle, redis)
        if requires_upstreams:
            reasons += [f"upstream {name}" for name, h in report.items() if not h.ready]
        body: dict[str, object] = {"status": "not ready" if reasons else "ready"}
        if reasons:
            body["reasons"] = reasons
        if redis is not None:
            body["redis"] = {"reachable": redis}
        body["upstreams"] = {name: health.as_json() for name, health in report.items()}
        return JSONResponse(body, status_code=503 if reasons else 200)

    return endpoint


def _reasons(lifecycle: Lifecycle, redis: bool | None) -> list[str]:
    reasons = []
    if not lifecycle.started:
        reasons.append("starting")
    if lifecycle.shutdown.draining:
        reasons.append("shutting down")
    if redis is False:
        reasons.append("redis unreachable")
    return reasons
