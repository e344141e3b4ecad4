"""Instructions per fan-out request, layer by layer, counted by callgrind: the same on any
host, however loaded, where CPU seconds drifted by half between two runs of the same code.

``python -m bench.instructions --upstream URL --entities JSON`` runs under valgrind's
callgrind (``measure`` starts it so), with the gateway's app and the baseline's app in its
own process, driven through ASGI without sockets of their own; the simulators are the
harness's. Each layer adds what the gateway does around the one before it:

- ``reads``: the three upstream reads, with aiohttp, as the baseline sends them;
- ``services``: the same reads through the gateway's services, read cache and transport;
- ``snapshots``: through the request's snapshots and loaders too, as the resolvers ask;
- ``execute``: the fan-out query run by the schema, with its context;
- ``request``: the whole HTTP request, through the gateway's middleware and view;
- ``baseline``: the baseline's own request, which makes the reads and answers them.

Every layer's count covers the whole process (the event loop and aiohttp included), but not
the kernel: its system calls are not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import uvloop
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message

from bench import baseline, processes, queries
from bench.upstream_calls import Entities, Sessions

LAYERS = ("reads", "services", "snapshots", "execute", "request", "baseline")
WARM_UP_REQUESTS = 20
CONCURRENCY = 8

Layer = Callable[[Entities], Awaitable[object]]


async def measure(
    upstream: str, trios: list[Entities], requests: int, logs: Path
) -> dict[str, float]:
    """Each layer's instructions per request: this module run under callgrind."""
    output = logs / "callgrind.out"
    command = [
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={output}",
        sys.executable,
        "-m",
        "bench.instructions",
        f"--upstream={upstream}",
        f"--requests={requests}",
        f"--entities={json.dumps([asdict(trio) for trio in trios])}",
    ]
    log = logs / "instructions.log"
    with log.open("wb") as written:
        process = await asyncio.create_subprocess_exec(
            "valgrind", *command, stdout=written, stderr=written
        )
    if await process.wait() != 0:
        text = log.read_text(errors="replace")
        raise RuntimeError(f"bench.instructions failed; its log:\n{text[-3000:]}")
    return {
        layer: totals(output.with_name(f"{output.name}.{number}")) / requests
        for number, layer in enumerate(LAYERS, start=1)
    }


def totals(dump: Path) -> int:
    """The instructions a callgrind dump counted."""
    for line in dump.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise ValueError(f"{dump} has no totals line")


async def _run(upstream: str, trios: list[Entities], requests: int) -> None:
    async with _layers(upstream) as layers:
        for name in LAYERS:
            layer = layers[name]
            await _requests(layer, trios, WARM_UP_REQUESTS)
            _callgrind("--zero")
            _callgrind("--instr=on")
            await _requests(layer, trios, requests)
            _callgrind("--instr=off")
            _callgrind(f"--dump={name}")


async def _requests(layer: Layer, trios: list[Entities], count: int) -> None:
    """``count`` requests, a few at a time, each reading another trio than its neighbours."""
    numbers = iter(range(count))

    async def worker() -> None:
        for number in numbers:
            await layer(trios[number % len(trios)])

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


def _callgrind(option: str) -> None:
    """Tells the callgrind running this process ``option`` (valgrind's own tool, on PATH)."""
    subprocess.run(  # noqa: S603
        ["callgrind_control", option, str(os.getpid())],  # noqa: S607
        check=True,
        stdout=subprocess.DEVNULL,
    )


@contextlib.asynccontextmanager
async def _layers(upstream: str) -> AsyncIterator[dict[str, Layer]]:
    os.environ.update(processes.gateway_env(upstream, 64, 0.0, user_space="instructions"))
    # After the environment is set: the app reads its settings from it.
    from calendar_gateway.app import GraphQLEndpoint, create_app_from_env  # noqa: PLC0415
    from calendar_gateway.graphql.snapshot import (  # noqa: PLC0415
        AppointmentSnapshot,
        BookingSnapshot,
        CalendarSnapshot,
    )

    gateway = create_app_from_env()
    bare = baseline.create_app(upstream, 64, user_space="bench-baseline-instructions")
    async with (
        _lifespan(gateway),
        _lifespan(bare),
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session,
    ):
        sessions = await Sessions.login(session, upstream, "bench-instructions")
        send = baseline.aiohttp_sender(session)
        services = gateway.state.services
        endpoint = next(
            r.endpoint
            for r in gateway.routes
            if isinstance(r, Route) and isinstance(r.endpoint, GraphQLEndpoint)
        )

        async def reads(trio: Entities) -> object:
            return await asyncio.gather(*map(send, sessions.fanout_calls(trio)))

        async def through_services(trio: Entities) -> object:
            return await asyncio.gather(
                services.calendars.get_many([services.calendars.ref(trio.calendar, None, None)]),
                services.bookings.get_many([trio.booking]),
                services.appointments.get_many([trio.appointment]),
            )

        async def through_snapshots(trio: Entities) -> object:
            # Held while the reads run, as a request's context holds them: loaders do not.
            calendars = CalendarSnapshot(services.calendars)
            bookings = BookingSnapshot(services.bookings)
            appointments = AppointmentSnapshot(services.appointments)
            return await asyncio.gather(
                calendars.calendar(services.calendars.ref(trio.calendar, None, None)),
                bookings.loader.load(trio.booking),
                appointments.loader.load(trio.appointment),
            )

        async def execute(trio: Entities) -> object:
            request = Request({"type": "http", "method": "POST", "headers": [], "app": gateway})
            context = await endpoint.get_context(request, Response())
            result = await endpoint.schema.execute(
                queries.FANOUT, variable_values=asdict(trio), context_value=context
            )
            return _succeeded(result.data, result.errors)

        async def request(trio: Entities) -> object:
            call = queries.fanout_call("gateway", "", trio)
            return await _answer(gateway, "POST", "/graphql", b"", call.body or b"")

        async def baseline_request(trio: Entities) -> object:
            query = urlencode(asdict(trio)).encode()
            return await _answer(bare, "GET", "/fanout/aiohttp", query, b"")

        yield {
            "reads": reads,
            "services": through_services,
            "snapshots": through_snapshots,
            "execute": execute,
            "request": request,
            "baseline": baseline_request,
        }


@contextlib.asynccontextmanager
async def _lifespan(app: ASGIApp) -> AsyncIterator[None]:
    events: asyncio.Queue[Message] = asyncio.Queue()
    replies: asyncio.Queue[Message] = asyncio.Queue()
    await events.put({"type": "lifespan.startup"})
    running = asyncio.ensure_future(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, events.get, replies.put)
    )
    started = await replies.get()
    if started["type"] != "lifespan.startup.complete":
        raise RuntimeError(f"the app did not start: {started}")
    try:
        yield
    finally:
        await events.put({"type": "lifespan.shutdown"})
        await replies.get()
        await running


async def _answer(app: ASGIApp, method: str, path: str, query: bytes, body: bytes) -> object:
    """The JSON ``app`` answers one request with, sent as a server would hand it over."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": (processes.LOOPBACK, 50000),
        "server": (processes.LOOPBACK, 80),
        "state": {},
    }
    incoming: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]
    parts: list[bytes] = []

    async def receive() -> Message:
        if incoming:
            return incoming.pop()
        # After the body, a client that stays: a server says more only on a disconnect.
        waiting: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        return await waiting

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    await app(scope, receive, send)
    answer = json.loads(b"".join(parts))
    return _succeeded(answer.get("data", answer), answer.get("errors"))


def _succeeded(data: object, errors: object) -> object:
    if errors:
        raise RuntimeError(f"the request failed: {errors}")
    return data


def _parsed(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    parser.add_argument("--upstream", required=True, help="the simulators' URL")
    parser.add_argument("--requests", type=int, required=True, help="measured, per layer")
    parser.add_argument("--entities", required=True, help="JSON: the trios to read")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = _parsed(argv)
    trios = [Entities(**trio) for trio in json.loads(args.entities)]
    # As the servers run: on uvloop.
    uvloop.run(_run(args.upstream, trios, args.requests))


if __name__ == "__main__":
    main()
