"""The shared HTTP layer: one httpx client per upstream, bounded, with failures typed."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx

from calendar_gateway.upstreams.errors import UpstreamUnavailableError


class Transport:
    """Sends requests to one upstream; at most ``max_concurrency`` at a time.

    Connection errors, timeouts and 5xx answers become ``UpstreamUnavailableError``;
    every other status is the vendor client's to interpret.
    """

    def __init__(
        self,
        upstream: str,
        base_url: str,
        *,
        timeout: float,
        max_concurrency: int,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.upstream = upstream
        self._client = client or httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(
                max_connections=max_concurrency, max_keepalive_connections=max_concurrency
            ),
        )
        self._slots = asyncio.Semaphore(max_concurrency)

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        async with self._slots:
            try:
                response = await self._client.request(
                    method, url, headers=headers, params=params, json=json, data=data
                )
            except httpx.TimeoutException as exc:
                raise UpstreamUnavailableError(self.upstream, "upstream timed out") from exc
            except httpx.TransportError as exc:
                raise UpstreamUnavailableError(self.upstream, "upstream unreachable") from exc
        if response.status_code >= 500:
            raise UpstreamUnavailableError(
                self.upstream, f"upstream answered HTTP {response.status_code}"
            )
        return response

    async def aclose(self) -> None:
        await self._client.aclose()
