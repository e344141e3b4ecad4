"""A ceiling on failed authentications per client address, against guessing keys.

Past ``AUTH_FAILURE_LIMIT`` refused credentials in ``AUTH_FAILURE_WINDOW_SECONDS``, every
operation from that address is refused with 429 until the window ends, right key or not:
otherwise the guessing would go on, and a right guess would still be let in.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calendar_gateway.protection.auth import client_address
from calendar_gateway.protection.operations import is_operation
from calendar_gateway.protection.throttling import Windows, rate_limit_rejection


class AuthFailureLimitMiddleware:
    """Counts the 401s of the authentication behind it; answers 429 past the limit."""

    def __init__(self, app: ASGIApp, windows: Windows) -> None:
        self.app = app
        self.windows = windows

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_operation(scope):
            await self.app(scope, receive, send)
            return
        address = client_address(scope)
        wait = await self.windows.blocked(address)
        if wait is not None:
            reason = "Too many failed authentications from this address"
            await rate_limit_rejection(wait, reason)(scope, receive, send)
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                await self.windows.hit(address)
            await send(message)

        await self.app(scope, receive, counting_send)
