"""The practical limit: the fan-out's three upstream reads with no GraphQL in between.

``GET /fanout/{client}?calendar=ID&booking=ID&appointment=ID`` sends the three reads at once
with one of the candidate HTTP clients, parses each JSON answer and answers them together.
``aiohttp`` is the baseline; the others are the transports the gateway could run on, and
``http1`` the one it runs on, sent to as its ``Transport`` sends a plain read.
Run as ``python -m bench.baseline --port P --upstream URL --connections N``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import httpx
import httpx2
import httpx_aiohttp
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bench.upstream_calls import Call, Entities, Sessions
from calendar_gateway.upstreams.http1 import Http1Transport, Timeouts

Send = Callable[[Call], Awaitable[Any]]

CLIENTS = (
    "aiohttp",
    "httpx-default",
    "httpx-tuned",
    "httpx-aiohttp",
    "httpx2",
    "httpx-ours",
    "http1",
)
BASELINE = CLIENTS[0]
"""The baseline proper: plain aiohttp; the others are transport candidates."""
UPSTREAMS = ("calendars", "bookings", "appointments")


def create_app(upstream: str, connections: int, user_space: str = "bench-baseline") -> Starlette:
    """The baseline; ``user_space`` is its Xelion session's, which no other client may share."""
    # Like the gateway: per candidate, one client per upstream, ``connections`` each.
    senders: dict[str, dict[str, Send]] = {}
    sessions: list[Sessions] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            for client in CLIENTS:
                senders[client] = {}
                for name in UPSTREAMS:
                    send, close = _sender(client, connections)
                    stack.push_async_callback(close)
                    senders[client][name] = send
            async with aiohttp.ClientSession() as login:
                sessions.append(await Sessions.login(login, upstream, user_space))
            yield

    async def fanout(request: Request) -> Response:
        chosen = senders.get(request.path_params["client"])
        if chosen is None:
            return PlainTextResponse("no such client", status_code=404)
        calls = sessions[0].fanout_calls(Entities(**request.query_params))
        answers = await asyncio.gather(*(chosen[call.name](call) for call in calls))
        return JSONResponse(dict(zip((call.name for call in calls), answers, strict=True)))

    return Starlette(routes=[Route("/fanout/{client}", fanout)], lifespan=lifespan)


def _sender(client: str, connections: int) -> tuple[Send, Callable[[], Awaitable[None]]]:
    """A way to send calls with the ``client`` candidate, and how to close it."""
    if client == "aiohttp":
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections))
        return aiohttp_sender(session), session.close
    if client == "http1":
        transport = Http1Transport(httpx.Limits(max_connections=connections))
        return _http1_sender(transport), transport.aclose
    http = _httpx_client(client, connections)
    return _httpx_sender(http), http.aclose


def aiohttp_sender(session: aiohttp.ClientSession) -> Send:
    async def send(call: Call) -> Any:
        async with session.request(
            call.method, call.url, headers=call.headers, data=call.body
        ) as response:
            response.raise_for_status()
            return json.loads(await response.read())

    return send


def _http1_sender(transport: Http1Transport) -> Send:
    """The gateway's pool as its ``Transport`` sends a plain read: from the call's parts."""
    timeouts = Timeouts(pool=None, connect=5.0, read=30.0)

    async def send(call: Call) -> Any:
        # The netloc of "scheme://netloc/path", as the Transport knows it beforehand.
        headers = [("host", call.url.split("/", 3)[2]), *call.headers.items()]
        if call.body is not None:
            headers.append(("content-length", str(len(call.body))))
        response = await transport.send(call.method, call.url, headers, call.body, timeouts)
        # As raise_for_status would, which needs a request an answer from parts has not.
        if response.status_code >= 400:
            raise RuntimeError(f"{call.name}: HTTP {response.status_code}")
        return json.loads(response.content)

    return send


def _httpx_client(client: str, connections: int) -> httpx.AsyncClient | httpx2.AsyncClient:
    tuned = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    if client == "httpx-default":
        return httpx.AsyncClient()
    if client == "httpx-tuned":
        return httpx.AsyncClient(limits=tuned)
    if client == "httpx-aiohttp":
        return httpx.AsyncClient(transport=httpx_aiohttp.AiohttpTransport(limits=tuned))
    if client == "httpx-ours":
        return httpx.AsyncClient(transport=Http1Transport(tuned))
    return httpx2.AsyncClient(
        limits=httpx2.Limits(max_connections=connections, max_keepalive_connections=connections)
    )


def _httpx_sender(client: httpx.AsyncClient | httpx2.AsyncClient) -> Send:
    async def send(call: Call) -> Any:
        response = await client.request(
            call.method, call.url, headers=call.headers, content=call.body
        )
        response.raise_for_status()
        return response.json()

    return send


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.upstream, args.connections),
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
