"""The shared HTTP layer: one httpx client per upstream, bounded, retried, and circuit-broken."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from prometheus_client import Counter

from calendar_gateway import correlation, metrics, tracing
from calendar_gateway.upstreams import wire
from calendar_gateway.upstreams.answer import Answer
from calendar_gateway.upstreams.circuit import CircuitBreaker
from calendar_gateway.upstreams.errors import UpstreamUnavailableError
from calendar_gateway.upstreams.http1 import Http1Transport, Timeouts
from calendar_gateway.upstreams.retry import (
    NO_RETRIES,
    RETRYABLE_STATUSES,
    RetryPolicy,
    parse_retry_after,
)
from calendar_gateway.upstreams.slots import Slots

log = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A path httpx sends as written: unreserved and sub-delimiter characters, ":", "@", "/" and
# well-formed percent escapes (no query, no fragment; dot segments are checked apart).
# Matched a run of characters at a time, not one: a GRS body path (90 characters) took
# 2.2 us a call, now 0.3 us. Possessive, so that a long run followed by a character httpx
# quotes fails at once instead of backtracking through every split of the run.
_PLAIN_PATH = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]++|%[0-9A-Fa-f]{2})*+")
PROBE_TIMEOUT_SECONDS = 2.0


class _NoAnswerError(Exception):
    """One attempt got no answer: timeout, refused or dropped connection."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Not frozen: a frozen dataclass's __init__ (object.__setattr__ for each field) cost
# 0.8 us a call more.
@dataclass(slots=True)
class _Call:
    method: str
    url: str
    headers: Mapping[str, str]
    params: Mapping[str, str] | None
    json: Any
    data: Mapping[str, str] | None


class Transport:
    """Sends requests to one upstream; at most ``max_concurrency`` at a time.

    ``timeout`` is a number of seconds for every phase, or an ``httpx.Timeout`` with
    connect, read, write and pool set apart; the pool timeout also bounds the wait for
    one of the ``max_concurrency`` slots. Idempotent requests are retried as ``retry``
    says, within a budget of one read timeout. ``circuit`` counts consecutive failures
    and, while open, fails calls at once.

    Connection errors, timeouts, 5xx answers and an open circuit become
    ``UpstreamUnavailableError``; every other status is the vendor client's to interpret.
    """

    def __init__(
        self,
        upstream: str,
        base_url: str,
        *,
        timeout: float | httpx.Timeout,
        max_concurrency: int,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        circuit: CircuitBreaker | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.upstream = upstream
        self.circuit = circuit or CircuitBreaker()
        self._timeout = _timeout(timeout)
        limits = httpx.Limits(
            max_connections=max_concurrency, max_keepalive_connections=max_concurrency
        )
        self._http = transport or Http1Transport(limits)
        # The lean path's transport (_sent), when the gateway's own is the one in use.
        self._http1 = self._http if isinstance(self._http, Http1Transport) else None
        # The client holds what every request gets (base URL, default headers, cookies,
        # timeouts) and answers probes; requests are sent by _sent.
        self._client = httpx.AsyncClient(
            base_url=base_url, timeout=self._timeout, transport=self._http
        )
        # httpx ends the base URL's path with "/", but leaves a bare "/" out of str().
        self._base_url = str(self._client.base_url).rstrip("/") + "/"
        self._host = self._client.base_url.netloc.decode("ascii")
        # The client's default headers, updated per attempt as httpx.Headers would be, in a
        # tenth of the time.
        self._defaults = wire.DefaultHeaders(self._client.headers)
        self._timeouts = {"timeout": self._timeout.as_dict()}
        self._http1_timeouts = Timeouts.of(self._timeout.as_dict())
        self._cookies_kept = False
        self._slots = Slots(max_concurrency)
        # Looked up once: labels() takes a lock and builds a key on every call.
        self._duration = metrics.UPSTREAM_DURATION.labels(upstream)
        self._outcomes: dict[tuple[str, str], Counter] = {}
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send one request; ``idempotent`` (default: GET, HEAD, OPTIONS) allows retries.

        Pass ``idempotent=True`` for a read sent as POST, and ``False`` for a GET that
        changes state (a lock): only idempotent requests are ever sent twice.
        """
        if idempotent is None:
            idempotent = method.upper() in IDEMPOTENT_METHODS
        policy = self._retry if idempotent else NO_RETRIES
        call = _Call(method, url, _with_request_id(headers), params, json, data)
        started = self._clock()
        retry = 0
        while True:
            retry += 1
            try:
                response = await self._attempt(call)
            except _NoAnswerError as exc:
                pause = self._pause(policy, retry, None, started)
                if pause is None:
                    raise UpstreamUnavailableError(self.upstream, exc.reason) from exc
            else:
                if response.status_code not in RETRYABLE_STATUSES:
                    return response
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                pause = self._pause(policy, retry, retry_after, started)
                if pause is None:
                    return self._final(response)
            await self._sleep(pause)

    async def probe(self) -> bool:
        """Is the upstream's server answering at all? Any answer below 500 says yes.

        The base URL needs no credentials, so a probe never counts as a failed login.
        """
        try:
            response = await self._client.get("", timeout=PROBE_TIMEOUT_SECONDS)
        except httpx.TransportError:
            return False
        # The client keeps the cookies its own calls are sent.
        self._cookies_kept = self._cookies_kept or bool(self._client.cookies)
        return response.status_code < 500

    async def aclose(self) -> None:
        await self._client.aclose()

    def _pause(
        self, policy: RetryPolicy, retry: int, retry_after: float | None, started: float
    ) -> float | None:
        pause = policy.delay(retry, retry_after)
        budget = self._timeout.read if self._timeout.read is not None else float("inf")
        if pause is None or self._clock() - started + pause > budget:
            return None
        return pause

    def _final(self, response: httpx.Response) -> httpx.Response:
        if response.status_code >= 500:
            raise UpstreamUnavailableError(
                self.upstream, f"upstream answered HTTP {response.status_code}"
            )
        return response

    async def _attempt(self, call: _Call) -> httpx.Response:
        method, url = call.method, call.url
        if not self.circuit.admit():
            self._count(method, "circuit_open")
            raise UpstreamUnavailableError(self.upstream, "upstream circuit is open")
        # Raises here, as httpx.Headers.update did, for a header that is not ASCII.
        headers = self._defaults.merged(call.headers)
        if not self._slots.take():
            # None free: wait, at most the pool timeout (a free one needs no timer).
            await self._wait_for_slot()
        try:
            traced: dict[str, str] = {}
            with tracing.upstream_span(self.upstream, method, url, traced) as span:
                for name, value in traced.items():
                    wire.set_header(headers, name, value)
                started = time.perf_counter()
                try:
                    response = await self._sent(call, headers, traced)
                except httpx.TransportError as exc:
                    reason = _failure_reason(exc)
                    self._record(method, _failure_label(exc), started)
                    self._failed(method, url, reason)
                    span.failed(reason)
                    raise _NoAnswerError(reason) from exc
                self._received(call, traced, response)
                self._record(method, str(response.status_code), started)
                span.answered(response.status_code)
        finally:
            self._slots.release()
        if response.status_code >= 500:
            self._failed(method, url, f"HTTP {response.status_code}")
        else:
            self.circuit.succeeded()
        return response

    def _sent(
        self, call: _Call, headers: list[wire.Header], traced: Mapping[str, str]
    ) -> Awaitable[httpx.Response]:
        """``call`` as httpx's client sends it, without the client's per-request machinery.

        AsyncClient.request parses the URL twice to join it to the base URL, runs every
        call through its auth and redirect flows and the cookie jar, and ties the answer
        to its stream in a reference cycle: about 60 microseconds a call, a tenth of the
        gateway's CPU per fan-out request (docs/benchmarks.md). Redirects are not followed
        either way. A call with nothing unusual goes to the transport from its parts
        (``_lean``), with ``headers``; the rest as an httpx.Request, with the trace context
        ``traced``. Not a coroutine itself: the caller awaits the transport's, one frame
        fewer per resume.
        """
        if self._http1 is not None and (lean := self._lean(call, headers)):
            url, sent, body = lean
            return self._http1.send(call.method, url, sent, body, self._http1_timeouts)
        return self._send_request(call, traced)

    async def _send_request(self, call: _Call, traced: Mapping[str, str]) -> httpx.Response:
        request = self._request(call, traced)
        cookies = self._client.cookies
        if cookies:
            cookies.set_cookie_header(request)
        response = await self._http.handle_async_request(request)
        response.request = request
        await response.aread()
        return response

    def _received(self, call: _Call, traced: Mapping[str, str], response: httpx.Response) -> None:
        """Keeps the cookies ``response`` sets, as the client would; an answer of the lean
        path, which has no request, makes one only when asked for it."""
        if isinstance(response, Answer):
            response.make_request = functools.partial(self._request, call, traced)
            sets_cookies = response.sets_cookies
        else:
            sets_cookies = "set-cookie" in response.headers
        if sets_cookies:
            self._client.cookies.extract_cookies(response)
            self._cookies_kept = True

    def _request(self, call: _Call, traced: Mapping[str, str]) -> httpx.Request:
        headers = httpx.Headers(self._client.headers)
        headers.update(call.headers)
        for name, value in traced.items():
            headers[name] = value
        return httpx.Request(
            call.method,
            self._base_url + call.url.lstrip("/"),
            params=call.params,
            headers=headers,
            json=call.json,
            data=call.data,
            extensions=self._timeouts,
        )

    def _lean(
        self, call: _Call, headers: list[wire.Header]
    ) -> tuple[str, list[wire.Header], bytes | None] | None:
        """The URL, headers and body httpx would send for ``call``, when they can be told
        without httpx: no cookie to send or to keep, a path httpx leaves as it is, and
        nothing unusual in the headers or body (``wire.prepared``); else None."""
        url = self._lean_url(call)
        if url is None:
            return None
        prepared = wire.prepared(call.method, self._host, headers, call.data, call.json)
        if prepared is None:
            return None
        return url, *prepared

    def _lean_url(self, call: _Call) -> str | None:
        # The jar is empty until an answer sets a cookie: asking it (1.4 us, a walk through
        # http.cookiejar) is left until then.
        if self._cookies_kept and self._client.cookies:
            return None
        path = call.url.lstrip("/")
        if not _PLAIN_PATH.fullmatch(path) or "/." in f"/{path}":
            return None
        if not call.params:
            return self._base_url + path
        # str(httpx.QueryParams(params)), in a fifth of its time.
        query = wire.form(call.params)
        return None if query is None else f"{self._base_url}{path}?{query}"

    async def _wait_for_slot(self) -> None:
        try:
            async with asyncio.timeout(self._timeout.pool):
                await self._slots.wait()
        except TimeoutError:
            metrics.UPSTREAM_REQUESTS.labels(self.upstream, "", "busy").inc()
            raise UpstreamUnavailableError(
                self.upstream, "too many calls already waiting for the upstream"
            ) from None

    def _record(self, method: str, status: str, started: float) -> None:
        self._count(method, status)
        self._duration.observe(time.perf_counter() - started)

    def _count(self, method: str, outcome: str) -> None:
        counter = self._outcomes.get((method, outcome))
        if counter is None:
            counter = metrics.UPSTREAM_REQUESTS.labels(self.upstream, method, outcome)
            self._outcomes[method, outcome] = counter
        counter.inc()

    def _failed(self, method: str, url: str, reason: str) -> None:
        self.circuit.failed()
        # The path only: a query string may carry what a vendor wants kept out of logs.
        path = url.split("?", maxsplit=1)[0]
        log.warning("%s %s %s failed: %s", self.upstream, method, path, reason)


def _timeout(timeout: float | httpx.Timeout) -> httpx.Timeout:
    if isinstance(timeout, httpx.Timeout):
        return timeout
    return httpx.Timeout(timeout, connect=min(timeout, 5.0))


def _with_request_id(headers: Mapping[str, str] | None) -> dict[str, str]:
    outgoing = dict(headers or {})
    request_id = correlation.current_request_id()
    if request_id is not None:
        outgoing[correlation.REQUEST_ID_HEADER] = request_id
    return outgoing


def _failure_label(exc: httpx.TransportError) -> str:
    return "timeout" if isinstance(exc, httpx.TimeoutException) else "unreachable"


def _failure_reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "upstream timed out"
    return "upstream unreachable"
