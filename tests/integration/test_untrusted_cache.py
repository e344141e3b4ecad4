"""Redis is neither trusted nor relied on: nothing found there runs, and reads outlive it."""

from __future__ import annotations

import asyncio
import hashlib
import os
import pickle
import re
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.client import error_codes, execute
from tests.conftest import gateway_client, settings_for

# Every kind of answer the gateway caches: lists and single reads of all three vendors.
EVERYTHING = """{
  businessCalendars { id name locked exceptions { name } }
  businessCalendar(id: "Calendar_117") { id name locked exceptions { name } }
  booking(id: "137463") { id start allocation { bookedHours } }
  bookingsInRange(company: "3", from: "2017-11-01", to: "2017-11-30") { id start }
  appointment(id: "1758831") { id subject start end raw }
  appointments(calendarId: "1557367", after: "2017-03-01", before: "2017-03-31") { id start }
}"""
DIGEST = hashlib.sha256(EVERYTHING.encode()).hexdigest()
PERSISTED = {"persistedQuery": {"version": 1, "sha256Hash": DIGEST}}
# A grouped key: its scope (the upstream identity's digest), its group, its generation.
GROUPED = re.compile(rb"^(.+?:[0-9a-f]{16}):([^@]+)@\d+:")


class Payload:
    """A pickle that, once loaded, makes a directory: proof that it ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.mkdir, (str(self.marker),))


def payload(marker: Path) -> bytes:
    return pickle.dumps(Payload(marker))


async def answer(gateway: httpx.AsyncClient) -> dict[str, Any]:
    body = await execute(gateway, EVERYTHING)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def counter(gateway: httpx.AsyncClient, name: str) -> float:
    exposition = (await gateway.get("/metrics")).text
    pattern = rf"^calendar_gateway_{name}_total{{[^}}]*}} (\S+)$"
    return sum(float(v) for v in re.findall(pattern, exposition, re.MULTILINE))


async def plant(redis: Redis, prefix: str, value: bytes, *, generations: bool) -> int:
    """Write ``value`` over every key under ``prefix`` (or over each group's generation)."""
    keys = [key async for key in redis.scan_iter(match=f"{prefix}:*")]
    targets: set[bytes] = set()
    for key in keys:
        grouped = GROUPED.match(key)
        if not generations:
            targets.add(key)
        elif grouped is not None:
            targets.add(grouped[1] + b":generation:" + grouped[2])
    for key in targets:
        await redis.set(key, value)
    return len(targets)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_a_pickle_planted_in_every_cache_key_never_runs_and_the_answers_stay_right(  # noqa: PLR0917 - fixtures
    simulator_url: str,
    upstream: httpx.AsyncClient,
    redis_url: str,
    redis_prefix: str,
    redis: Redis,
    tmp_path: Path,
) -> None:
    control = tmp_path / "control"
    pickle.loads(payload(control))  # noqa: S301 - shows that the payload is live
    assert control.is_dir()
    marker = tmp_path / "executed"
    settings = settings_for(
        simulator_url,
        cache_ttl_seconds=60,
        redis_url=redis_url,
        redis_key_prefix=redis_prefix,
        # No copy of its own: a persisted query is read from Redis, where the pickle is.
        max_persisted_queries=0,
    )
    async with gateway_client(settings) as gateway:
        expected = await answer(gateway)
        registered = {"query": EVERYTHING, "extensions": PERSISTED}
        assert (await gateway.post("/graphql", json=registered)).status_code == 200
        for generations in (False, True):
            assert await plant(redis, redis_prefix, payload(marker), generations=generations)
            rejected = await counter(gateway, "cache_values_rejected")
            assert await answer(gateway) == expected
            assert await counter(gateway, "cache_values_rejected") > rejected
        assert await plant(redis, redis_prefix, payload(marker), generations=False)
        by_hash = (await gateway.post("/graphql", json={"extensions": PERSISTED})).json()
        assert error_codes(by_hash) == ["PERSISTED_QUERY_NOT_FOUND"]
        assert await answer(gateway) == expected
    assert not marker.exists()


class PrivateRedis:
    """A redis-server of this test's own, on a free loopback port, that it can stop."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        client = Redis.from_url(self.url)
        try:
            for _ in range(200):
                try:
                    await client.ping()
                    return
                except (RedisConnectionError, OSError):
                    await asyncio.sleep(0.01)
            pytest.fail("redis-server did not answer")
        finally:
            await client.aclose()

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            await self._process.wait()


@pytest.fixture
async def private_redis() -> AsyncIterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server on PATH")
    server = PrivateRedis()
    await server.start()
    yield server
    await server.stop()


async def test_reads_are_served_while_redis_is_down_and_cached_again_after(
    simulator_url: str, upstream: httpx.AsyncClient, private_redis: PrivateRedis
) -> None:
    settings = settings_for(
        simulator_url,
        cache_ttl_seconds=60,
        redis_url=private_redis.url,
        cache_store_retry_seconds=0.1,
    )
    async with gateway_client(settings) as gateway:
        expected = await answer(gateway)
        await private_redis.stop()
        for _ in range(3):
            assert await answer(gateway) == expected
        assert await counter(gateway, "cache_store_errors") > 0
        await private_redis.start()
        # Bounded: the cache is tried again CACHE_STORE_RETRY_SECONDS after a failure.
        for _ in range(100):
            hits = await counter(gateway, "cache_hits")
            assert await answer(gateway) == expected
            if await counter(gateway, "cache_hits") > hits:
                break
            await asyncio.sleep(0.02)
        else:
            pytest.fail("the cache never answered again")
        errors = await counter(gateway, "cache_store_errors")
        for _ in range(5):
            assert await answer(gateway) == expected
        assert await counter(gateway, "cache_store_errors") == errors
