"""HTTP/1.1 to a vendor: a keep-alive pool of asyncio connections, each answer parsed by
httptools (llhttp, the parser uvicorn serves the gateway's own requests with).

A vendor read is a small request and an answer read whole; nothing else is asked of the
client. aiohttp's client (cookies, redirects, tracing hooks, a stream per answer) spent
about 250,000 instructions (callgrind) a read more than this pool does, a fifth of a
fan-out request's, and about 0.15 ms of CPU a read at make bench's load (its transport
table, docs/benchmarks.md). httpx stays the API: its timeouts and limits, its ``Request``
and ``Response``, and its exception types.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
import sys
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

import httptools
import httpx

from calendar_gateway.upstreams.answer import Answer
from calendar_gateway.upstreams.slots import Slots

Headers = Sequence[tuple[str, str]]
# An answer as its connection read it: status, headers, body, and whether the headers name
# a Content-Encoding and a Set-Cookie.
_Read = tuple[int, list[tuple[bytes, bytes]], bytes, bool, bool]
_ORIGIN_PORTS = {"http": 80, "https": 443}


class Timeouts(NamedTuple):
    """Seconds, or None for no limit: waiting for a free connection, opening one, and
    between two reads of an answer (httpx's pool, connect and read timeouts)."""

    pool: float | None
    connect: float | None
    read: float | None

    @classmethod
    def of(cls, timeouts: dict[str, float | None]) -> Timeouts:
        """From ``httpx.Timeout.as_dict()``."""
        return cls(timeouts.get("pool"), timeouts.get("connect"), timeouts.get("read"))


@dataclass(frozen=True)
class _Origin:
    scheme: str
    host: str
    port: int


class Http1Transport(httpx.AsyncBaseTransport):
    """Sends requests over at most ``limits.max_connections`` connections, keeping up to
    ``limits.max_keepalive_connections`` idle ones for ``limits.keepalive_expiry`` seconds.
    ``https`` origins are reached over TLS with ``ssl_context`` (the system's trusted CAs
    by default). Redirects are not followed and no cookie is kept: callers do both.
    """

    def __init__(self, limits: httpx.Limits, ssl_context: ssl.SSLContext | None = None) -> None:
        self._limits = limits
        self._ssl = ssl_context
        self._pools: dict[str, _Pool] = {}
        # Places for open connections, across origins; with no limit, more than can be open.
        self._capacity = Slots(limits.max_connections or sys.maxsize)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        _refuse_userinfo(url)
        origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        # Each header's bytes as httpx encoded them (latin-1 maps bytes to text and back as
        # they are), names in lower case as the lean path sends them.
        headers = [
            (n.decode("latin-1").lower(), v.decode("latin-1")) for n, v in request.headers.raw
        ]
        return await self._sent(
            self._pool(origin, url.scheme, url.host, url.port),
            _head(request.method, url.raw_path.decode("ascii"), headers),
            request.content,
            Timeouts.of(request.extensions.get("timeout", {})),
            request,
        )

    def send(
        self,
        method: str,
        url: str,
        headers: Headers,
        content: bytes | None,
        timeouts: Timeouts,
    ) -> Coroutine[Any, Any, Answer]:
        """One request from its parts: an absolute ``url`` as httpx would send it, and every
        header it is sent with (Host and Content-Length included). Not a coroutine itself:
        the caller awaits the exchange's, one frame fewer each time it resumes."""
        start = url.find("/", url.find("//") + 2)
        origin, target = (url, "/") if start < 0 else (url[:start], url[start:])
        pool = self._pools.get(origin) or self._new_pool(origin)
        return self._sent(pool, _head(method, target, headers), content, timeouts, None)

    async def aclose(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()

    async def _sent(
        self,
        pool: _Pool,
        head: bytes,
        content: bytes | None,
        timeouts: Timeouts,
        request: httpx.Request | None,
    ) -> Answer:
        try:
            connection = await pool.connection(timeouts)
        except httpx.TransportError as exc:
            if request is not None:
                exc.request = request
            raise
        try:
            status, headers, body, compressed, sets_cookies = await connection.exchange(
                head, content, timeouts.read, head.startswith(b"HEAD ")
            )
        except _NoAnswerError as exc:
            pool.discard(connection)
            raise exc.kind(exc.reason, request=request) from None
        except BaseException:
            # Cancelled mid-exchange: what is left of the answer would be read as the next.
            pool.discard(connection)
            raise
        pool.release(connection)
        return Answer.received(
            status, headers, body, request, compressed=compressed, sets_cookies=sets_cookies
        )

    def _pool(self, origin: str, scheme: str, host: str, port: int | None) -> _Pool:
        pool = self._pools.get(origin)
        if pool is None:
            if scheme not in _ORIGIN_PORTS:
                raise httpx.UnsupportedProtocol(f"no HTTP/1.1 over {scheme!r}")
            where = _Origin(scheme, host, port or _ORIGIN_PORTS[scheme])
            context = (self._ssl or ssl.create_default_context()) if scheme == "https" else None
            pool = self._pools[origin] = _Pool(where, context, self._limits, self._capacity)
        return pool

    def _new_pool(self, origin: str) -> _Pool:
        url = httpx.URL(origin)
        _refuse_userinfo(url)
        return self._pool(origin, url.scheme, url.host, url.port)


def _refuse_userinfo(url: httpx.URL) -> None:
    # Sent by neither path: refused rather than dropped, so a configured URL cannot lose them.
    if url.userinfo:
        raise httpx.UnsupportedProtocol("credentials in the URL are not sent: use a header")


def _head(method: str, target: str, headers: Headers) -> bytes:
    """The request line and header block, refusing what would split or forge a line."""
    if not target.isprintable() or " " in target:
        raise httpx.LocalProtocolError(f"the request target {target!r} cannot be sent")
    lines = [f"{method.upper()} {target} HTTP/1.1"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    lines.append("\r\n")
    text = "\r\n".join(lines)
    # One line each, and nothing more: a CR, LF or NUL inside a header would start another.
    if text.count("\n") != len(lines) or text.count("\r") != len(lines) or "\0" in text:
        raise httpx.LocalProtocolError("a header holds a line break or NUL")
    return text.encode("latin-1")


class _NoAnswerError(Exception):
    def __init__(self, kind: type[httpx.TransportError], reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class _Pool:
    """One origin's connections: idle ones are taken newest first (warm), and the oldest
    are closed once idle longer than the keep-alive expiry."""

    def __init__(
        self,
        origin: _Origin,
        context: ssl.SSLContext | None,
        limits: httpx.Limits,
        capacity: Slots,
    ) -> None:
        self._origin = origin
        self._context = context
        self._expiry = limits.keepalive_expiry
        self._keep = limits.max_keepalive_connections
        self._capacity = capacity
        self._idle: collections.deque[_Connection] = collections.deque()

    async def connection(self, timeouts: Timeouts) -> _Connection:
        idle = self._idle
        if idle:
            self._expire(asyncio.get_running_loop().time())
            while idle:
                connection = idle.pop()
                if connection.usable:
                    return connection
                self.discard(connection)
        if not self._capacity.take():
            try:
                async with asyncio.timeout(timeouts.pool):
                    await self._capacity.wait()
            except TimeoutError:
                raise httpx.PoolTimeout("no connection came free in time") from None
        try:
            return await self._opened(timeouts.connect)
        except BaseException:
            self._capacity.release()
            raise

    def release(self, connection: _Connection) -> None:
        """Back to the idle ones, or closed: when it cannot be used again, when enough are
        idle, or when its place is wanted (perhaps for another origin)."""
        if (
            connection.usable
            and (self._keep is None or len(self._idle) < self._keep)
            and not self._capacity.wanted
        ):
            connection.idle_since = asyncio.get_running_loop().time()
            self._idle.append(connection)
        else:
            self.discard(connection)

    def discard(self, connection: _Connection) -> None:
        """Closes ``connection`` and gives its place back, once however often asked."""
        connection.close()
        if connection.counted:
            connection.counted = False
            self._capacity.release()

    def close(self) -> None:
        while self._idle:
            self.discard(self._idle.pop())

    def _expire(self, now: float) -> None:
        if self._expiry is None:
            return
        idle = self._idle
        while idle and now - idle[0].idle_since > self._expiry:
            self.discard(idle.popleft())

    async def _opened(self, connect_timeout: float | None) -> _Connection:
        origin, loop = self._origin, asyncio.get_running_loop()
        try:
            async with asyncio.timeout(connect_timeout):
                _, connection = await loop.create_connection(
                    _Connection,
                    origin.host,
                    origin.port,
                    ssl=self._context,
                    server_hostname=origin.host if self._context is not None else None,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(f"connecting to {origin.host} timed out") from None
        except OSError as exc:  # refused, unresolved, TLS refused
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
        return connection


class _Connection(asyncio.Protocol):
    """One connection, one exchange at a time: a request written whole, its answer read
    whole by the parser's callbacks."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.usable = True
        self.counted = True
        self.idle_since = 0.0
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[_Read] | None = None
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._compressed = self._sets_cookies = self._headers_done = self._head = False
        self._read_at = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._read_timeout: float | None = None

    def exchange(
        self, head: bytes, content: bytes | None, read_timeout: float | None, head_only: bool
    ) -> asyncio.Future[_Read]:
        """Sends a request; the future is its answer, or a _NoAnswerError."""
        transport = self._transport
        assert transport is not None  # connected before it is handed out
        loop = self._loop
        self._waiter = waiter = loop.create_future()
        self._head = head_only
        transport.write(head + content if content else head)
        if read_timeout is not None:
            self._read_timeout = read_timeout
            self._read_at = loop.time()
            self._timer = loop.call_at(self._read_at + read_timeout, self._check_read)
        return waiter

    def close(self) -> None:
        self.usable = False
        if self._transport is not None:
            self._transport.close()

    # asyncio's callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are asyncio.Transport in all but their class.
        self._transport = cast("asyncio.Transport", transport)

    def data_received(self, data: bytes) -> None:
        if self._waiter is None:  # nothing asked: a server talking out of turn
            self.close()
            return
        if self._timer is not None:
            self._read_at = self._loop.time()
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError, f"the answer is not HTTP/1.1: {exc}")

    def connection_lost(self, exc: Exception | None) -> None:
        self.usable = False
        if self._waiter is None:
            return
        if exc is None and self._headers_done and self._delimited_by_close():
            self._answered()
        else:
            self._fail(httpx.ReadError, "the upstream closed the connection mid-answer")

    # httptools' callbacks

    def on_message_begin(self) -> None:
        if self._waiter is None:  # more than the answer asked for: the rest cannot be trusted
            self.usable = False

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))
        lowered = name.lower()
        if lowered == b"content-encoding":
            self._compressed = True
        elif lowered == b"set-cookie":
            self._sets_cookies = True

    def on_headers_complete(self) -> None:
        self._headers_done = True
        if self._head and not self._informational():
            # No body follows, whatever the headers say; the parser would wait for one.
            self.usable = False
            self._answered()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self._waiter is None:
            return
        if self._informational():  # 1xx (103 Early Hints): the answer is yet to come
            self._reset()
            return
        self.usable = self.usable and self._parser.should_keep_alive()
        self._answered()

    # the rest

    def _answered(self) -> None:
        waiter, self._waiter = self._waiter, None
        self._stop_timer()
        status = self._parser.get_status_code()
        body = b"".join(self._body)
        answer = (status, self._headers, body, self._compressed, self._sets_cookies)
        self._reset()
        if waiter is not None and not waiter.done():
            waiter.set_result(answer)

    def _fail(self, kind: type[httpx.TransportError], reason: str) -> None:
        waiter, self._waiter = self._waiter, None
        self._stop_timer()
        self.close()
        if waiter is not None and not waiter.done():
            waiter.set_exception(_NoAnswerError(kind, reason))

    def _reset(self) -> None:
        self._headers = []
        self._body = []
        self._compressed = self._sets_cookies = self._headers_done = False

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _informational(self) -> bool:
        return 100 <= self._parser.get_status_code() < 200

    def _check_read(self) -> None:
        """The read timeout: the time since the last read, not since the request."""
        assert self._read_timeout is not None
        loop = self._loop
        due = self._read_at + self._read_timeout
        if loop.time() < due:
            self._timer = loop.call_at(due, self._check_read)
            return
        self._timer = None
        self._fail(httpx.ReadTimeout, "the upstream sent nothing for the read timeout")

    def _delimited_by_close(self) -> bool:
        """An answer with neither a length nor chunks ends where its connection does."""
        names = {name.lower() for name, _ in self._headers}
        return b"content-length" not in names and b"transfer-encoding" not in names
