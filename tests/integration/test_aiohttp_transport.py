"""httpx over aiohttp's pool, against the simulators: answers and errors as httpx has them."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from calendar_gateway.upstreams.aiohttp_transport import AiohttpTransport

LIMITS = httpx.Limits(max_connections=4, max_keepalive_connections=4)
ONE_CONNECTION = httpx.Limits(max_connections=1, max_keepalive_connections=1)
BOOKINGS = "/jsonapi/calendar.json"


@pytest.fixture
async def client(
    simulator_url: str, upstream: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=simulator_url, timeout=5.0, transport=AiohttpTransport(LIMITS)
    ) as client:
        yield client


async def inject(upstream: httpx.AsyncClient, **fault: Any) -> None:
    (await upstream.post("/_admin/faults", json=fault)).raise_for_status()


async def test_an_answer_keeps_its_status_headers_and_body(client: httpx.AsyncClient) -> None:
    response = await client.get("/grs/v1/login", auth=("demo", "demo"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["apiToken"]


async def test_a_form_post_reaches_the_upstream_with_its_fields(client: httpx.AsyncClient) -> None:
    form = {"user": "user", "password": "user", "version": "3.9", "action": "calendarrefresh"}
    response = await client.post(BOOKINGS, data={**form, "diary": "137463"})
    assert response.json()["data"][0]["calDiaryInternal"] == 137463


async def test_a_refused_connection_is_a_connect_error() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"
    async with httpx.AsyncClient(transport=AiohttpTransport(LIMITS)) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(url)


async def test_a_dropped_connection_is_a_read_error_not_a_timeout(
    client: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, path="login$", drop=True)
    with pytest.raises(httpx.ReadError):
        await client.get("/grs/v1/login", auth=("demo", "demo"))


async def test_an_answer_slower_than_the_read_timeout_is_a_read_timeout(
    client: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, path="login$", delay=1.0)
    with pytest.raises(httpx.ReadTimeout):
        await client.get("/grs/v1/login", auth=("demo", "demo"), timeout=0.1)


class Loopback:
    """An HTTP/1.1 server that counts its connections and answers ``200 {}``; a request
    for ``/short`` gets a body cut short and a closed connection."""

    def __init__(self) -> None:
        self.connections = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while head := await reader.readuntil(b"\r\n\r\n"):
                if head.startswith(b"GET /short "):
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}")
                    break
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                await writer.drain()
        writer.close()


@pytest.fixture
async def loopback() -> AsyncIterator[tuple[Loopback, str]]:
    loopback = Loopback()
    server = await asyncio.start_server(loopback.serve, "127.0.0.1", 0)
    async with server:
        yield loopback, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


async def test_an_answer_read_whole_gives_its_connection_back_to_the_pool(
    loopback: tuple[Loopback, str],
) -> None:
    server, url = loopback
    async with httpx.AsyncClient(transport=AiohttpTransport(ONE_CONNECTION)) as client:
        for _ in range(3):
            assert (await client.get(f"{url}/x", timeout=2.0)).content == b"{}"
    assert server.connections == 1


async def test_an_answer_cut_short_is_a_read_error_and_frees_its_connection(
    loopback: tuple[Loopback, str],
) -> None:
    _, url = loopback
    async with httpx.AsyncClient(transport=AiohttpTransport(ONE_CONNECTION)) as client:
        with pytest.raises(httpx.ReadError):
            await client.get(f"{url}/short", timeout=2.0)
        assert (await client.get(f"{url}/x", timeout=2.0)).content == b"{}"
