"""A ceiling on request bodies, so no client makes us buffer more than it."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calendar_gateway.protection.rejection import rejection


class _BodyTooLargeError(Exception):
    pass


class BodySizeLimitMiddleware:
    """Answers 413 to a body over ``max_bytes``: declared, or counted as it arrives."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        # A chunked body declares no length: count it as the app reads it.
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise _BodyTooLargeError
            return message

        try:
            await self.app(scope, counted_receive, send)
        except _BodyTooLargeError:
            # Every route here reads the whole body before it answers, so nothing was sent.
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"The request body is larger than {self.max_bytes} bytes."
        await rejection(413, "PAYLOAD_TOO_LARGE", message)(scope, receive, send)
