"""The guards in front of GraphQL: CORS, body size, CSRF, authentication, rate limits.

Failed authentications are limited per address too, before authentication.

The query limits (depth, aliases, tokens, root fields, introspection) live with the schema,
in ``graphql/limits.py``.
"""

from __future__ import annotations

from redis.asyncio import Redis
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.cors import CORSMiddleware

from calendar_gateway.correlation import REQUEST_ID_HEADER
from calendar_gateway.protection.auth import backend_for, unauthenticated
from calendar_gateway.protection.auth_failures import AuthFailureLimitMiddleware
from calendar_gateway.protection.body_size import BodySizeLimitMiddleware
from calendar_gateway.protection.csrf import PREFLIGHT_HEADERS, CsrfPreventionMiddleware
from calendar_gateway.protection.throttling import (
    MemoryWindows,
    RateLimitMiddleware,
    RedisWindows,
    Windows,
)
from calendar_gateway.settings import Settings


class Protection:
    """The middleware, in the order a request meets it, and the rate limit's store."""

    def __init__(self, settings: Settings) -> None:
        self.windows = _windows_for(
            settings, settings.rate_limit_requests, settings.rate_limit_window_seconds, ""
        )
        self.failures = _windows_for(
            settings, settings.auth_failure_limit, settings.auth_failure_window_seconds, "auth"
        )
        # CORS first, so that every refusal below still reaches a permitted page readably.
        self.middleware = [
            *_cors(settings),
            Middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes),
            Middleware(CsrfPreventionMiddleware),
            *_authentication(settings, self.failures),
            # After authentication: a client is counted by who it is, not where it is.
            *([Middleware(RateLimitMiddleware, windows=self.windows)] if self.windows else []),
        ]

    async def aclose(self) -> None:
        for windows in (self.windows, self.failures):
            if windows is not None:
                await windows.aclose()


def _cors(settings: Settings) -> list[Middleware]:
    # Without an allow-list browsers keep to their same-origin policy: nothing to add.
    if not settings.cors_origins and not settings.cors_origin_regex:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_origin_regex=settings.cors_origin_regex,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", REQUEST_ID_HEADER, *PREFLIGHT_HEADERS],
            expose_headers=["Retry-After", REQUEST_ID_HEADER],
            max_age=600,
        )
    ]


def _authentication(settings: Settings, failures: Windows | None) -> list[Middleware]:
    backend = backend_for(settings)
    if backend is None:
        return []
    return [
        # Before authentication: an address past its failures is not let guess again.
        *([Middleware(AuthFailureLimitMiddleware, windows=failures)] if failures else []),
        Middleware(AuthenticationMiddleware, backend=backend, on_error=unauthenticated),
    ]


def _windows_for(settings: Settings, limit: int, window: float, kind: str) -> Windows | None:
    if limit == 0:
        return None
    if settings.redis_url is None:
        return MemoryWindows(limit, window)
    prefix = ":".join(filter(None, (settings.redis_key_prefix, kind)))
    # Connects on first use, in the server's event loop.
    return RedisWindows(Redis.from_url(settings.redis_url), prefix, limit, window)
