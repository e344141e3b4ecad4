"""Fault injection for the simulators, switched at run time through ``/_admin/faults``.

``POST /_admin/faults`` with ``{"method": "PUT", "path": "businesscalendarbody", "status": 500,
"delay": 0.0, "drop": false, "times": 1}`` makes the next matching request (method optional,
``path`` a regular expression searched in the URL path) wait ``delay`` seconds, then answer
``status`` (with ``body`` as JSON and ``headers`` when given), or drop the connection
mid-response when ``drop`` is true; with neither, the request goes through after the delay.
``times`` null means every match. ``DELETE`` clears all.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

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

    def matches(self, method: str, path: str) -> bool:
        if self.times == 0 or (self.method and self.method != method):
            return False
        return self.path.search(path) is not None


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
        fault = next((f for f in self.faults if f.matches(scope["method"], scope["path"])), None)
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.times is not None:
            fault.times -= 1
        await asyncio.sleep(fault.delay)
        if fault.drop:
            await _drop(send)
        elif fault.status is not None:
            body = fault.body or {"message": "injected fault"}
            await _answer(send, fault.status, body, fault.headers)
        else:
            await self.app(scope, receive, send)

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


async def _drop(send: Send) -> None:
    # Promise a body, send part of it, then fail: the server closes the connection.
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]}
    )
    await send({"type": "http.response.body", "body": b"{", "more_body": True})
    raise ConnectionAbortedError("injected dropped connection")
