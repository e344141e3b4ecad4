"""The three vendor reads behind the fan-out query, as plain HTTP requests.

The gateway makes these for ``businessCalendar``, ``booking`` and ``appointment``; the
baseline and the upstream probe send the same requests without the gateway in between.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from urllib.parse import urlencode

import aiohttp

GRS_USER = ("demo", "demo")
SYNERGIST_USER = {"user": "user", "password": "user", "version": "3.9"}
XELION_USER = {"userName": "demo", "password": "demo"}
XELION_ROOT = "/api/v1/master"


@dataclass(frozen=True)
class Call:
    """One HTTP request, ready to send again and again."""

    name: str
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass(frozen=True)
class Entities:
    """One business calendar, booking and appointment: what the fan-out query reads."""

    calendar: str
    booking: str
    appointment: str


@dataclass(frozen=True)
class Sessions:
    """What the vendors that keep sessions handed out at login."""

    upstream: str
    grs_token: str
    xelion_token: str

    @classmethod
    async def login(
        cls, session: aiohttp.ClientSession, upstream: str, user_space: str
    ) -> Sessions:
        grs_token = await _grs_login(session, upstream)
        return cls(upstream, grs_token, await _xelion_login(session, upstream, user_space))

    def fanout_calls(self, entities: Entities) -> list[Call]:
        """The three reads, as the gateway makes them for ``entities``."""
        package = "/grs/v1/tenant/default/package/default"
        form = {**SYNERGIST_USER, "action": "calendarrefresh", "diary": entities.booking}
        return [
            Call(
                "calendars",
                "GET",
                f"{self.upstream}{package}/businesscalendarbody/{entities.calendar}",
                {"Authorization": _basic(GRS_USER[0], self.grs_token)},
            ),
            Call(
                "bookings",
                "POST",
                f"{self.upstream}/jsonapi/calendar.json",
                {"Content-Type": "application/x-www-form-urlencoded"},
                urlencode(form).encode(),
            ),
            Call(
                "appointments",
                "GET",
                f"{self.upstream}{XELION_ROOT}/appointments/{entities.appointment}",
                {"Authorization": f"xelion {self.xelion_token}"},
            ),
        ]


async def _grs_login(session: aiohttp.ClientSession, upstream: str) -> str:
    headers = {"Authorization": _basic(*GRS_USER)}
    async with session.get(f"{upstream}/grs/v1/login", headers=headers) as response:
        response.raise_for_status()
        token: str = (await response.json())["apiToken"]
        return token


async def _xelion_login(session: aiohttp.ClientSession, upstream: str, user_space: str) -> str:
    # Xelion allows one session per user and userSpace: each client names its own.
    payload = {**XELION_USER, "userSpace": user_space}
    async with session.post(f"{upstream}{XELION_ROOT}/me/login", json=payload) as response:
        response.raise_for_status()
        token: str = (await response.json())["authentication"]
        return token


def _basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode("ascii")
