"""Fault injection for the simulators, switched at run time through ``/_admin/faults``.

``POST /_admin/faults`` with ``{"method": "PUT", "path": "businesscalendarbody", "status": 500,
"delay": 0.0, "drop": false, "times": 1}`` makes the next matching request (method optional,
``path`` a regular expression searched in the URL path) wait ``delay`` seconds, then answer
``status`` (with ``body`` as JSON and ``headers`` when given), or drop the connection
mid-response when ``drop`` is true; with neither, the request goes through after the delay.
``times`` null means every match. ``rate`` (default 1) is the chance that a matching request
is struck, for an error rate; a request it spares may meet the next matching fault. With
``"after": true`` the simulator handles the request first and the fault strikes its answer:
the change is made, but the answer comes late, is replaced by ``status``, or is dropped.
With ``"hold": true`` the simulator receives the request whole, holds it ``delay`` seconds,
then handles it whether or not the client is still there, as a real vendor behind a slow
proxy does: a write the client gave up on lands late, and meets the state of that moment.
``DELETE`` clears all.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ADMIN_PATH = "/_admin/faults"


@dataclass
class Fault:
    path: re.Pattern[str]
    method: str | None = None
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    times: int | None = 1
    rate: float = 1.0
    after: bool = False
    hold: bool = False

    def matches(self, method: str, path: str) -> bool:
        if self.times == 0 or (self.method and self.method != method):
            return False
        return self.path.search(path) is not None

    def strikes(self) -> bool:
        return random.random() < self.rate  # noqa: S311 - an error rate, not a secret


class FaultInjection:
    """ASGI middleware in front of the simulators."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.faults: list[Fault] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == ADMIN_PATH:
            await self._admin(scope, receive, send)
            return
        fault = next(
            (f for f in self.faults if f.matches(scope["method"], scope["path"]) and f.strikes()),
            None,
        )
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.times is not None:
            fault.times -= 1
        if fault.hold:
            await self._hold(fault, scope, receive, send)
            return
        if not fault.after:
            await asyncio.sleep(fault.delay)
            await _strike(fault, send, lambda: self.app(scope, receive, send))
            return
        answer: list[Message] = []

        async def keep(message: Message) -> None:
            answer.append(message)

        await self.app(scope, receive, keep)
        await asyncio.sleep(fault.delay)
        await _strike(fault, send, lambda: _replay(answer, send))

    async def _hold(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _body(receive)
        await asyncio.sleep(fault.delay)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()  # all that is left to receive: the disconnect
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        # The server drops what is sent to a client that has gone: the change is made anyway.
        await self.app(scope, replay, send)

    async def _admin(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "DELETE":
            self.faults.clear()
            await _answer(send, 200, {"faults": 0})
            return
        if scope["method"] != "POST":
            await _answer(send, 405, {"message": "POST or DELETE"})
            return
        spec = json.loads(await _body(receive))
        self.faults.append(
            Fault(
                path=re.compile(spec.get("path", "")),
                method=spec.get("method"),
                status=spec.get("status"),
                body=spec.get("body"),
                headers=spec.get("headers", {}),
                delay=float(spec.get("delay", 0.0)),
                drop=bool(spec.get("drop", False)),
                times=spec.get("times", 1),
                rate=float(spec.get("rate", 1.0)),
                after=bool(spec.get("after", False)),
                hold=bool(spec.get("hold", False)),
            )
        )
        await _answer(send, 201, {"faults": len(self.faults)})


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _answer(
    send: Send, status: int, body: object, extra: dict[str, str] | None = None
) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(payload))]
    headers += [(k.lower().encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _strike(fault: Fault, send: Send, otherwise: Callable[[], Awaitable[None]]) -> None:
    if fault.drop:
        await _drop(send)
    elif fault.status is not None:
        body = fault.body or {"message": "injected fault"}
        await _answer(send, fault.status, body, fault.headers)
    else:
        await otherwise()


async def _replay(messages: list[Message], send: Send) -> None:
    for message in messages:
        await send(message)


async def _drop(send: Send) -> None:
    # Promise a body, send part of it, then fail: the server closes the connection.
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]}
    )
    await send({"type": "http.response.body", "body": b"{", "more_body": True})
    raise ConnectionAbortedError("injected dropped connection")
