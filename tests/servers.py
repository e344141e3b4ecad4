"""Real uvicorn servers on ephemeral loopback ports, for integration tests."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import uvicorn
from starlette.types import ASGIApp


@contextlib.asynccontextmanager
async def serve(app: ASGIApp) -> AsyncIterator[str]:
    """Run ``app`` on 127.0.0.1 on a free port; yield its base URL."""
    # proto must say TCP: asyncio sets TCP_NODELAY only on accepted sockets whose proto is
    # IPPROTO_TCP, and without it every response with a body waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="auto", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


LISTENING = re.compile(rb"Uvicorn running on (http://127\.0\.0\.1:\d+)")


@dataclass
class GatewayProcess:
    """A gateway in a process of its own, and what it has written to stderr since it listened."""

    url: str
    process: asyncio.subprocess.Process
    stderr: list[bytes] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.process.pid


@contextlib.asynccontextmanager
async def serve_gateway_process(env: dict[str, str], *args: str) -> AsyncIterator[GatewayProcess]:
    """``calendar-gateway serve [args]`` on a free port with ``env``; yields once it listens.

    Unless ``env`` says otherwise, the process stops without a drain when the test is done,
    and sends no spans (no collector here: an exporter would retry for seconds at exit).
    """
    env = {"CALENDAR_GATEWAY_SHUTDOWN_DRAIN_SECONDS": "0", "OTEL_TRACES_EXPORTER": "none", **env}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "calendar_gateway", "serve", "--port", "0", *args,
        env=env, stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stderr is not None
    reading = None
    try:
        async with asyncio.timeout(30):
            while not (match := LISTENING.search(await process.stderr.readline())):
                if process.stderr.at_eof():
                    raise RuntimeError("the gateway exited before listening")
        gateway = GatewayProcess(match[1].decode(), process)
        # Read stderr to its end: a full pipe would block the gateway's logging.
        reading = asyncio.create_task(_read_lines(process.stderr, gateway.stderr))
        # With --workers the socket listens before the workers have imported the app.
        await _answering(gateway.url)
        yield gateway
    finally:
        with contextlib.suppress(ProcessLookupError):  # a test may have killed or stopped it
            process.terminate()
        await process.wait()
        if reading is not None:
            await reading


async def _answering(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as client, asyncio.timeout(60):
        while True:
            try:
                await client.get("/healthz")
            except httpx.TransportError:
                await asyncio.sleep(0.05)
            else:
                return


async def _read_lines(stream: asyncio.StreamReader, lines: list[bytes]) -> None:
    while line := await stream.readline():
        lines.append(line)
