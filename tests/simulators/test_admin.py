"""The admin routes, the same on all three simulators (simulators/admin.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from starlette.requests import Request

from calendar_gateway.simulators.admin import RECORD_LIMIT, Admin
from calendar_gateway.simulators.app import create_app
from tests.servers import serve


@dataclass(frozen=True)
class Vendor:
    root: str
    sign_in: Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]
    """One vendor request, which opens a session where the vendor has them."""
    operation: str
    path: str
    tokens: int
    """How many API tokens ``sign_in`` leaves live."""
    password: str


async def _synergist(client: httpx.AsyncClient) -> httpx.Response:
    form = {"user": "user", "password": "user", "version": "3.9", "action": "calendarrefresh"}
    return await client.post("/jsonapi/calendar.json", data={**form, "diary": "137463"})


async def _grs(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get("/grs/v1/login", auth=("demo", "demo"))


async def _xelion(client: httpx.AsyncClient) -> httpx.Response:
    credentials = {"userName": "demo", "password": "demo", "userSpace": "admin-test"}
    return await client.post("/api/v1/master/me/login", json=credentials)


VENDORS = [
    Vendor("/jsonapi", _synergist, "calendarrefresh", "/calendar.json", tokens=0, password="user"),
    Vendor("/grs/v1", _grs, "login", "/login", tokens=1, password="demo"),
    Vendor("/api/v1/master", _xelion, "login", "/me/login", tokens=1, password="demo"),
]


@pytest.fixture(scope="module")
async def simulators_url() -> AsyncIterator[str]:
    async with serve(create_app()) as url:
        yield url


@pytest.fixture
async def client(simulators_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=simulators_url) as client:
        for vendor in VENDORS:
            (await client.post(f"{vendor.root}/_admin/reset")).raise_for_status()
        yield client


@pytest.fixture(params=VENDORS, ids=[vendor.root for vendor in VENDORS])
def vendor(request: pytest.FixtureRequest) -> Vendor:
    chosen: Vendor = request.param
    return chosen


async def stats(client: httpx.AsyncClient, vendor: Vendor) -> dict[str, object]:
    response = await client.get(f"{vendor.root}/_admin/stats")
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


async def recorded(client: httpx.AsyncClient, vendor: Vendor) -> list[dict[str, object]]:
    response = await client.get(f"{vendor.root}/_admin/requests")
    assert response.status_code == 200
    entries: list[dict[str, object]] = response.json()["requests"]
    return entries


async def test_a_reset_simulator_has_counted_and_recorded_nothing(
    client: httpx.AsyncClient, vendor: Vendor
) -> None:
    assert await stats(client, vendor) == {"requests": {}, "throttled": 0}
    assert await recorded(client, vendor) == []


async def test_a_vendor_request_is_counted_once_by_its_operation(
    client: httpx.AsyncClient, vendor: Vendor
) -> None:
    assert (await vendor.sign_in(client)).status_code == 200
    assert await stats(client, vendor) == {"requests": {vendor.operation: 1}, "throttled": 0}


async def test_a_vendor_request_is_recorded_with_operation_method_path_and_status(
    client: httpx.AsyncClient, vendor: Vendor
) -> None:
    sent = await vendor.sign_in(client)
    [entry] = await recorded(client, vendor)
    assert entry["operation"] == vendor.operation
    assert (entry["method"], entry["path"], entry["status"]) == (
        sent.request.method,
        vendor.path,
        sent.status_code,
    )


async def test_the_record_keeps_no_password(client: httpx.AsyncClient, vendor: Vendor) -> None:
    await vendor.sign_in(client)
    [entry] = await recorded(client, vendor)
    assert vendor.password not in json.dumps(entry)


async def test_reset_empties_counts_and_record(client: httpx.AsyncClient, vendor: Vendor) -> None:
    await vendor.sign_in(client)
    reset = await client.post(f"{vendor.root}/_admin/reset")
    assert reset.status_code == 204
    assert await stats(client, vendor) == {"requests": {}, "throttled": 0}
    assert await recorded(client, vendor) == []


async def test_admin_requests_are_neither_counted_nor_recorded(
    client: httpx.AsyncClient, vendor: Vendor
) -> None:
    await client.post(f"{vendor.root}/_admin/expire-tokens")
    await client.get(f"{vendor.root}/_admin/requests")
    assert await stats(client, vendor) == {"requests": {}, "throttled": 0}
    assert await recorded(client, vendor) == []


async def test_expire_tokens_ends_each_live_token(
    client: httpx.AsyncClient, vendor: Vendor
) -> None:
    await vendor.sign_in(client)
    first = await client.post(f"{vendor.root}/_admin/expire-tokens")
    second = await client.post(f"{vendor.root}/_admin/expire-tokens")
    assert (first.status_code, first.json()) == (200, {"expired": vendor.tokens})
    assert second.json() == {"expired": 0}


async def test_every_simulator_answers_the_same_admin_routes(simulators_url: str) -> None:
    async with httpx.AsyncClient(base_url=simulators_url) as client:
        answers = {
            vendor.root: [
                (await client.get(f"{vendor.root}/_admin/stats")).status_code,
                (await client.get(f"{vendor.root}/_admin/requests")).status_code,
                (await client.post(f"{vendor.root}/_admin/expire-tokens")).status_code,
                (await client.post(f"{vendor.root}/_admin/reset")).status_code,
                (await client.post(f"{vendor.root}/_admin/nothing")).status_code,
            ]
            for vendor in VENDORS
        }
    assert answers == {vendor.root: [200, 200, 200, 204, 404] for vendor in VENDORS}


def test_the_record_keeps_only_the_newest_requests() -> None:
    admin = Admin()
    scope = {"type": "http", "method": "GET", "path": "/x", "query_string": b"", "headers": []}
    for number in range(RECORD_LIMIT + 1):
        admin.record("read", Request(scope), number=number)
    assert len(admin.requests) == RECORD_LIMIT
    assert admin.requests[0]["number"] == 1
    assert admin.counts["read"] == RECORD_LIMIT + 1
