"""The read cache and single flight through a running gateway; writes invalidate."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.client import execute
from tests.conftest import gateway_client, settings_for
from tests.integration.test_bookings import BOOKING, EGON, UPDATE, synergist_requests
from tests.integration.test_calendars import ADD, DADS, grs_requests, holiday

CALENDAR = "query($id: ID!) { businessCalendar(id: $id) { name exceptions { name } } }"


@pytest.fixture
async def caching_gateway(
    simulator_url: str, upstream: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway_client(settings_for(simulator_url, cache_ttl_seconds=60)) as client:
        yield client


async def cache_hits(gateway: httpx.AsyncClient, cache: str) -> float:
    exposition = (await gateway.get("/metrics")).text
    pattern = rf'^calendar_gateway_cache_hits_total{{cache="{cache}"}} (\S+)$'
    match = re.search(pattern, exposition, re.MULTILINE)
    return float(match[1]) if match else 0.0


async def test_a_hot_calendar_read_is_served_from_the_cache(
    caching_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    hits_before = await cache_hits(caching_gateway, "calendars")
    first = await execute(caching_gateway, CALENDAR, {"id": DADS})
    second = await execute(caching_gateway, CALENDAR, {"id": DADS})
    assert first == second
    assert (await grs_requests(upstream))["queryBusinessCalendarBody"] == 1
    assert await cache_hits(caching_gateway, "calendars") == hits_before + 1


async def test_a_calendar_edit_invalidates_the_calendar_and_the_list(
    caching_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    listing = "{ businessCalendars { name exceptions { name } } }"
    await execute(caching_gateway, listing)
    await execute(caching_gateway, ADD, {"id": "Calendar_117", "exception": holiday("Fresh")})
    after = await execute(caching_gateway, CALENDAR, {"id": DADS})
    assert "Fresh" in [e["name"] for e in after["data"]["businessCalendar"]["exceptions"]]
    listed = (await execute(caching_gateway, listing))["data"]["businessCalendars"]
    assert "Fresh" in [e["name"] for e in listed[0]["exceptions"]]


async def test_concurrent_requests_for_one_booking_share_one_upstream_call(
    caching_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await upstream.post("/_admin/faults", json={"path": "calendar.json", "delay": 0.2})
    await asyncio.gather(*(execute(caching_gateway, BOOKING, {"id": EGON}) for _ in range(5)))
    assert await synergist_requests(upstream) == {"calendarrefresh": 1}


async def test_a_booking_write_invalidates_cached_bookings(
    caching_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await execute(caching_gateway, BOOKING, {"id": EGON})
    await execute(caching_gateway, BOOKING, {"id": EGON})
    change = {"id": EGON, "start": "2017-11-07T10:00:00", "end": "2017-11-09T12:00:00"}
    await execute(caching_gateway, UPDATE, {"input": change})
    await execute(caching_gateway, BOOKING, {"id": EGON})
    # One read before the write (the second was a hit), one after it.
    assert await synergist_requests(upstream) == {"calendarrefresh": 2, "update": 1}
