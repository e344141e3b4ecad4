"""Cross-site request forgery prevention, as Apollo Server does it.

A browser sends a cross-site request without asking the server first (a CORS preflight)
only when it is "simple": no content type or a form's, and no custom header. Refusing
those operations means every operation a page on another site can make goes through a
preflight, which the CORS allow-list answers.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import Response

from calendar_gateway.protection.rejection import rejection

SIMPLE_CONTENT_TYPES = frozenset(
    {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}
)
PREFLIGHT_HEADERS = ("x-apollo-operation-name", "apollo-require-preflight")
_PREFLIGHT_KEYS = tuple(name.encode("latin-1") for name in PREFLIGHT_HEADERS)

MESSAGE = (
    "This request has been refused as a possible cross-site request forgery (CSRF). Send it"
    " with a Content-Type other than text/plain, application/x-www-form-urlencoded or"
    " multipart/form-data (such as application/json), or with a non-empty"
    " x-apollo-operation-name or apollo-require-preflight header."
)


def forces_preflight(headers: Mapping[bytes, bytes]) -> bool:
    """Whether a browser would have asked before sending a request with these headers."""
    # Read as Starlette reads headers (latin-1), so that strip() and lower() judge as before.
    content_type = headers.get(b"content-type", b"").decode("latin-1")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type and media_type not in SIMPLE_CONTENT_TYPES:
        return True
    return any(headers.get(name) for name in _PREFLIGHT_KEYS)


def refusal() -> Response:
    """The answer to an operation that does not force a preflight."""
    return rejection(400, "BAD_REQUEST", MESSAGE)
