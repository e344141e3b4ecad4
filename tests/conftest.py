"""Servers for integration tests: the simulators and a gateway, on loopback ports."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Generator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from calendar_gateway.app import create_app
from calendar_gateway.cli import demo_settings
from calendar_gateway.settings import Settings
from calendar_gateway.simulators import app as simulators
from tests.servers import serve

VENDOR_ROOTS = ("/jsonapi", "/grs/v1", "/api/v1/master")

IN_CI = os.environ.get("CI") == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, Any, None]:
    """In CI nothing is skipped silently: a skip there is a failure, with its reason."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (CI=true): {report.longrepr}"


@pytest.fixture(scope="session")
async def simulator_url() -> AsyncIterator[str]:
    async with serve(simulators.create_app()) as url:
        yield url


@pytest.fixture
async def upstream(simulator_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the simulators, which start each test from their seeded state."""
    async with httpx.AsyncClient(base_url=simulator_url) as client:
        (await client.delete("/_admin/faults")).raise_for_status()
        for root in VENDOR_ROOTS:
            (await client.post(f"{root}/_admin/reset")).raise_for_status()
        yield client
        (await client.delete("/_admin/faults")).raise_for_status()


def settings_for(simulator_url: str, **overrides: Any) -> Settings:
    """Demo settings for a gateway in front of the simulators, with ``overrides`` validated."""
    return Settings(**{**demo_settings(simulator_url, port=0).model_dump(), **overrides})


@contextlib.asynccontextmanager
async def gateway_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway running with ``settings``, and a client of it."""
    async with (
        serve(create_app(settings)) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        yield client


@pytest.fixture(scope="session")
async def shared_gateway_url(simulator_url: str) -> AsyncIterator[str]:
    # The simulators reset between tests behind the gateway's back: it must not cache, nor
    # keep a circuit open across tests that take an upstream down (resilience tests run
    # gateways of their own).
    settings = settings_for(simulator_url, cache_ttl_seconds=0, circuit_failure_threshold=1_000_000)
    async with serve(create_app(settings)) as url:
        yield url


@pytest.fixture
async def gateway(
    shared_gateway_url: str, upstream: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the gateway in front of freshly reset simulators."""
    async with httpx.AsyncClient(base_url=shared_gateway_url, timeout=30) as client:
        yield client


@pytest.fixture
async def redis_url() -> str:
    """The machine's Redis (REDIS_URL, default 127.0.0.1:6379); a skip when absent (not in CI)."""
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    client = Redis.from_url(url)
    try:
        await client.ping()
    except (RedisConnectionError, OSError):
        pytest.skip(f"no Redis at {url}")
    finally:
        await client.aclose()
    return url


@pytest.fixture
async def redis_prefix(redis_url: str) -> AsyncIterator[str]:
    """A key prefix of this test's own; the Redis is shared, so its keys are deleted after."""
    prefix = f"calendar-gateway-test-{uuid.uuid4().hex}"
    yield prefix
    client = Redis.from_url(redis_url)
    async for key in client.scan_iter(match=f"{prefix}*"):
        await client.delete(key)
    await client.aclose()
