"""The admin side the three simulators share: latency, counts, the record, reset, token expiry.

Its routes are listed in the package docstring (simulators/__init__.py).
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from typing import Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from calendar_gateway.simulators.payload import JsonObject

RECORD_LIMIT = 10_000
"""The record keeps the newest requests only: a long load run must not grow a simulator."""


class Vendor(Protocol):
    """What a simulator does when the admin routes ask."""

    def reset(self) -> None:
        """Back to the seeded state."""

    def expire_tokens(self) -> int:
        """End every API token; how many were live."""


class Admin:
    """What one simulator has been asked, and how slowly it answers."""

    def __init__(self, latency_seconds: float = 0.0) -> None:
        self.latency_seconds = latency_seconds
        self.counts: Counter[str] = Counter()
        self.requests: deque[JsonObject] = deque(maxlen=RECORD_LIMIT)
        self.throttled = 0

    def record(self, operation: str, request: Request, **details: object) -> JsonObject:
        """Count and record a vendor request; the entry is returned for the vendor to complete."""
        self.counts[operation] += 1
        path = request.url.path.removeprefix(request.scope.get("root_path", ""))
        entry: JsonObject = {
            "operation": operation,
            "method": request.method,
            "path": path,
            **details,
        }
        self.requests.append(entry)
        return entry

    async def delay(self) -> None:
        """The configured latency, as a slow vendor adds it to each request."""
        if self.latency_seconds > 0:
            await asyncio.sleep(self.latency_seconds)

    def clear(self) -> None:
        self.counts.clear()
        self.requests.clear()
        self.throttled = 0

    def routes(self, vendor: Vendor) -> list[Route]:
        """The admin routes of ``vendor``, relative to its mount."""

        async def stats(request: Request) -> Response:
            return JSONResponse({"requests": dict(self.counts), "throttled": self.throttled})

        async def recorded(request: Request) -> Response:
            return JSONResponse({"requests": list(self.requests)})

        async def reset(request: Request) -> Response:
            self.clear()
            vendor.reset()
            return Response(status_code=204)

        async def expire_tokens(request: Request) -> Response:
            return JSONResponse({"expired": vendor.expire_tokens()})

        return [
            Route("/_admin/stats", stats, methods=["GET"]),
            Route("/_admin/requests", recorded, methods=["GET"]),
            Route("/_admin/reset", reset, methods=["POST"]),
            Route("/_admin/expire-tokens", expire_tokens, methods=["POST"]),
        ]
