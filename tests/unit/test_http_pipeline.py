"""The one HTTP layer: its effects in the order the middlewares it replaced had them.

Metrics, request id, access log and reclaim see every answer, refusals included; CORS
wraps the guards; the guards answer in their old order: body size, CSRF, failed
authentications, authentication, rate limit.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from calendar_gateway import correlation, memory, metrics
from calendar_gateway.app import ROUTES
from calendar_gateway.cli import demo_settings
from calendar_gateway.http_pipeline import HttpPipeline, request_headers
from calendar_gateway.protection import Protection
from calendar_gateway.settings import Settings
from tests.client import KEY_ONE, KEY_UNKNOWN

LIMIT = 2048
ORIGIN = "https://app.example"
JSON = (b"content-type", b"application/json")


class AppFailedError(Exception):
    """What the app behind the layer raises when a test asks it to fail."""


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Reads the whole body, as every route does, then answers 200 (or raises on /fail)."""
    more = scope["type"] == "http"
    while more:
        more = (await receive()).get("more_body", False)
    if scope["path"] == "/fail":
        raise AppFailedError
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-app", b"1")]})
    await send({"type": "http.response.body", "body": b"{}"})


class NotedReclaimer(memory.Reclaimer):
    def __init__(self) -> None:
        super().__init__()
        self.noted: list[int] = []

    def note(self, body_bytes: int) -> None:
        self.noted.append(body_bytes)


def pipeline(reclaimer: memory.Reclaimer | None = None, **overrides: Any) -> HttpPipeline:
    base = demo_settings("http://127.0.0.1:9", port=0).model_dump()
    settings = Settings(**{**base, "cors_origins": (ORIGIN,), "max_body_bytes": LIMIT, **overrides})
    return HttpPipeline(
        app,
        routes=ROUTES,
        reclaimer=reclaimer or memory.Reclaimer(),
        protection=Protection(settings),
    )


def with_key(key: str = KEY_ONE) -> dict[str, Any]:
    return {"auth_mode": "api-key", "api_keys": [key]}


async def call(
    layer: HttpPipeline,
    headers: Sequence[tuple[bytes, bytes]] = (JSON,),
    chunks: Sequence[bytes] = (b"{}",),
    *,
    method: str = "POST",
    path: str = "/graphql",
) -> tuple[Message, Scope]:
    """One request through ``layer``: its answer's start message, and its scope."""
    scope: Scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": list(headers),
        "client": ("192.0.2.7", 5000),
    }
    parts = list(chunks)
    sent: list[Message] = []

    async def receive() -> Message:
        body = parts.pop(0) if parts else b""
        return {"type": "http.request", "body": body, "more_body": bool(parts)}

    async def send(message: Message) -> None:
        sent.append(message)

    await layer(scope, receive, send)
    return sent[0], scope


def header(start: Message, name: bytes) -> bytes | None:
    return next((value for key, value in start["headers"] if key == name), None)


class AccessLines(logging.Handler):
    """The access log's lines, each with the request id current when it was written."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[int, str | None]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.__dict__["status"], correlation.current_request_id()))


@pytest.fixture
def access() -> Iterator[AccessLines]:
    logger = logging.getLogger("calendar_gateway.access")
    lines, level = AccessLines(), logger.level
    logger.addHandler(lines)
    logger.setLevel(logging.DEBUG)
    yield lines
    logger.removeHandler(lines)
    logger.setLevel(level)


def answered(method: str, route: str, status: int) -> float:
    """How many requests the metrics counted with these labels."""
    return next(
        (
            sample.value
            for family in metrics.HTTP_REQUESTS.collect()
            for sample in family.samples
            if sample.name.endswith("_total")
            and sample.labels == {"method": method, "route": route, "status": str(status)}
        ),
        0.0,
    )


Refusal = tuple[str, HttpPipeline, list[tuple[bytes, bytes]], list[bytes], int]
KEYED = (b"authorization", f"Bearer {KEY_ONE}".encode())


async def refusals() -> AsyncIterator[Refusal]:
    """Each guard's refusal: its name, the layer, the request's headers and body, the status."""
    yield "declared size", pipeline(), [JSON, (b"content-length", b"2049")], [b"{}"], 413
    yield "counted size", pipeline(), [JSON], [b"x" * 1024] * 3, 413
    yield "csrf", pipeline(), [(b"content-type", b"text/plain")], [b"{}"], 400
    yield "no key", pipeline(**with_key()), [JSON], [b"{}"], 401
    limited = pipeline(**with_key(), rate_limit_requests=1)
    await call(limited, [JSON, KEYED])
    yield "rate limit", limited, [JSON, KEYED], [b"{}"], 429
    guessed = pipeline(**with_key(), auth_failure_limit=1)
    await call(guessed, [JSON, (b"authorization", f"Bearer {KEY_UNKNOWN}".encode())])
    yield "failures", guessed, [JSON, KEYED], [b"{}"], 429


async def test_every_refusal_carries_the_request_id_and_cors_and_is_logged_and_counted(
    access: AccessLines,
) -> None:
    seen = []
    async for name, layer, headers, chunks, status in refusals():
        access.lines.clear()
        before = answered("POST", "/graphql", status)
        request = [*headers, (b"x-request-id", b"refused-1"), (b"origin", ORIGIN.encode())]
        start, _ = await call(layer, request, chunks)
        assert start["status"] == status, name
        assert header(start, b"x-request-id") == b"refused-1", name
        assert header(start, b"access-control-allow-origin") == ORIGIN.encode(), name
        assert access.lines == [(status, "refused-1")], name
        assert answered("POST", "/graphql", status) == before + 1, name
        seen.append(name)
    assert len(seen) == 6
    assert correlation.current_request_id() is None


@pytest.mark.parametrize(
    ("overrides", "headers", "chunks", "status"),
    [
        # Body size before CSRF: a text/plain body over the limit is too large.
        ({}, [(b"content-type", b"text/plain"), (b"content-length", b"4096")], [b"{}"], 413),
        # CSRF before authentication: a form post without a key is a CSRF refusal.
        (with_key(), [(b"content-type", b"text/plain")], [b"{}"], 400),
        # Body size before authentication: even a good key's oversize body is refused.
        (with_key(), [JSON, KEYED], [b"x" * 3000], 413),
        # Authentication before the rate limit: a refused key is not counted.
        ({**with_key(), "rate_limit_requests": 1}, [JSON], [b"{}"], 401),
    ],
)
async def test_the_guards_answer_in_their_order(
    overrides: dict[str, Any],
    headers: list[tuple[bytes, bytes]],
    chunks: list[bytes],
    status: int,
) -> None:
    start, _ = await call(pipeline(**overrides), headers, chunks)
    assert start["status"] == status


async def test_refused_credentials_are_not_counted_by_the_rate_limit() -> None:
    layer = pipeline(**with_key(), rate_limit_requests=1)
    for _ in range(3):
        assert (await call(layer, [JSON]))[0]["status"] == 401
    good = [JSON, KEYED]
    assert (await call(layer, good))[0]["status"] == 200
    assert (await call(layer, good))[0]["status"] == 429


async def test_a_preflight_is_answered_by_cors_and_still_observed(access: AccessLines) -> None:
    preflight = [
        (b"origin", ORIGIN.encode()),
        (b"access-control-request-method", b"POST"),
        (b"x-request-id", b"pre-1"),
    ]
    start, _ = await call(pipeline(**with_key()), preflight, method="OPTIONS")
    assert start["status"] == 200
    assert header(start, b"x-request-id") == b"pre-1"
    assert access.lines == [(200, "pre-1")]


async def test_an_app_that_fails_is_logged_and_counted_as_500(access: AccessLines) -> None:
    before = answered("GET", "other", 500)
    with pytest.raises(AppFailedError):
        await call(pipeline(), [(b"x-request-id", b"fail-1")], method="GET", path="/fail")
    assert access.lines == [(500, "fail-1")]
    assert answered("GET", "other", 500) == before + 1
    assert correlation.current_request_id() is None


async def test_the_first_of_repeated_headers_counts() -> None:
    repeated = [JSON, (b"x-request-id", b"first"), (b"x-request-id", b"second")]
    start, _ = await call(pipeline(), repeated)
    assert header(start, b"x-request-id") == b"first"
    # A repeated Content-Type is judged by its first too, as Starlette's Headers.get reads it.
    csrf = [(b"content-type", b"text/plain"), JSON]
    assert (await call(pipeline(), csrf))[0]["status"] == 400


async def test_the_answer_keeps_the_apps_headers_and_has_one_request_id() -> None:
    start, _ = await call(pipeline(), [JSON, (b"x-request-id", b"one")])
    assert header(start, b"x-app") == b"1"
    assert [key for key, _ in start["headers"]].count(b"x-request-id") == 1


@pytest.mark.parametrize(
    ("headers", "chunks", "noted"),
    [
        ([JSON], [b"x" * 1000, b"x" * 1000], 2000),
        # Counted up to and with the chunk that went over the limit.
        ([JSON], [b"x" * 1024] * 4, 3072),
        # Refused on its declared length: nothing was read.
        ([JSON, (b"content-length", b"5000")], [b"x" * 5000], 0),
    ],
)
async def test_the_reclaimer_hears_of_the_bytes_received(
    headers: list[tuple[bytes, bytes]], chunks: list[bytes], noted: int
) -> None:
    reclaimer = NotedReclaimer()
    await call(pipeline(reclaimer), headers, chunks)
    assert reclaimer.noted == [noted]


async def test_an_operation_names_its_client_and_other_requests_are_anonymous() -> None:
    layer = pipeline(**with_key())
    _, scope = await call(layer, [JSON, KEYED])
    assert scope["user"].identity.startswith("key:")
    _, scope = await call(layer, [], method="GET", path="/healthz")
    assert not scope["user"].is_authenticated
    _, scope = await call(pipeline(), [], method="GET", path="/healthz")
    assert "user" not in scope


async def test_a_websocket_passes_through_unauthenticated() -> None:
    scope: Scope = {"type": "websocket", "path": "/graphql", "headers": []}
    reached: list[Scope] = []

    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(scope)

    layer = pipeline(**with_key())
    layer.app = endpoint
    await layer(scope, None, None)  # type: ignore[arg-type] # never called
    assert reached == [scope]
    assert not scope["user"].is_authenticated


def test_headers_given_as_any_iterable_are_read_once_and_kept() -> None:
    scope: Scope = {"headers": iter([JSON, (b"x-request-id", b"it")])}
    assert request_headers(scope) == {b"content-type": b"application/json", b"x-request-id": b"it"}
    assert scope["headers"] == [JSON, (b"x-request-id", b"it")]
    assert request_headers(scope) is request_headers(scope)
