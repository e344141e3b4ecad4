"""A wiretap in front of the simulators: what the gateway sends and what it is sent back.

It also lets the gateway log in with recognisable test passwords: each is swapped for the
seeded password it stands for before the simulators see the request.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote_plus

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOKEN_FIELDS = ("apiToken", "authentication", "renewalToken")


@dataclass
class Exchange:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    response: bytearray = field(default_factory=bytearray)


class Wiretap:
    """ASGI middleware recording every exchange; ``passwords`` maps stand-ins to real ones."""

    def __init__(self, app: ASGIApp, passwords: Mapping[str, str]) -> None:
        self.app = app
        self.passwords = dict(passwords)
        self.exchanges: list[Exchange] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        exchange = Exchange(scope["method"], scope["path"], headers, body)
        self.exchanges.append(exchange)
        swapped = self._swap(body)
        scope = {**scope, "headers": self._swap_headers(scope["headers"], len(swapped))}

        async def replay() -> Message:
            return {"type": "http.request", "body": swapped, "more_body": False}

        async def record(message: Message) -> None:
            if message["type"] == "http.response.body":
                exchange.response.extend(message.get("body", b""))
            await send(message)

        await self.app(scope, replay, record)

    def secrets_seen(self) -> set[str]:
        """Every credential that went over the wire: passwords, tokens, Authorization values."""
        found = set(self.passwords)
        for exchange in self.exchanges:
            found |= _authorization_secrets(exchange.headers.get("authorization"))
            found |= _token_values(bytes(exchange.response))
        return {secret for secret in found if len(secret) >= 8}

    def _swap(self, body: bytes) -> bytes:
        for stand_in, real in self.passwords.items():
            body = body.replace(stand_in.encode(), real.encode())
            body = body.replace(quote_plus(stand_in).encode(), quote_plus(real).encode())
        return body

    def _swap_headers(
        self, headers: list[tuple[bytes, bytes]], length: int
    ) -> list[tuple[bytes, bytes]]:
        return [(name, self._swap_header(name, value, length)) for name, value in headers]

    def _swap_header(self, name: bytes, value: bytes, length: int) -> bytes:
        if name == b"content-length":
            return str(length).encode()
        if name == b"authorization" and value.startswith(b"Basic "):
            return b"Basic " + base64.b64encode(self._swap(base64.b64decode(value[6:])))
        return value


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _authorization_secrets(value: str | None) -> set[str]:
    if not value:
        return set()
    scheme, _, credentials = value.partition(" ")
    found = {value, credentials}
    if scheme == "Basic":
        found.add(base64.b64decode(credentials).decode().partition(":")[2])
    return found


def _token_values(body: bytes) -> set[str]:
    try:
        data = json.loads(body)
    except ValueError:
        return set()
    if not isinstance(data, dict):
        return set()
    return {str(data[key]) for key in TOKEN_FIELDS if data.get(key)}
