"""A ceiling on failed authentications per client address, against guessing keys.

Past ``AUTH_FAILURE_LIMIT`` refused credentials in ``AUTH_FAILURE_WINDOW_SECONDS``, every
operation from that address is refused with 429 until the window ends, right key or not:
otherwise the guessing would go on, and a right guess would still be let in.
"""

from __future__ import annotations

from starlette.responses import Response

from calendar_gateway.protection.throttling import Windows, rate_limit_rejection


class AuthFailureLimit:
    """Counts an address's refused credentials; answers 429 to it past the limit."""

    def __init__(self, windows: Windows) -> None:
        self.windows = windows

    async def refusal(self, address: str) -> Response | None:
        """The 429 for an address past its failures, before its credentials are looked at."""
        wait = await self.windows.blocked(address)
        if wait is None:
            return None
        return rate_limit_rejection(wait, "Too many failed authentications from this address")

    async def count(self, address: str) -> None:
        """The address's credentials have just been refused."""
        await self.windows.hit(address)
