"""Liveness and readiness: ``/healthz`` says the process is up, ``/readyz`` that it can serve.

Ready means every upstream's server answers and its circuit is not open. Probes are
cheap (the base URL, no credentials) and their results are reused for a few seconds,
so a load balancer polling every replica often costs the vendors little.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse

from calendar_gateway.upstreams.circuit import CircuitBreaker, CircuitState


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
    """Probes the upstreams in ``transports``, at most once per ``cache_seconds``."""

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

    async def check(self) -> dict[str, UpstreamHealth]:
        reachable = await self._reachability()
        return {
            name: UpstreamHealth(reachable.get(name, False), transport.circuit.state)
            for name, transport in self._transports.items()
        }

    async def _reachability(self) -> dict[str, bool]:
        # One probe round at a time: callers arriving meanwhile take its result.
        async with self._probing:
            if not self._fresh():
                names = list(self._transports)
                answers = await asyncio.gather(*(self._transports[n].probe() for n in names))
                self._reachable = dict(zip(names, answers, strict=True))
                self._probed_at = self._clock()
            return self._reachable

    def _fresh(self) -> bool:
        if self._probed_at is None:
            return False
        return self._clock() - self._probed_at < self._cache_seconds


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def readyz(readiness: Readiness) -> Callable[[Request], Awaitable[JSONResponse]]:
    """The ``/readyz`` endpoint: 200 with per-upstream detail when ready, else 503."""

    async def endpoint(request: Request) -> JSONResponse:
        report = await readiness.check()
        ready = all(health.ready for health in report.values())
        body = {
            "status": "ready" if ready else "not ready",
            "upstreams": {name: health.as_json() for name, health in report.items()},
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    return endpoint
