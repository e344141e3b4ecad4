"""Every HTTP request's way in and out of the gateway, as one ASGI layer.

Each concept keeps its module; this layer calls them, in the order they met a request when
each was a middleware of its own (outermost first):

    metrics -> request id -> access log -> large-request reclaim
        -> CORS (Starlette's, when configured)
        -> body size -> CSRF -> failed-authentication limit -> authentication -> rate limit
        -> the app

One layer because those middlewares wrapped ``send`` and ``receive`` in closures of their
own and read the headers again, each of them, for every request; here each is done once
(``docs/benchmarks.md``, issue 17).

Starlette's layers are gone around where they would only pass a request on (the layers
around an endpoint: 250 Python calls a request before, 166 after):

- CORS, for a request without ``Origin``: its answer is what CORS wraps answers, with
  ``Origin`` added to ``Vary``; the pipeline adds it.
- the exception layer and the router, for the route taken directly (``DirectRoute``):
  the pipeline puts in the scope what the router would, calls the route, and answers its
  ``HTTPException`` with the handler the exception layer would.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calendar_gateway import access_log, correlation, metrics
from calendar_gateway.memory import Reclaimer
from calendar_gateway.protection import Protection, vary_on_origin
from calendar_gateway.protection.body_size import BodySizeLimit, BodyTooLargeError

# Where the request's headers wait in its scope for the guards behind CORS.
HEADERS = "calendar_gateway.headers"


def request_headers(scope: Scope) -> Mapping[bytes, bytes]:
    """An HTTP request's headers by (lower-case) name, read once per request.

    Of a repeated header, the first: as Starlette's ``Headers.get`` reads it.
    """
    headers: Mapping[bytes, bytes] | None = scope.get(HEADERS)
    if headers is None:
        raw = scope["headers"]
        if not isinstance(raw, list):  # any iterable, says ASGI: read once, kept for the app
            raw = scope["headers"] = list(raw)
        # Reversed, so that the first of a repeated header is written last and stays.
        headers = scope[HEADERS] = dict(reversed(raw))
    return headers


class DirectRoute:
    """A route the pipeline calls itself, as Starlette's router and exception layer would.

    For each request they made a Request, two closures and a match of each route's regular
    expression before the endpoint; this takes a request only where they would have led
    it straight to ``route``: its path and one of its methods, and no root path.
    """

    def __init__(
        self,
        route: Route,
        on_http_error: Callable[[Request, HTTPException], Awaitable[Response]],
    ) -> None:
        self.route = route
        self._methods = frozenset(route.methods or ())
        self._on_http_error = on_http_error

    def takes(self, scope: Scope) -> bool:
        return (
            scope["path"] == self.route.path
            and scope["method"] in self._methods
            and not scope.get("root_path")
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # What the router puts in the scope on its way to the route.
        if "router" not in scope:
            scope["router"] = scope["app"].router
        scope["route"] = self.route
        scope["endpoint"] = self.route.endpoint
        scope["path_params"] = dict(scope.get("path_params", {}))
        await self.route.app(scope, receive, send)

    async def refusal(self, scope: Scope, error: HTTPException, exchange: Exchange) -> None:
        """Answers ``error`` as Starlette's exception layer does, unless the answer began."""
        if exchange.status:
            raise RuntimeError("Caught handled exception, but response already started.") from error
        response = await self._on_http_error(Request(scope, exchange.receive, exchange.send), error)
        await response(scope, exchange.receive, exchange.send)


class Exchange:
    """A request's ``receive`` and ``send`` as the pipeline observes them."""

    __slots__ = ("_body_size", "_receive", "_send", "received", "request_id", "status", "vary")

    def __init__(
        self, receive: Receive, send: Send, body_size: BodySizeLimit, request_id: str, *, vary: bool
    ) -> None:
        self._receive = receive
        self._send = send
        self._body_size = body_size
        self.request_id = request_id
        self.vary = vary
        self.received = 0
        self.status = 0  # none sent yet

    async def receive(self) -> Message:
        message = await self._receive()
        self.received += len(message.get("body", b""))
        self._body_size.check(self.received)
        return message

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            if self.vary:
                vary_on_origin(message)
            correlation.answer_with(self.request_id, message)
        await self._send(message)


class HttpPipeline:
    """Observes, identifies and guards each HTTP request in one pass; other scopes go through."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: frozenset[str],
        reclaimer: Reclaimer,
        protection: Protection,
        direct: DirectRoute | None = None,
    ) -> None:
        self.app = app
        self._requests = metrics.HttpRequests(routes)
        self._reclaimer = reclaimer
        self._protection = protection
        self._body_size = protection.body_size
        # CORS stays Starlette's, around the guards: their refusals carry its headers too.
        self._cors = protection.cors(self._guard)
        self._allows_cross_origin = protection.allows_cross_origin
        self._direct = direct

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                self._protection.mark_anonymous(scope)
            await self.app(scope, receive, send)
            return
        headers = request_headers(scope)
        labels = self._requests.labels(scope)
        request_id, token = correlation.adopt(headers.get(correlation.REQUEST_ID_KEY))
        # Without Origin, CORS would only add Origin to Vary: the exchange adds it.
        with_origin = b"origin" in headers
        cors = self._allows_cross_origin
        exchange = Exchange(
            receive, send, self._body_size, request_id, vary=cors and not with_origin
        )
        started = time.perf_counter()
        self._requests.started()
        try:
            if cors and with_origin:
                await self._cors(scope, exchange.receive, exchange.send)
            else:
                await self._answer(scope, exchange)
        finally:
            elapsed = time.perf_counter() - started
            # What the client gets when the app raises before answering.
            status = exchange.status or 500
            self._reclaimer.note(exchange.received)
            # Logged while the request id is still this task's: the line carries it.
            access_log.record(scope, status, elapsed)
            correlation.release(token)
            self._requests.finished(labels, status, elapsed)

    async def _answer(self, scope: Scope, exchange: Exchange) -> None:
        direct = self._direct
        if direct is None or not direct.takes(scope):
            await self._guarded(self.app, scope, exchange.receive, exchange.send)
            return
        try:
            await self._guarded(direct, scope, exchange.receive, exchange.send)
        except HTTPException as error:
            await direct.refusal(scope, error, exchange)

    async def _guard(self, scope: Scope, receive: Receive, send: Send) -> None:
        # CORS's app, for a request with Origin.
        await self._guarded(self.app, scope, receive, send)

    async def _guarded(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        refused = await self._protection.refusal(scope, request_headers(scope))
        if refused is not None:
            await refused(scope, receive, send)
            return
        try:
            await app(scope, receive, send)
        except BodyTooLargeError:
            # Every route here reads the whole body before it answers, so nothing was sent.
            await self._body_size.refusal()(scope, receive, send)
