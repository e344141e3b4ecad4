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
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calendar_gateway import access_log, correlation, metrics
from calendar_gateway.memory import Reclaimer
from calendar_gateway.protection import Protection
from calendar_gateway.protection.body_size import BodyTooLargeError

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


class HttpPipeline:
    """Observes, identifies and guards each HTTP request in one pass; other scopes go through."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: frozenset[str],
        reclaimer: Reclaimer,
        protection: Protection,
    ) -> None:
        self.app = app
        self._requests = metrics.HttpRequests(routes)
        self._reclaimer = reclaimer
        self._protection = protection
        self._body_size = protection.body_size
        # CORS stays Starlette's, around the guards: their refusals carry its headers too.
        self._guarded = protection.cors(self._guard)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                self._protection.mark_anonymous(scope)
            await self.app(scope, receive, send)
            return
        headers = request_headers(scope)
        labels = self._requests.labels(scope)
        request_id, token = correlation.adopt(headers.get(correlation.REQUEST_ID_KEY))
        status = 500  # what the client gets when the app raises before answering
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            self._body_size.check(received)
            return message

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                correlation.answer_with(request_id, message)
            await send(message)

        started = time.perf_counter()
        self._requests.started()
        try:
            await self._guarded(scope, counted_receive, observed_send)
        finally:
            elapsed = time.perf_counter() - started
            self._reclaimer.note(received)
            # Logged while the request id is still this task's: the line carries it.
            access_log.record(scope, status, elapsed)
            correlation.release(token)
            self._requests.finished(labels, status, elapsed)

    async def _guard(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = await self._protection.refusal(scope, request_headers(scope))
        if refused is not None:
            await refused(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        except BodyTooLargeError:
            # Every route here reads the whole body before it answers, so nothing was sent.
            await self._body_size.refusal()(scope, receive, send)
