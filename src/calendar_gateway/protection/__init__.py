"""The guards in front of GraphQL: CORS, body size, CSRF, authentication, rate limits.

Failed authentications are limited per address too, before authentication.

The query limits (depth, aliases, tokens, root fields, introspection) live with the schema,
in ``graphql/limits.py``.
"""

from __future__ import annotations

from collections.abc import Mapping

from redis.asyncio import Redis
from starlette.authentication import AuthCredentials, AuthenticationError, UnauthenticatedUser
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Scope

from calendar_gateway.correlation import REQUEST_ID_HEADER
from calendar_gateway.protection import csrf
from calendar_gateway.protection.auth import (
    ApiKeyBackend,
    JwtBackend,
    backend_for,
    client_address,
    unauthenticated,
)
from calendar_gateway.protection.auth_failures import AuthFailureLimit
from calendar_gateway.protection.body_size import BodySizeLimit
from calendar_gateway.protection.operations import is_operation
from calendar_gateway.protection.throttling import MemoryWindows, RateLimit, RedisWindows, Windows
from calendar_gateway.settings import Settings


class Protection:
    """The guards, in the order a request meets them, and the rate limits' stores."""

    def __init__(self, settings: Settings) -> None:
        self.windows = _windows_for(
            settings, settings.rate_limit_requests, settings.rate_limit_window_seconds, ""
        )
        self.failures = _windows_for(
            settings, settings.auth_failure_limit, settings.auth_failure_window_seconds, "auth"
        )
        self.body_size = BodySizeLimit(settings.max_body_bytes)
        self._settings = settings
        self._backend = backend_for(settings)
        # Only with authentication: an address past its failures is not let guess again.
        self._failures = (
            AuthFailureLimit(self.failures)
            if self.failures is not None and self._backend is not None
            else None
        )
        self._rate_limit = RateLimit(self.windows) if self.windows is not None else None

    def cors(self, app: ASGIApp) -> ASGIApp:
        """``app`` behind the CORS allow-list, if there is one.

        CORS before every other guard, so that their refusals still reach a permitted page
        readably.
        """
        return _cors(self._settings, app)

    @property
    def allows_cross_origin(self) -> bool:
        """Whether there is a CORS allow-list: ``cors`` wraps an app in Starlette's CORS."""
        return _allows_cross_origin(self._settings)

    async def refusal(self, scope: Scope, headers: Mapping[bytes, bytes]) -> Response | None:
        """The answer that refuses an HTTP request before it runs, or None to let it in.

        ``headers`` are the request's by lower-case name. A body larger than it declared is
        refused as it is read: ``BodySizeLimit.check`` raises ``BodyTooLargeError``.
        """
        if self.body_size.declared_over(headers):
            return self.body_size.refusal()
        operation = is_operation(scope, headers)
        if operation and not csrf.forces_preflight(headers):
            return csrf.refusal()
        if self._backend is not None:
            if not operation:
                self.mark_anonymous(scope)
            elif refused := await self._authenticate(self._backend, scope, headers):
                return refused
        # After authentication: a client is counted by who it is, not where it is.
        if operation and self._rate_limit is not None:
            return await self._rate_limit.refusal(scope)
        return None

    def mark_anonymous(self, scope: Scope) -> None:
        """A request or connection whose credentials HTTP authentication does not look at.

        Its scope says so as Starlette's authentication would (``request.user``): WebSocket
        clients authenticate in ``connection_init`` instead.
        """
        if self._backend is not None:
            scope["auth"], scope["user"] = AuthCredentials(), UnauthenticatedUser()

    async def _authenticate(
        self, backend: ApiKeyBackend | JwtBackend, scope: Scope, headers: Mapping[bytes, bytes]
    ) -> Response | None:
        address = client_address(scope)
        if self._failures is not None and (refused := await self._failures.refusal(address)):
            return refused
        try:
            credentials = backend.authenticate(headers.get(b"authorization"), HTTPConnection(scope))
        except AuthenticationError as error:
            if self._failures is not None:
                await self._failures.count(address)
            return unauthenticated(error)
        scope["auth"], scope["user"] = credentials
        return None

    async def aclose(self) -> None:
        for windows in (self.windows, self.failures):
            if windows is not None:
                await windows.aclose()


def vary_on_origin(start: Message) -> None:
    """Adds ``Origin`` to the ``Vary`` of an ``http.response.start`` message.

    As Starlette's CORS does to its answer to a request without Origin: one Vary header, in
    place of the first, its values those of every Vary before and then Origin.
    """
    headers = list(start.get("headers", ()))
    values = [value for key, value in headers if key == b"vary"]
    vary = (b"vary", b", ".join([*values, b"Origin"]))
    if values:
        first = next(index for index, (key, _) in enumerate(headers) if key == b"vary")
        headers = [header for header in headers if header[0] != b"vary"]
        headers.insert(first, vary)
    else:
        headers.append(vary)
    start["headers"] = headers


def _allows_cross_origin(settings: Settings) -> bool:
    return bool(settings.cors_origins or settings.cors_origin_regex)


def _cors(settings: Settings, app: ASGIApp) -> ASGIApp:
    # Without an allow-list browsers keep to their same-origin policy: nothing to add.
    if not _allows_cross_origin(settings):
        return app
    return CORSMiddleware(
        app,
        allow_origins=settings.cors_origins,
        allow_origin_regex=settings.cors_origin_regex,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", REQUEST_ID_HEADER, *csrf.PREFLIGHT_HEADERS],
        expose_headers=["Retry-After", REQUEST_ID_HEADER],
        max_age=600,
    )


def _windows_for(settings: Settings, limit: int, window: float, kind: str) -> Windows | None:
    if limit == 0:
        return None
    if settings.redis_url is None:
        return MemoryWindows(limit, window)
    prefix = ":".join(filter(None, (settings.redis_key_prefix, kind)))
    # Connects on first use, in the server's event loop.
    return RedisWindows(Redis.from_url(settings.redis_url), prefix, limit, window)
