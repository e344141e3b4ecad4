"""Calendar edits while the Redis of their mutexes and lock holders goes down and comes back."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from tests.client import error_codes, execute
from tests.conftest import IN_CI
from tests.integration.test_calendars import ADD, DADS, exception_names, holiday, locks
from tests.integration.test_edit_faults import edit_gateway


class PrivateRedis:
    """A redis-server of this test's own on a free port, without persistence, to stop at will."""

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port: int = sock.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            if IN_CI:
                raise RuntimeError("redis-server is required in CI")
            pytest.skip("no redis-server on PATH")
        self._process = await asyncio.create_subprocess_exec(
            server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await until_answering(self.url)

    async def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            await self._process.wait()
            self._process = None


@contextlib.asynccontextmanager
async def private_redis() -> AsyncIterator[PrivateRedis]:
    redis = PrivateRedis()
    await redis.start()
    try:
        yield redis
    finally:
        await redis.stop()


async def until_answering(url: str) -> None:
    client = Redis.from_url(url)
    try:
        for _ in range(200):
            with contextlib.suppress(RedisError, OSError):
                if await client.ping():
                    return
            await asyncio.sleep(0.01)
        raise AssertionError("the private redis-server never answered")
    finally:
        await client.aclose()


async def test_edits_while_redis_is_down_fail_coded_and_none_is_reported_wrongly(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    told: dict[str, list[str]] = {}
    async with private_redis() as redis:
        # The read cache and rate limits are not under test here: they stay off Redis.
        gateway = edit_gateway(
            simulator_url, redis_url=redis.url, upstream_timeout_seconds=1.0,
            rate_limit_requests=0,
        )  # fmt: skip
        async with gateway as (client, _):
            await edits(client, "before", told)
            await redis.stop()
            await edits(client, "down", told)
            await redis.start()  # empty: the mutexes and lock holders are gone
            await edits(client, "after", told)
    down = told["down"]
    assert set(down) == {"EDIT_UNAVAILABLE"}
    assert set(told["before"]) == set(told["after"]) == {"ok"}
    names = set(await exception_names(upstream))
    for phase, outcomes in told.items():
        for n, outcome in enumerate(outcomes):
            assert (f"{phase} {n}" in names) == (outcome == "ok"), (phase, n, outcome)
    assert (await locks(upstream))[DADS] is False


async def edits(client: httpx.AsyncClient, phase: str, told: dict[str, list[str]]) -> None:
    outcomes = told.setdefault(phase, [])
    for n in range(5):
        body = await execute(client, ADD, {"id": DADS, "exception": holiday(f"{phase} {n}")})
        outcomes.append((error_codes(body) or ["ok"])[0])
