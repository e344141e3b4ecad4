"""Servers for integration tests: the simulators and a gateway, on loopback ports."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Generator
from typing import Any

import httpx
import pytest

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
    async with serve(create_app(settings_for(simulator_url))) as url:
        yield url


@pytest.fixture
async def gateway(
    shared_gateway_url: str, upstream: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the gateway in front of freshly reset simulators."""
    async with httpx.AsyncClient(base_url=shared_gateway_url, timeout=30) as client:
        yield client
