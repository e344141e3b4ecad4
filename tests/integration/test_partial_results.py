"""One upstream down: a query over all three still answers with the other two's data."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.client import execute
from tests.conftest import gateway_client, settings_for

# Nullable fields: a failing upstream can null its own field and leave the others be.
ALL_THREE = """{ businessCalendar(id: "Calendar_117") { id } booking(id: "137463") { id }
  appointment(id: "1758831") { id } }"""

# Each upstream, a fault that takes it down, and the field it feeds.
DOWN = [
    pytest.param("calendars", r"^/grs/", "businessCalendar", id="calendars"),
    pytest.param("bookings", r"^/jsonapi/", "booking", id="bookings"),
    pytest.param("appointments", r"^/api/v1/", "appointment", id="appointments"),
]


async def take_down(upstream: httpx.AsyncClient, path: str, **how: Any) -> None:
    fault = {"path": path, "times": None, **how}
    (await upstream.post("/_admin/faults", json=fault)).raise_for_status()


@pytest.fixture
async def gateway(simulator_url: str) -> Any:
    # Its own gateway, so the circuits this opens do not outlive the test.
    async with gateway_client(settings_for(simulator_url, cache_ttl_seconds=0)) as client:
        yield client


@pytest.mark.parametrize(("name", "path", "field"), DOWN)
async def test_an_upstream_answering_503_nulls_only_its_field(
    name: str, path: str, field: str, gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await take_down(upstream, path, status=503)
    body = await execute(gateway, ALL_THREE)
    assert body["data"][field] is None
    assert all(value for key, value in body["data"].items() if key != field)
    assert [(e["path"], e["extensions"]) for e in body["errors"]] == [
        ([field], {"code": "UPSTREAM_UNAVAILABLE", "upstream": name})
    ]


# The lists a frontend fans out over; they are nullable for the same reason.
ALL_THREE_LISTS = """{ businessCalendars { id }
  bookingsInRange(company: "3", from: "2017-11-01", to: "2017-11-30") { id }
  appointments(calendarId: "1557367", after: "2017-03-01", before: "2017-03-31") { id } }"""

LISTS_DOWN = [
    pytest.param("calendars", r"^/grs/", "businessCalendars", id="calendars"),
    pytest.param("bookings", r"^/jsonapi/", "bookingsInRange", id="bookings"),
    pytest.param("appointments", r"^/api/v1/", "appointments", id="appointments"),
]


@pytest.mark.parametrize(("name", "path", "field"), LISTS_DOWN)
async def test_an_upstream_down_nulls_only_its_list(
    name: str, path: str, field: str, gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await take_down(upstream, path, status=503)
    body = await execute(gateway, ALL_THREE_LISTS)
    assert body["data"][field] is None
    assert all(body["data"][key] for key in body["data"] if key != field)
    assert [(e["path"], e["extensions"]) for e in body["errors"]] == [
        ([field], {"code": "UPSTREAM_UNAVAILABLE", "upstream": name})
    ]


@pytest.mark.parametrize(("name", "path", "field"), DOWN)
async def test_an_upstream_dropping_connections_nulls_only_its_field(
    name: str, path: str, field: str, gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await take_down(upstream, path, drop=True)
    body = await execute(gateway, ALL_THREE)
    assert body["data"][field] is None
    assert [e["extensions"]["upstream"] for e in body["errors"]] == [name]


async def test_an_unreachable_upstream_nulls_only_its_field(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    settings = settings_for(simulator_url, bookings_url="http://127.0.0.1:9", cache_ttl_seconds=0)
    async with gateway_client(settings) as gateway:
        body = await execute(gateway, ALL_THREE)
    assert body["data"]["booking"] is None
    assert body["data"]["businessCalendar"]
    assert body["data"]["appointment"]
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "UPSTREAM_UNAVAILABLE", "upstream": "bookings"}
    ]


async def test_a_hanging_upstream_is_cut_off_at_its_timeout(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    await take_down(upstream, r"^/api/v1/", delay=2.0)
    settings = settings_for(simulator_url, appointments_timeout_seconds=0.3, cache_ttl_seconds=0)
    async with gateway_client(settings) as gateway:
        # The client gives the gateway less than the 2 s the upstream would take.
        response = await gateway.post("/graphql", json={"query": ALL_THREE}, timeout=5.0)
    body = response.json()
    assert body["data"]["appointment"] is None
    assert body["data"]["businessCalendar"]
    assert body["data"]["booking"]
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "UPSTREAM_UNAVAILABLE", "upstream": "appointments"}
    ]


async def test_an_open_circuit_still_answers_the_other_fields(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    settings = settings_for(simulator_url, circuit_failure_threshold=1, cache_ttl_seconds=0)
    async with gateway_client(settings) as gateway:
        await take_down(upstream, r"^/grs/", status=503)
        await execute(gateway, ALL_THREE)  # opens the calendars circuit
        body = await execute(gateway, ALL_THREE)
    assert body["data"]["businessCalendar"] is None
    assert body["data"]["booking"]
    assert body["data"]["appointment"]
    assert body["errors"][0]["message"] == "upstream circuit is open"
