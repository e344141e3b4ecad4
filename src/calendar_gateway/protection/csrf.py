"""Cross-site request forgery prevention, as Apollo Server does it.

A browser sends a cross-site request without asking the server first (a CORS preflight)
only when it is "simple": no content type or a form's, and no custom header. Refusing
those operations means every operation a page on another site can make goes through a
preflight, which the CORS allow-list answers.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from calendar_gateway.protection.operations import is_operation
from calendar_gateway.protection.rejection import rejection

SIMPLE_CONTENT_TYPES = frozenset(
    {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}
)
PREFLIGHT_HEADERS = ("x-apollo-operation-name", "apollo-require-preflight")

MESSAGE = (
    "This request has been refused as a possible cross-site request forgery (CSRF). Send it"
    " with a Content-Type other than text/plain, application/x-www-form-urlencoded or"
    " multipart/form-data (such as application/json), or with a non-empty"
    " x-apollo-operation-name or apollo-require-preflight header."
)


class CsrfPreventionMiddleware:
    """Refuses operations that a browser could send cross-site without a preflight."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if is_operation(scope) and not _forces_preflight(Headers(scope=scope)):
            await rejection(400, "BAD_REQUEST", MESSAGE)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _forces_preflight(headers: Headers) -> bool:
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type and media_type not in SIMPLE_CONTENT_TYPES:
        return True
    return any(headers.get(name) for name in PREFLIGHT_HEADERS)
