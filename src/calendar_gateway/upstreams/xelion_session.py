"""One Xelion login session: its token, renewal before validUntil, re-login, logout, and a bound
on its requests in flight (Xelion answers 429/10400 past its own; docs/vendors/xelion.md, Sessions).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from calendar_gateway.upstreams.errors import (
    UnauthenticatedError,
    UpstreamError,
    UpstreamUnavailableError,
)
from calendar_gateway.upstreams.json_body import json_body
from calendar_gateway.upstreams.slots import Slots
from calendar_gateway.upstreams.transport import Transport

log = logging.getLogger(__name__)

UPSTREAM = "appointments"
XELION_TIME = "%Y-%m-%d %H:%M:%S"
# XELION_TIME with every field at full width, as Xelion writes it: fromisoformat reads it.
_FULL_WIDTH = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


def parse_xelion_time(text: str) -> datetime:
    """``datetime.strptime(text, XELION_TIME)``: the same value, or a ValueError, in a
    fortieth of its time for Xelion's own text (strptime took 14 us a field)."""
    if _FULL_WIDTH.fullmatch(text):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass  # an impossible date or time: strptime says why
    return datetime.strptime(text, XELION_TIME)


@dataclass(frozen=True)
class XelionCredentials:
    user: str
    password: str
    user_space: str
    """Names the session; Xelion refuses a second login in the same one (10005)."""


@dataclass(frozen=True)
class XelionFailure:
    """An error answer: ``{"errorCode", "message", "info"}``, as far as it could be read."""

    status: int
    code: int | None
    message: str
    info: str = ""
    """What the vendor adds, e.g. the id a 404/10100 did not find."""

    @classmethod
    def of(cls, response: httpx.Response) -> XelionFailure:
        fields = json_object(response)
        code = fields.get("errorCode")
        message = " ".join(str(fields[key]) for key in ("message", "info") if fields.get(key))
        return cls(
            status=response.status_code,
            code=code if isinstance(code, int) else None,
            message=message or f"Xelion answered HTTP {response.status_code}",
            info=str(fields.get("info") or ""),
        )

    @property
    def is_authentication(self) -> bool:
        """10000 not authenticated, 1002x invalid token (also 403/10000: no header)."""
        if self.code is None:
            return self.status == 401
        return self.code == 10000 or 10020 <= self.code <= 10029


@dataclass(frozen=True)
class _Token:
    value: str
    renewal: str
    valid_until: datetime | None


class XelionSession:
    """Logs in on first use and keeps the token fresh; at most ``max_in_flight`` requests at once.

    A renewal runs inside the slot of the request that found the token due, so it never waits
    for a slot the waiting requests hold.
    """

    def __init__(
        self,
        transport: Transport,
        credentials: XelionCredentials,
        *,
        max_in_flight: int,
        renew_margin: timedelta = timedelta(minutes=1),
    ) -> None:
        self._transport = transport
        self._credentials = credentials
        self._renew_margin = renew_margin
        # Slots, not an asyncio.Semaphore: taken on every call (2.5 us a call less).
        self._slots = Slots(max_in_flight)
        self._lock = asyncio.Lock()
        self._token: _Token | None = None

    async def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> tuple[str, httpx.Response]:
        """Send with ``Authorization: xelion <token>``; answer the token used and the response."""
        if not self._slots.take():
            await self._slots.wait()
        try:
            token = await self._fresh_token()
            response = await self._transport.request(
                method, url, headers=_authorization(token), params=params, json=json
            )
            return token, response
        finally:
            self._slots.release()

    async def replace(self, failed: str) -> None:
        """Log in again after ``failed`` was refused, unless a renewal already replaced it."""
        async with self._lock:
            if self._token is None or self._token.value == failed:
                # Naming the refused token ends its session first, so the same
                # userSpace is free again (login page).
                self._token = await self._login(previous=failed)

    async def logout(self) -> None:
        """End the session; failures are logged, not raised: this runs on shutdown."""
        async with self._slots.held(), self._lock:  # the order send() takes them in
            token, self._token = self._token, None
            if token is None:
                return
            try:
                response = await self._transport.request(
                    "POST", "me/logout", headers=_authorization(token.value)
                )
            except UpstreamError as error:
                log.warning("Xelion logout failed: %s", error.message)
                return
            if not response.is_success:
                log.warning("Xelion logout refused: %s", XelionFailure.of(response).message)

    async def _fresh_token(self) -> str:
        token = self._token
        if token is not None and not self._due(token):
            return token.value
        async with self._lock:
            token = self._token
            if token is None:
                token = await self._login(previous=None)
            elif self._due(token):
                token = await self._renew(token)
            self._token = token
            return token.value

    def _due(self, token: _Token) -> bool:
        if token.valid_until is None:
            return False
        return datetime.now(UTC) >= token.valid_until - self._renew_margin

    async def _login(self, previous: str | None) -> _Token:
        credentials = self._credentials
        payload = {
            "userName": credentials.user,
            "password": credentials.password,
            "userSpace": credentials.user_space,
        }
        headers = _authorization(previous) if previous else None
        response = await self._transport.request("POST", "me/login", headers=headers, json=payload)
        if not response.is_success:
            failure = XelionFailure.of(response)
            raise UnauthenticatedError(UPSTREAM, f"Xelion refused the login: {failure.message}")
        return _token(response)

    async def _renew(self, token: _Token) -> _Token:
        response = await self._transport.request(
            "POST", "me/renew", headers=_authorization(token.value), json=token.renewal
        )
        if response.is_success:
            return _token(response)
        log.info("Xelion renewal refused (%s); logging in again", XelionFailure.of(response))
        return await self._login(previous=token.value)


def json_object(response: httpx.Response) -> Mapping[str, Any]:
    """The response's JSON object; empty when the body is anything else."""
    try:
        body = json_body(response)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _authorization(token: str) -> dict[str, str]:
    return {"Authorization": f"xelion {token}"}


def _token(response: httpx.Response) -> _Token:
    fields = json_object(response)
    value, renewal, valid_until = (
        fields.get(key) for key in ("authentication", "renewalToken", "validUntil")
    )
    if not isinstance(value, str) or not value:
        raise UpstreamUnavailableError(UPSTREAM, "Xelion answered a login without a token")
    return _Token(
        value=value,
        renewal=renewal if isinstance(renewal, str) else "",
        valid_until=_valid_until(valid_until) if isinstance(valid_until, str) else None,
    )


def _valid_until(text: str) -> datetime | None:
    # (inferred) validUntil is UTC like every Xelion time. A server on local time makes us
    # renew late; the 401 that follows costs one re-login, not a failed request.
    try:
        return parse_xelion_time(text).replace(tzinfo=UTC)
    except ValueError:
        return None
