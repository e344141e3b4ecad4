"""Connections agree with single reads in one response, as the unpaged lists do.

A UI that shows a page of a list beside one of its entities must never see the entity in two
states. Changes are made on the simulators, as another user of the vendor would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.client import execute
from tests.conftest import gateway_client, settings_for
from tests.integration.test_consistent_entities import (
    APPOINTMENT_FIELDS,
    APPOINTMENT_ID,
    BOOKING_FIELDS,
    BOOKING_ID,
    move_booking,
    other_resource,
    rename_appointment,
)

Json = dict[str, Any]

OTHER = "fdc4a39b-3442-4408-a907-b85c44663622"  # "Another Calendar"
ADMIN_LOCK = f"/grs/v1/_admin/lock/tenant/default/package/default/calendar/{OTHER}"
CALENDAR_FIELDS = "id locked lockOwner"
CALENDARS_PAGE = f"{{ businessCalendarsConnection {{ edges {{ node {{ {CALENDAR_FIELDS} }} }} }} }}"
CALENDAR_BOTH = f"""query($id: ID!) {{
  one: businessCalendar(id: $id) {{ {CALENDAR_FIELDS} }}
  page: businessCalendarsConnection {{ edges {{ node {{ {CALENDAR_FIELDS} }} }} }}
}}"""
RANGE_PAGE = 'bookingsInRangeConnection(company: "1", from: "2017-07-01", to: "2017-07-31")'
BOOKINGS_PAGE = f"{{ {RANGE_PAGE} {{ edges {{ node {{ {BOOKING_FIELDS} }} }} }} }}"
BOOKING_BOTH = f"""query($id: ID!) {{
  one: booking(id: $id) {{ {BOOKING_FIELDS} }}
  page: {RANGE_PAGE} {{ edges {{ node {{ {BOOKING_FIELDS} }} }} }}
}}"""
DIARY_PAGE = 'appointmentsConnection(calendarId: "1557367", from: "2017-03-20", to: "2017-03-31")'
SUMMARIES_PAGE = f"{{ {DIARY_PAGE} {{ edges {{ node {{ id subject start }} }} }} }}"
APPOINTMENT_BOTH = f"""query($id: ID!) {{
  one: appointment(id: $id) {{ {APPOINTMENT_FIELDS} }}
  page: {DIARY_PAGE} {{ edges {{ node {{ {APPOINTMENT_FIELDS} }} }} }}
}}"""


@pytest.fixture
async def caching_gateway(
    simulator_url: str, upstream: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway_client(settings_for(simulator_url, cache_ttl_seconds=60)) as client:
        yield client


def data(body: Json) -> Json:
    assert "errors" not in body, body
    found: Json = body["data"]
    return found


def node(page: Json, entity_id: str) -> Json:
    return next(e["node"] for e in page["edges"] if e["node"]["id"] == entity_id)


async def test_a_calendar_page_and_the_calendar_agree_on_a_lock_taken_elsewhere(
    caching_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    cached = data(await execute(caching_gateway, CALENDARS_PAGE))["businessCalendarsConnection"]
    assert node(cached, OTHER)["locked"] is False
    (await upstream.post(ADMIN_LOCK, params={"user": "other"})).raise_for_status()
    body = data(await execute(caching_gateway, CALENDAR_BOTH, {"id": OTHER}))
    assert body["one"] == node(body["page"], OTHER)
    # The calendar's own read contradicted the cached page: the next request sees the lock.
    body = data(await execute(caching_gateway, CALENDAR_BOTH, {"id": OTHER}))
    assert body["one"] == node(body["page"], OTHER)
    assert body["one"]["locked"] is True
    assert body["one"]["lockOwner"] == "other"


async def test_a_bookings_page_and_the_booking_agree_on_a_move_made_elsewhere(
    caching_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    moved_to = await other_resource(caching_gateway)
    cached = data(await execute(caching_gateway, BOOKINGS_PAGE))["bookingsInRangeConnection"]
    await move_booking(upstream, moved_to)
    body = data(await execute(caching_gateway, BOOKING_BOTH, {"id": BOOKING_ID}))
    assert body["one"] == node(body["page"], BOOKING_ID) == node(cached, BOOKING_ID)
    body = data(await execute(caching_gateway, BOOKING_BOTH, {"id": BOOKING_ID}))
    assert body["one"] == node(body["page"], BOOKING_ID)
    assert body["one"]["resource"]["id"] == moved_to


async def test_an_appointments_page_and_the_appointment_agree_on_a_rename_made_elsewhere(
    caching_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    cached = data(await execute(caching_gateway, SUMMARIES_PAGE))["appointmentsConnection"]
    await rename_appointment(upstream, "Taart op")
    body = data(await execute(caching_gateway, APPOINTMENT_BOTH, {"id": APPOINTMENT_ID}))
    assert body["one"] == node(body["page"], APPOINTMENT_ID)
    assert body["one"]["subject"] == node(cached, APPOINTMENT_ID)["subject"]
    body = data(await execute(caching_gateway, APPOINTMENT_BOTH, {"id": APPOINTMENT_ID}))
    assert body["one"] == node(body["page"], APPOINTMENT_ID)
    assert body["one"]["subject"] == "Taart op" == body["one"]["raw"]["subject"]
