"""httpx's client API over aiohttp's connection pool.

httpcore's pool (httpx 0.28) scans every connection on every request, which costs more CPU
than the rest of a fan-out request under concurrency; aiohttp's pool does not (see
docs/benchmarks.md). httpx stays the API: timeouts, limits, ``httpx.Response``, and its
exception types, which this transport raises in place of aiohttp's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import aiohttp
import httpx

if TYPE_CHECKING:
    from multidict import CIMultiDictProxy  # aiohttp's headers

RawHeaders = tuple[tuple[bytes, bytes], ...]
# aiohttp speaks HTTP/1.1 only.
_HTTP_1_1 = {"http_version": b"HTTP/1.1"}


class Answer(httpx.Response):
    """An ``httpx.Response`` built cheaply from an answer read whole.

    ``httpx.Response.__init__`` (parsing the headers, reading the body through its decoder
    and chunker) cost about as much as the rest of receiving a read; most callers read only
    ``status_code`` and ``content``. So ``received`` sets the state that ``__init__`` would
    leave, and ``headers`` and ``request`` are made on first access.
    """

    make_request: Callable[[], httpx.Request] | None = None
    sets_cookies = False
    """Does the answer set a cookie? Asked of every answer, so known without ``headers``."""
    _raw_headers: RawHeaders | None = None
    _headers: httpx.Headers | None = None

    @classmethod
    def received(
        cls,
        status: int,
        parsed: CIMultiDictProxy[str],
        raw_headers: RawHeaders,
        body: bytes,
        request: httpx.Request | None,
    ) -> Answer:
        """The answer ``httpx.Response(status, headers=raw_headers, content=body)`` would be;
        ``parsed`` is ``raw_headers`` as aiohttp parsed them, asked which names they hold (a
        lookup there cost a seventh of a scan of ``raw_headers``)."""
        if "Content-Encoding" in parsed:
            # A compressed body goes through httpx's decoders, errors and all.
            answer = cls(
                status, headers=raw_headers, content=body, request=request, extensions=_HTTP_1_1
            )
        else:
            answer = cls.__new__(cls)
            answer.__dict__.update(
                status_code=status,
                _request=request,
                next_request=None,
                extensions=dict(_HTTP_1_1),
                history=[],
                is_closed=True,
                is_stream_consumed=True,
                default_encoding="utf-8",
                stream=httpx.ByteStream(body),
                _content=body,
                _num_bytes_downloaded=0,
            )
        answer._raw_headers = raw_headers
        answer.sets_cookies = "Set-Cookie" in parsed
        return answer

    @property
    def headers(self) -> httpx.Headers:
        if self._headers is None:
            content = self._content
            self._headers = httpx.Headers(self._raw_headers)
            if content:
                # What httpx.Response adds for a body given whole.
                self._headers.setdefault("Content-Length", str(len(content)))
        return self._headers

    @headers.setter
    def headers(self, value: httpx.Headers) -> None:
        self._headers = value

    @property
    def request(self) -> httpx.Request:
        self._make_request()
        return super().request

    @request.setter
    def request(self, value: httpx.Request) -> None:
        self._request = value

    def raise_for_status(self) -> Answer:
        self._make_request()  # httpx's reads _request, not the property
        super().raise_for_status()
        return self

    def _make_request(self) -> None:
        if self._request is None and self.make_request is not None:
            self._request = self.make_request()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends httpx requests through one ``aiohttp.ClientSession``, made on first use.

    At most ``limits.max_connections`` connections are open; idle ones are closed after
    ``limits.keepalive_expiry`` seconds. Answers are read whole before they are returned.
    """

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._session: aiohttp.ClientSession | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        return await self.send(
            request.method,
            str(request.url),
            request.headers.multi_items(),
            request.content or None,
            client_timeout(timeouts),
            request,
        )

    async def send(  # noqa: PLR0917 - a request's parts, as aiohttp takes them
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        content: bytes | None,
        timeouts: aiohttp.ClientTimeout,
        request: httpx.Request | None = None,
    ) -> Answer:
        """One request from its parts; ``request``, if given, is what errors and the answer name."""
        session = self._session or self._open()
        try:
            answer = await session.request(
                method, url, headers=headers, data=content, allow_redirects=False, timeout=timeouts
            )
            # Awaited, not entered: read() gives the connection back at the end of the body
            # and closes the answer when reading fails, so leaving ``async with`` would only
            # release it again (two coroutines and seven calls more a request).
            body = await answer.read()
        except aiohttp.ServerTimeoutError as exc:
            raise _timeout_error(exc)(str(exc), request=request) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except aiohttp.ClientError as exc:
            # Dropped mid-answer, or an answer that is not HTTP.
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
        return Answer.received(answer.status, answer.headers, answer.raw_headers, body, request)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._limits.max_connections or 0,
            keepalive_timeout=self._limits.keepalive_expiry,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            # The session's own cookie jar would carry cookies between gateway users.
            cookie_jar=aiohttp.DummyCookieJar(),
            # httpx decodes Content-Encoding itself, as it does over httpcore.
            auto_decompress=False,
        )
        return self._session


def client_timeout(timeouts: dict[str, float | None]) -> aiohttp.ClientTimeout:
    """aiohttp's timeouts for httpx's (``httpx.Timeout.as_dict()``): pool, connect, read."""
    return _client_timeout(timeouts.get("pool"), timeouts.get("connect"), timeouts.get("read"))


@functools.lru_cache(maxsize=64)
def _client_timeout(
    pool: float | None, connect: float | None, read: float | None
) -> aiohttp.ClientTimeout:
    # One per set of timeouts (they are few, and frozen): making one per call cost 2 us.
    return aiohttp.ClientTimeout(connect=pool, sock_connect=connect, sock_read=read)


def _timeout_error(exc: aiohttp.ServerTimeoutError) -> type[httpx.TimeoutException]:
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout
    return httpx.ReadTimeout
