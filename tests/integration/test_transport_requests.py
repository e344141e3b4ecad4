"""What the transport puts on the wire, as httpx's client would: against an echoing server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from calendar_gateway.upstreams.aiohttp_transport import AiohttpTransport
from calendar_gateway.upstreams.transport import Transport
from tests.servers import serve


async def echo(request: Request) -> JSONResponse:
    """The request as received; ``/login`` also sets a session cookie."""
    answer = JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "headers": dict(request.headers),
            "body": (await request.body()).decode(),
        }
    )
    if request.url.path.endswith("/login"):
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
    # Plain reads go to aiohttp from their parts; the rest through httpx.Request: alike.
    call: dict[str, Any] = {
        "params": {"a": "1 2", "é": "ü/?&"},
        "headers": {"Authorization": "xelion t", "Accept": "application/json"},
    }
    ours = await received(transport, "GET", path, **call)
    # Ours adds the trace context once a test before this one installed a tracer provider
    # (tests/integration/test_tracing.py covers it): not a difference of the two paths.
    ours["headers"].pop("traceparent", None)
    async with httpx.AsyncClient(
        base_url=f"{echo_url}/api/v1/master", transport=AiohttpTransport(httpx.Limits())
    ) as client:
        theirs = (await client.get(path.lstrip("/"), **call)).json()
    assert ours == theirs
