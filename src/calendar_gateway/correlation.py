"""The request id: taken from ``X-Request-ID`` or made up, logged, and sent on to upstreams."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"

# A client's id is kept only when it is short and plain: it ends up in every log line.
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:\-]{1,128}")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request this task serves, if any."""
    return _request_id.get()


class RequestIdMiddleware:
    """Gives each HTTP request an id for its duration, and answers with it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _acceptable(Headers(scope=scope).get(REQUEST_ID_HEADER))
        token = _request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _request_id.reset(token)


def _acceptable(offered: str | None) -> str:
    if offered is not None and _ACCEPTABLE.fullmatch(offered):
        return offered
    return uuid.uuid4().hex
