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
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from calendar_gateway import correlation, memory, metrics
from calendar_gateway.app import ROUTES, create_app
from calendar_gateway.cli import demo_settings
from calendar_gateway.http_pipeline import DirectRoute, HttpPipeline, request_headers
from calendar_gateway.protection import Protection, vary_on_origin
from calendar_gateway.protection.rejection import http_error
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


async def cors_answer(headers: list[tuple[bytes, bytes]]) -> Message:
    """The start of an answer with ``headers``, as Starlette's CORS passes it on."""

    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    layer = CORSMiddleware(answer, allow_origins=[ORIGIN])
    scope: Scope = {"type": "http", "method": "POST", "path": "/", "headers": [JSON]}
    await layer(scope, None, send)  # type: ignore[arg-type] # never called
    return sent[0]


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [JSON],
        [(b"vary", b"Accept")],
        [JSON, (b"vary", b"Accept"), (b"x-app", b"1"), (b"vary", b"Cookie, Authorization")],
        [(b"vary", b"")],
        [(b"Vary", b"Accept"), JSON],  # not a lower-case name: another header to both
    ],
)
async def test_without_origin_vary_gets_origin_as_starlette_s_cors_adds_it(
    headers: list[tuple[bytes, bytes]],
) -> None:
    start: Message = {"type": "http.response.start", "status": 200, "headers": list(headers)}
    vary_on_origin(start)
    assert start["headers"] == (await cors_answer(headers))["headers"]


async def test_an_answer_without_origin_varies_on_origin_only_with_an_allow_list() -> None:
    start, _ = await call(pipeline(), [JSON, (b"x-request-id", b"v-1")])
    assert start["headers"] == [(b"x-app", b"1"), (b"vary", b"Origin"), (b"x-request-id", b"v-1")]
    closed = pipeline(cors_origins=(), cors_origin_regex=None)
    start, _ = await call(closed, [JSON, (b"x-request-id", b"v-2")])
    assert start["headers"] == [(b"x-app", b"1"), (b"x-request-id", b"v-2")]


class Endpoint:
    """The GraphQL route's endpoint in its place: answers, refuses or fails as asked."""

    def __init__(self) -> None:
        self.scopes: list[Scope] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scopes.append(dict(scope))
        more = True
        while more:
            more = (await receive()).get("more_body", False)
        fault = scope["query_string"].decode()
        if fault == "refuse":
            raise HTTPException(418, "No coffee.", headers={"X-Why": "teapot"})
        if fault == "fail":
            raise AppFailedError
        start = {"type": "http.response.start", "status": 200, "headers": [(b"x-app", b"1")]}
        await send(start)
        if fault == "refuse-late":
            raise HTTPException(418, "No coffee.")
        if fault == "fail-late":
            raise AppFailedError
        await send({"type": "http.response.body", "body": b"{}"})


Answer = tuple[list[Message], Scope | None, str | None]


def gateway(**overrides: Any) -> Starlette:
    """The demo's gateway app, its GraphQL endpoint an ``Endpoint``."""
    base = demo_settings("http://127.0.0.1:9", port=0).model_dump()
    application = create_app(Settings(**{**base, **overrides}))
    graphql = application.routes[0]
    assert isinstance(graphql, Route)
    graphql.app = Endpoint()
    return application


async def through_app(
    application: Starlette,
    method: str,
    path: str,
    query: str = "",
    root_path: str = "",
    *,
    headers: Sequence[tuple[bytes, bytes]] = (JSON,),
) -> Answer:
    """Messages sent, the scope the endpoint saw, and what the app raised, if it did."""
    endpoint = application.routes[0].app  # type: ignore[attr-defined] # a Route
    endpoint.scopes.clear()
    scope: Scope = {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": root_path,
        "query_string": query.encode(),
        "headers": list(headers),
        "client": ("192.0.2.7", 5000),
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    raised = None
    try:
        await application(scope, receive, send)
    except Exception as error:  # what the app raised is compared
        raised = f"{type(error).__name__}: {error}"
    starts = [m for m in sent if m["type"] == "http.response.start"]
    for start in starts:
        start["headers"] = [h for h in start["headers"] if h[0] != correlation.REQUEST_ID_KEY]
    seen = endpoint.scopes[0] if endpoint.scopes else None
    if seen is not None:
        # The exception layer's handlers are for function endpoints; credentials are new objects.
        seen = {k: v for k, v in seen.items() if k not in {"app", "starlette.exception_handlers"}}
        seen.update({k: type(seen[k]).__name__ for k in ("auth", "user") if k in seen})
    return sent, seen, raised


@pytest.mark.parametrize(
    "request_line",  # method, path, query (the endpoint's fault), root path
    [
        ("POST", "/graphql", "", ""),
        ("GET", "/graphql", "", ""),
        ("HEAD", "/graphql", "", ""),
        ("OPTIONS", "/graphql", "", ""),
        ("PUT", "/graphql", "", ""),
        ("POST", "/graphql/", "", ""),
        ("POST", "/api/graphql", "", "/api"),
        ("POST", "/graphql", "refuse", ""),
        ("POST", "/graphql", "refuse-late", ""),
        ("POST", "/graphql", "fail", ""),
        ("POST", "/graphql", "fail-late", ""),
    ],
)
@pytest.mark.parametrize(
    ("overrides", "origin"),
    [
        ({}, None),
        (with_key(), None),
        # Without an allow-list, a request with Origin takes the direct route too.
        ({"cors_origin_regex": None}, b"http://localhost:5173"),
        # With one, it goes through Starlette's CORS, and so to the router.
        ({}, b"http://localhost:5173"),
    ],
)
async def test_the_direct_route_answers_as_starlette_s_router_and_exception_layer_do(
    monkeypatch: pytest.MonkeyPatch,
    request_line: tuple[str, str, str, str],
    overrides: dict[str, Any],
    origin: bytes | None,
) -> None:
    application = gateway(**overrides)
    headers = [JSON, *([(b"origin", origin)] if origin else [])]
    direct = await through_app(application, *request_line, headers=headers)
    monkeypatch.setattr(DirectRoute, "takes", lambda self, scope: False)
    routed = await through_app(application, *request_line, headers=headers)
    assert direct == routed


async def test_the_direct_route_takes_the_graphql_route_s_methods_at_its_path_alone() -> None:
    graphql = create_app(demo_settings("http://127.0.0.1:9", port=0)).routes[0]
    assert isinstance(graphql, Route)
    direct = DirectRoute(graphql, on_http_error=http_error)
    taken = [
        (method, path, root)
        for method in ("GET", "POST", "HEAD", "OPTIONS", "PUT")
        for path in ("/graphql", "/graphql/", "/graphq", "/api/graphql")
        for root in ("", "/api")
        if direct.takes({"method": method, "path": path, "root_path": root})
    ]
    assert taken == [("GET", "/graphql", ""), ("POST", "/graphql", ""), ("HEAD", "/graphql", "")]


async def test_a_direct_route_that_fails_is_logged_and_counted_as_500(access: AccessLines) -> None:
    before = answered("POST", "/graphql", 500)
    application = gateway()
    _, _, raised = await through_app(application, "POST", "/graphql", "fail")
    assert raised == "AppFailedError: "
    assert [status for status, _ in access.lines] == [500]
    assert answered("POST", "/graphql", 500) == before + 1
