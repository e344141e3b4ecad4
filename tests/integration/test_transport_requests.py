"""What the transport puts on the wire, as httpx's client would: against an echoing server."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Iterator, MutableMapping
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from calendar_gateway import tracing
from calendar_gateway.upstreams.answer import Answer
from calendar_gateway.upstreams.http1 import Http1Transport
from calendar_gateway.upstreams.transport import Transport
from tests.servers import serve


async def echo(request: Request) -> JSONResponse:
    """The request as received; ``/login`` (and ``/login/``) also sets a session cookie."""
    answer = JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "headers": dict(request.headers),
            "body": (await request.body()).decode(),
        }
    )
    if request.url.path.rstrip("/").endswith("/login"):
        answer.set_cookie("session", "abc123")
    return answer


@pytest.fixture(scope="module")
async def echo_url() -> AsyncIterator[str]:
    app = Starlette(routes=[Route("/{path:path}", echo, methods=["GET", "POST", "PUT"])])
    async with serve(app) as url:
        yield url


@pytest.fixture
async def transport(echo_url: str) -> AsyncIterator[Transport]:
    transport = Transport("echo", f"{echo_url}/api/v1/master", timeout=5.0, max_concurrency=4)
    yield transport
    await transport.aclose()


async def received(transport: Transport, method: str, url: str, **kwargs: Any) -> Any:
    response = await transport.request(method, url, **kwargs)
    assert response.status_code == 200
    return response.json()


async def test_a_path_is_appended_to_the_base_urls_path(transport: Transport) -> None:
    assert (await received(transport, "GET", "/appointments/7"))["path"] == (
        "/api/v1/master/appointments/7"
    )


async def test_a_path_without_a_leading_slash_is_appended_too(transport: Transport) -> None:
    assert (await received(transport, "GET", "me/login"))["path"] == "/api/v1/master/me/login"


async def test_params_become_the_query_string(transport: Transport) -> None:
    echoed = await received(transport, "GET", "/appointments", params={"a": "1 2", "b": "x"})
    assert echoed["query"] == "a=1+2&b=x"


async def test_httpx_default_headers_go_with_the_calls_own(transport: Transport) -> None:
    headers = (await received(transport, "GET", "/x", headers={"Authorization": "xelion t"}))[
        "headers"
    ]
    assert headers["authorization"] == "xelion t"
    assert headers["user-agent"].startswith("python-httpx/")
    assert headers["accept"] == "*/*"
    assert "gzip" in headers["accept-encoding"]


async def test_a_json_body_is_sent_as_json(transport: Transport) -> None:
    echoed = await received(transport, "POST", "/x", json={"a": 1})
    assert (echoed["headers"]["content-type"], echoed["body"]) == (
        "application/json",
        '{"a":1}',
    )


async def test_a_form_is_sent_url_encoded(transport: Transport) -> None:
    echoed = await received(transport, "POST", "/x", data={"user": "u", "action": "a b"})
    assert (echoed["headers"]["content-type"], echoed["body"]) == (
        "application/x-www-form-urlencoded",
        "user=u&action=a+b",
    )


async def test_a_cookie_the_upstream_sets_is_sent_back(transport: Transport) -> None:
    await received(transport, "GET", "/login")
    assert (await received(transport, "GET", "/x"))["headers"]["cookie"] == "session=abc123"


async def test_a_cookie_set_on_a_probe_is_sent_by_the_next_call(echo_url: str) -> None:
    # The probe goes through the client, which keeps the cookie in the jar the calls read.
    transport = Transport("echo", f"{echo_url}/login", timeout=5.0, max_concurrency=4)
    try:
        assert await transport.probe()
        assert (await received(transport, "GET", "/x"))["headers"]["cookie"] == "session=abc123"
    finally:
        await transport.aclose()


async def test_no_cookie_is_sent_before_the_upstream_sets_one(transport: Transport) -> None:
    assert "cookie" not in (await received(transport, "GET", "/x"))["headers"]


async def test_an_answer_names_the_request_it_answers(transport: Transport) -> None:
    response = await transport.request("GET", "/x")
    assert (response.request.method, response.request.url.path) == ("GET", "/api/v1/master/x")


@pytest.mark.parametrize(
    "path", ["/appointments/7:x@y", "/a%20b/c", "/x/./y", "/x?z=1", "/ü", "/appointments"]
)
async def test_a_read_puts_on_the_wire_what_httpxs_client_would(
    transport: Transport, echo_url: str, path: str
) -> None:
    # Plain reads go to the pool from their parts; the rest through httpx.Request: alike.
    call: dict[str, Any] = {
        "params": {"a": "1 2", "é": "ü/?&"},
        "headers": {"Authorization": "xelion t", "Accept": "application/json"},
    }
    ours = await received(transport, "GET", path, **call)
    # Ours adds the trace context once a test before this one installed a tracer provider
    # (tests/integration/test_tracing.py covers it): not a difference of the two paths.
    ours["headers"].pop("traceparent", None)
    async with httpx.AsyncClient(
        base_url=f"{echo_url}/api/v1/master", transport=Http1Transport(httpx.Limits())
    ) as client:
        theirs = (await client.get(path.lstrip("/"), **call)).json()
    assert ours == theirs


class Recorder:
    """A loopback HTTP/1.1 server that keeps each request's bytes and answers ``200 {}``."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                body = await reader.readexactly(int(length.group(1)) if length else 0)
                self.requests.append(head + body)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                await writer.drain()
        writer.close()


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[Recorder, str]]:
    recorder = Recorder()
    server = await asyncio.start_server(recorder.serve, "127.0.0.1", 0)
    async with server:
        yield recorder, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/api"


def traced_with(monkeypatch: pytest.MonkeyPatch, context: dict[str, str]) -> None:
    """Every upstream span puts ``context`` in the headers, whatever tracer is installed."""

    @contextlib.contextmanager
    def span(*_: str, headers: MutableMapping[str, str]) -> Iterator[tracing.SpanRecord]:
        headers.update(context)
        yield tracing.SpanRecord(None)

    monkeypatch.setattr(tracing, "upstream_span", lambda *named: span(headers=named[-1]))


WIRE_CALLS: list[dict[str, Any]] = [
    {"method": "GET", "url": "/appointments", "params": {"a": "1 2", "é": "ü/?&"}},
    {"method": "GET", "url": "x", "headers": {"Accept": "application/json", "X-Y": "z"}},
    {"method": "POST", "url": "/jsonapi/calendar.json", "data": {"user": "u", "pw": "p w&é"}},
    {"method": "POST", "url": "/me/login", "json": {"userName": "ü", "n": [1, 2.5, None]}},
    {"method": "PUT", "url": "/x", "json": {"a": 1}, "headers": {"Authorization": "xelion t"}},
    {"method": "POST", "url": "/x/lock"},
    {"method": "DELETE", "url": "/x/1"},
    {"method": "post", "url": "/x", "data": {"a": "1"}, "headers": {"USER-AGENT": "me"}},
    {"method": "GET", "url": "/v1/tenant/default/businesscalendarbody/0b7e6a0c-6a8f-4a3e"},
    {"method": "GET", "url": "/a%2Fb/c%zz/%4"},
    {"method": "GET", "url": "/a/./b/../c"},
    # A long run of characters sent as written, then one httpx quotes: decided at once.
    {"method": "GET", "url": "/" + "a" * 5000 + " b"},
]


@pytest.mark.parametrize("context", [{}, {"traceparent": "00-ab-cd-01", "tracestate": "v=1"}])
@pytest.mark.parametrize("call", WIRE_CALLS)
async def test_the_lean_path_puts_the_same_bytes_on_the_wire_as_httpx_request(
    recorder: tuple[Recorder, str],
    monkeypatch: pytest.MonkeyPatch,
    call: dict[str, Any],
    context: dict[str, str],
) -> None:
    server, url = recorder
    traced_with(monkeypatch, context)
    transport = Transport("wire", url, timeout=5.0, max_concurrency=1)
    try:
        method, path = call["method"], call["url"]
        kwargs = {k: v for k, v in call.items() if k not in {"method", "url"}}
        lean = await transport.request(method, path, **kwargs)
        monkeypatch.setattr(Transport, "_lean", lambda *_: None)
        await transport.request(method, path, **kwargs)
    finally:
        await transport.aclose()
    # The lean answer makes its request only when asked for it.
    assert isinstance(lean, Answer)
    assert lean.make_request is not None
    ours, theirs = server.requests
    assert ours == theirs
    assert all(f"{name}: {value}\r\n".encode() in ours for name, value in context.items())
