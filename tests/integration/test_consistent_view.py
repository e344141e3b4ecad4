"""One consistent view: every read of a calendar in one response agrees, and the read cache
never serves a state older than one the gateway has since seen."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.client import error_codes, execute
from tests.conftest import gateway_client, settings_for
from tests.integration.test_calendars import (
    ADD,
    ANOTHER,
    DADS,
    PACKAGE,
    grs_as,
    grs_requests,
    holiday,
    inject,
)

BOTH = """query($id: ID!) {
  one: businessCalendar(id: $id) { id name locked lockOwner }
  all: businessCalendars { id name locked lockOwner }
}"""
SINGLE = "query($id: ID!) { businessCalendar(id: $id) { id name locked lockOwner } }"
LIST = "{ businessCalendars { id name locked lockOwner } }"


@pytest.fixture
async def caching_gateway(
    simulator_url: str, upstream: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway_client(settings_for(simulator_url, cache_ttl_seconds=60)) as client:
        yield client


class Other:
    """Another GRS user, calling the vendor directly: the gateway is not told."""

    def __init__(self, upstream: httpx.AsyncClient) -> None:
        self._upstream = upstream
        self._auth: httpx.BasicAuth | None = None

    async def __call__(self, method: str, path: str, **kw: Any) -> None:
        # One login: a GRS lock belongs to the token that took it.
        self._auth = self._auth or await grs_as(self._upstream, "other")
        response = await self._upstream.request(method, f"{PACKAGE}/{path}", auth=self._auth, **kw)
        response.raise_for_status()


@pytest.fixture
def as_other(upstream: httpx.AsyncClient) -> Other:
    return Other(upstream)


async def single(gateway: httpx.AsyncClient, **headers: str) -> dict[str, Any]:
    response = await gateway.post(
        "/graphql", json={"query": SINGLE, "variables": {"id": DADS}}, headers=headers
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    calendar: dict[str, Any] = body["data"]["businessCalendar"]
    return calendar


def listed(calendars: list[dict[str, Any]], calendar_id: str) -> dict[str, Any] | None:
    return next((c for c in calendars if c["id"] == calendar_id), None)


async def test_one_response_agrees_on_a_lock_taken_elsewhere(
    caching_gateway: httpx.AsyncClient,
    upstream: httpx.AsyncClient,
    as_other: Other,
) -> None:
    assert (await single(caching_gateway))["locked"] is False  # cached, unlocked
    await as_other("GET", f"lockcalendar/{DADS}")
    body = (await execute(caching_gateway, BOTH, {"id": DADS}))["data"]
    assert body["one"] == listed(body["all"], DADS)
    assert body["one"]["lockOwner"] == "other"


async def test_one_response_shows_one_name_of_a_calendar_renamed_elsewhere(
    caching_gateway: httpx.AsyncClient,
    upstream: httpx.AsyncClient,
    as_other: Other,
) -> None:
    await single(caching_gateway)
    await as_other("GET", f"lockcalendar/{DADS}")
    await as_other("PUT", f"calendar/{DADS}", json={"name": "Renamed"})
    await as_other("GET", f"unlockcalendar/{DADS}")
    body = (await execute(caching_gateway, BOTH, {"id": DADS}))["data"]
    assert body["one"] == listed(body["all"], DADS)
    assert body["one"]["name"] == "Renamed"


async def test_a_read_after_calendar_locked_shows_the_lock(
    caching_gateway: httpx.AsyncClient,
    upstream: httpx.AsyncClient,
    as_other: Other,
) -> None:
    await single(caching_gateway)
    await as_other("GET", f"lockcalendar/{DADS}")
    assert (await single(caching_gateway))["locked"] is False  # the cache has not seen it
    failed = await execute(caching_gateway, ADD, {"id": DADS, "exception": holiday("Blocked")})
    assert error_codes(failed) == ["CALENDAR_LOCKED"]
    after = await single(caching_gateway)
    assert (after["locked"], after["lockOwner"]) == (True, "other")


async def test_a_no_cache_request_sees_a_change_made_elsewhere_and_replaces_the_cache(
    caching_gateway: httpx.AsyncClient,
    upstream: httpx.AsyncClient,
    as_other: Other,
) -> None:
    await execute(caching_gateway, BOTH, {"id": DADS})  # list and body cached
    await as_other("GET", f"lockcalendar/{DADS}")
    assert (await single(caching_gateway))["locked"] is False
    assert (await single(caching_gateway, **{"Cache-Control": "no-cache"}))["locked"] is True
    # The fresh answer replaced the body and evicted the older list, for every reader.
    body = (await execute(caching_gateway, BOTH, {"id": DADS}))["data"]
    assert body["one"]["locked"] is True
    assert body["one"] == listed(body["all"], DADS)


async def test_no_cache_requests_in_flight_together_share_one_upstream_read(
    caching_gateway: httpx.AsyncClient,
    upstream: httpx.AsyncClient,
) -> None:
    await single(caching_gateway)
    before = (await grs_requests(upstream))["queryBusinessCalendarBody"]
    await inject(upstream, path="businesscalendarbody", delay=0.3)
    fresh = {"Cache-Control": "no-cache"}
    await asyncio.gather(*(single(caching_gateway, **fresh) for _ in range(5)))
    assert (await grs_requests(upstream))["queryBusinessCalendarBody"] == before + 1


async def test_a_not_found_evicts_a_cached_list_that_still_shows_the_calendar(
    caching_gateway: httpx.AsyncClient,
    upstream: httpx.AsyncClient,
    as_other: Other,
) -> None:
    listing = (await execute(caching_gateway, LIST))["data"]["businessCalendars"]
    assert listed(listing, ANOTHER) is not None
    await as_other("GET", f"lockcalendar/{ANOTHER}")
    await as_other("DELETE", f"calendar/{ANOTHER}")
    gone = await execute(caching_gateway, SINGLE, {"id": ANOTHER})
    assert error_codes(gone) == ["NOT_FOUND"]
    listing = (await execute(caching_gateway, LIST))["data"]["businessCalendars"]
    assert listed(listing, ANOTHER) is None


async def test_calendar_locked_on_one_replica_evicts_the_entity_on_the_other(
    simulator_url: str,
    upstream: httpx.AsyncClient,
    redis_url: str,
    redis_prefix: str,
    as_other: Other,
) -> None:
    settings = settings_for(
        simulator_url, cache_ttl_seconds=60, redis_url=redis_url, redis_key_prefix=redis_prefix
    )
    async with gateway_client(settings) as first, gateway_client(settings) as second:
        await single(first)
        await as_other("GET", f"lockcalendar/{DADS}")
        assert (await single(first))["locked"] is False
        failed = await execute(second, ADD, {"id": DADS, "exception": holiday("Blocked")})
        assert error_codes(failed) == ["CALENDAR_LOCKED"]
        assert (await single(first))["lockOwner"] == "other"
