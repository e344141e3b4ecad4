"""One consistent view of bookings and appointments: every read of one in a response agrees,
and the read cache never serves a state older than one the gateway has since seen.

Changes are made directly on the simulators, as another user of the vendor would: the
gateway is not told.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.client import error_codes, execute
from tests.conftest import gateway_client, settings_for

Json = dict[str, Any]

BOOKING_ID = "56570"
BOOKING_FIELDS = "id resource { id } start end raw"
BOOKINGS_BOTH = f"""query($id: ID!) {{
  one: booking(id: $id) {{ {BOOKING_FIELDS} }}
  many: bookings(ids: [$id]) {{ {BOOKING_FIELDS} }}
  all: bookingsInRange(company: "1", from: "2017-07-01", to: "2017-07-31") {{ {BOOKING_FIELDS} }}
}}"""
BOOKINGS_LIST = f"""{{
  bookingsInRange(company: "1", from: "2017-07-01", to: "2017-07-31") {{ {BOOKING_FIELDS} }}
}}"""
BOOKING_ONE = f"query($id: ID!) {{ booking(id: $id) {{ {BOOKING_FIELDS} }} }}"

APPOINTMENT_ID = "1758831"  # "Taart eten", on Henk's calendar on 24 March 2017
APPOINTMENT_FIELDS = "id subject start comment raw"
LISTED = 'appointments(calendarId: "1557367", after: "2017-03-20", before: "2017-03-31")'
APPOINTMENTS_BOTH = f"""query($id: ID!) {{
  one: appointment(id: $id) {{ {APPOINTMENT_FIELDS} }}
  all: {LISTED} {{ {APPOINTMENT_FIELDS} }}
}}"""
APPOINTMENTS_LIST = f"{{ {LISTED} {{ {APPOINTMENT_FIELDS} }} }}"
SUMMARIES = f"{{ {LISTED} {{ id subject start }} }}"
"""List fields alone: the appointments themselves are not read (nor cached)."""
APPOINTMENT_ONE = f"query($id: ID!) {{ appointment(id: $id) {{ {APPOINTMENT_FIELDS} }} }}"
VIEW_AND_ONE = """query($id: ID!) {
  one: appointment(id: $id) { id subject raw }
  view: calendarView(calendarId: "1557367", from: "2017-03-24T00:00:00Z",
                     to: "2017-03-25T00:00:00Z") { appointment { id subject raw } }
}"""


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


def entry(items: list[Json], entity_id: str) -> Json:
    return next(item for item in items if item["id"] == entity_id)


async def synergist(upstream: httpx.AsyncClient, action: str, item: Json) -> None:
    """Another Synergist user's call."""
    form = {
        "user": "user",
        "password": "user",
        "version": "3.9",
        "action": action,
        "input": json.dumps({"data": [item]}),
    }
    response = await upstream.post("/jsonapi/calendar.json", data=form)
    assert response.status_code == 200, response.text
    assert response.json()["success"] is True, response.text


async def move_booking(upstream: httpx.AsyncClient, resource_id: str) -> None:
    """Another Synergist user gives the booking to another resource."""
    await synergist(
        upstream, "update", {"calDiaryInternal": BOOKING_ID, "calResourceId": resource_id}
    )


async def other_resource(gateway: httpx.AsyncClient) -> str:
    current = data(await execute(gateway, BOOKING_ONE, {"id": BOOKING_ID}))["booking"]
    return "405" if current["resource"]["id"] != "405" else "198"


async def rename_appointment(upstream: httpx.AsyncClient, subject: str) -> None:
    """Another Xelion user renames the appointment."""
    xelion = "/api/v1/master"
    login = await upstream.post(
        f"{xelion}/me/login", json={"userName": "demo", "password": "demo", "userSpace": "other"}
    )
    login.raise_for_status()
    headers = {"Authorization": f"xelion {login.json()['authentication']}"}
    operations = [{"op": "replace", "path": "/subject", "value": subject}]
    response = await upstream.patch(
        f"{xelion}/appointments/{APPOINTMENT_ID}", json={"operations": operations}, headers=headers
    )
    response.raise_for_status()


# -- bookings ----------------------------------------------------------------------------------


async def test_one_response_agrees_on_a_booking_changed_elsewhere_and_the_next_shows_it(
    caching_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    moved_to = await other_resource(caching_gateway)
    before = entry(
        data(await execute(caching_gateway, BOOKINGS_LIST))["bookingsInRange"], BOOKING_ID
    )
    await move_booking(upstream, moved_to)
    # The range comes from the cache; the booking itself is read afresh: one answer for both.
    body = data(await execute(caching_gateway, BOOKINGS_BOTH, {"id": BOOKING_ID}))
    assert body["one"] == body["many"][0] == entry(body["all"], BOOKING_ID)
    assert body["one"] == before
    # That fresh read contradicted the cached range: the next request sees the move.
    body = data(await execute(caching_gateway, BOOKINGS_BOTH, {"id": BOOKING_ID}))
    assert body["one"] == body["many"][0] == entry(body["all"], BOOKING_ID)
    assert body["one"]["resource"]["id"] == moved_to
    assert body["one"]["raw"]["calResourceId"] == moved_to


async def test_a_fresh_range_replaces_a_cached_booking_for_the_next_request(
    caching_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    moved_to = await other_resource(caching_gateway)  # the booking is cached
    await move_booking(upstream, moved_to)
    cached = data(await execute(caching_gateway, BOOKING_ONE, {"id": BOOKING_ID}))["booking"]
    assert cached["resource"]["id"] != moved_to  # the cache has not seen the move
    listed = data(await execute(caching_gateway, BOOKINGS_LIST))["bookingsInRange"]
    assert entry(listed, BOOKING_ID)["resource"]["id"] == moved_to
    after = data(await execute(caching_gateway, BOOKING_ONE, {"id": BOOKING_ID}))["booking"]
    assert after == entry(listed, BOOKING_ID)


async def test_a_booking_not_found_evicts_a_cached_range_that_still_shows_it(
    caching_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    listed = data(await execute(caching_gateway, BOOKINGS_LIST))["bookingsInRange"]
    assert BOOKING_ID in [b["id"] for b in listed]
    await synergist(upstream, "delete", {"calDiaryInternal": BOOKING_ID})
    gone = await execute(caching_gateway, BOOKING_ONE, {"id": BOOKING_ID})
    assert error_codes(gone) == ["NOT_FOUND"]
    listed = data(await execute(caching_gateway, BOOKINGS_LIST))["bookingsInRange"]
    assert BOOKING_ID not in [b["id"] for b in listed]


async def test_a_fresh_range_on_one_replica_evicts_the_booking_on_the_other(
    simulator_url: str, upstream: httpx.AsyncClient, redis_url: str, redis_prefix: str
) -> None:
    settings = settings_for(
        simulator_url, cache_ttl_seconds=60, redis_url=redis_url, redis_key_prefix=redis_prefix
    )
    async with gateway_client(settings) as first, gateway_client(settings) as second:
        moved_to = await other_resource(first)  # cached, shared
        await move_booking(upstream, moved_to)
        assert await other_resource(second) == moved_to  # still the cached state
        data(await execute(second, BOOKINGS_LIST))
        after = data(await execute(first, BOOKING_ONE, {"id": BOOKING_ID}))["booking"]
        assert after["resource"]["id"] == moved_to


# -- appointments ------------------------------------------------------------------------------


async def test_one_response_agrees_on_an_appointment_renamed_elsewhere_and_the_next_shows_it(
    caching_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    listed = data(await execute(caching_gateway, SUMMARIES))["appointments"]
    before = entry(listed, APPOINTMENT_ID)
    await rename_appointment(upstream, "Taart op")
    # The list comes from the cache; the appointment itself is read afresh: one answer.
    body = data(await execute(caching_gateway, APPOINTMENTS_BOTH, {"id": APPOINTMENT_ID}))
    assert body["one"] == entry(body["all"], APPOINTMENT_ID)
    assert body["one"]["subject"] == before["subject"] == body["one"]["raw"]["subject"]
    # That fresh read contradicted the cached list: the next request sees the new name.
    body = data(await execute(caching_gateway, APPOINTMENTS_BOTH, {"id": APPOINTMENT_ID}))
    assert body["one"] == entry(body["all"], APPOINTMENT_ID)
    assert body["one"]["subject"] == "Taart op" == body["one"]["raw"]["subject"]


async def test_a_fresh_listing_replaces_a_cached_appointment_for_the_next_request(
    caching_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    data(await execute(caching_gateway, APPOINTMENT_ONE, {"id": APPOINTMENT_ID}))  # cached
    await rename_appointment(upstream, "Taart op")
    cached = data(await execute(caching_gateway, APPOINTMENT_ONE, {"id": APPOINTMENT_ID}))
    assert cached["appointment"]["subject"] == "Taart eten"  # the cache has not seen it
    listed = data(await execute(caching_gateway, APPOINTMENTS_LIST))["appointments"]
    assert entry(listed, APPOINTMENT_ID)["subject"] == "Taart op"
    after = data(await execute(caching_gateway, APPOINTMENT_ONE, {"id": APPOINTMENT_ID}))
    after = after["appointment"]
    assert after["subject"] == "Taart op" == after["raw"]["subject"]


async def test_calendar_view_and_appointment_agree_in_one_response(
    caching_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    data(await execute(caching_gateway, APPOINTMENT_ONE, {"id": APPOINTMENT_ID}))  # cached
    await rename_appointment(upstream, "Taart op")
    body = data(await execute(caching_gateway, VIEW_AND_ONE, {"id": APPOINTMENT_ID}))
    shown = [o["appointment"] for o in body["view"] if o["appointment"]["id"] == APPOINTMENT_ID]
    assert shown == [body["one"]]
    # The view's listing was read afresh, and it is what both show.
    assert body["one"]["subject"] == "Taart op" == body["one"]["raw"]["subject"]
