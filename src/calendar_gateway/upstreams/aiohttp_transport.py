"""httpx's client API over aiohttp's connection pool.

httpcore's pool (httpx 0.28) scans every connection on every request, which costs more CPU
than the rest of a fan-out request under concurrency; aiohttp's pool does not (see
docs/benchmarks.md). httpx stays the API: timeouts, limits, ``httpx.Response``, and its
exception types, which this transport raises in place of aiohttp's.
"""

from __future__ import annotations

import aiohttp
import httpx


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends httpx requests through one ``aiohttp.ClientSession``, made on first use.

    At most ``limits.max_connections`` connections are open; idle ones are closed after
    ``limits.keepalive_expiry`` seconds. Answers are read whole before they are returned.
    """

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._session: aiohttp.ClientSession | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session or self._open()
        try:
            async with session.request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=request.content or None,
                allow_redirects=False,
                # httpx decodes Content-Encoding itself, as it does over httpcore.
                auto_decompress=False,
                timeout=_timeout(request),
            ) as answer:
                content = await answer.read()
        except aiohttp.ServerTimeoutError as exc:
            raise _timeout_error(exc)(str(exc), request=request) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except aiohttp.ClientError as exc:
            # Dropped mid-answer, or an answer that is not HTTP.
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
        return httpx.Response(
            answer.status,
            headers=answer.raw_headers,
            content=content,
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._limits.max_connections or 0,
            keepalive_timeout=self._limits.keepalive_expiry,
        )
        # The session's own cookie jar would carry cookies between gateway users.
        self._session = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar()
        )
        return self._session


def _timeout(request: httpx.Request) -> aiohttp.ClientTimeout:
    timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
    return aiohttp.ClientTimeout(
        connect=timeouts.get("pool"),
        sock_connect=timeouts.get("connect"),
        sock_read=timeouts.get("read"),
    )


def _timeout_error(exc: aiohttp.ServerTimeoutError) -> type[httpx.TimeoutException]:
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout
    return httpx.ReadTimeout
