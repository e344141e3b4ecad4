"""calendarView end to end: recurring appointments as occurrences, and availability over them.

The scene of test_availability.py: "Another Calendar" works 13:30-16:00 UTC every day; the
Xelion calendar is Henk's (1557367). The series are made through the gateway, as a client
would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.client import error_codes, execute
from tests.conftest import gateway_client, settings_for

HENK = "1557367"

CREATE = """
mutation Create($input: CreateAppointmentInput!) { createAppointment(input: $input) { id } }"""

VIEW = """
query View($calendarId: ID!, $from: DateTime!, $to: DateTime!) {
  calendarView(calendarId: $calendarId, from: $from, to: $to) {
    id start end
    appointment { id subject recurrence { type } }
  }
}"""

BUSY = """
query Busy($from: DateTime!, $to: DateTime!) {
  availability(calendarId: "Calendar_190", resourceId: "405", company: "3",
               appointmentCalendarId: "1557367", from: $from, to: $to) {
    complete
    free { start end }
    busy { start end appointmentIds }
    conflicts { kind appointmentId }
  }
}"""


async def weekly_on_mondays(
    gateway: httpx.AsyncClient, start: str, end: str, count: int, **extra: Any
) -> str:
    recurrence = {"type": "WEEKLY", "weekdays": ["MONDAY"], "terminationType": "COUNT"}
    series = {
        "subject": "Weekoverleg",
        "start": start,
        "end": end,
        "calendars": [HENK],
        "recurrence": {**recurrence, "count": count},
        **extra,
    }
    body = await execute(gateway, CREATE, {"input": series})
    assert "errors" not in body, body
    oid: str = body["data"]["createAppointment"]["id"]
    return oid


async def view(gateway: httpx.AsyncClient, start: str, end: str) -> dict[str, Any]:
    return await execute(gateway, VIEW, {"calendarId": HENK, "from": start, "to": end})


async def test_third_occurrence_of_a_weekly_series_is_in_the_view_and_counted_busy(
    gateway: httpx.AsyncClient,
) -> None:
    # Monday 6 November 2017, then the 13th, 20th and 27th.
    oid = await weekly_on_mondays(gateway, "2017-11-06T14:00:00Z", "2017-11-06T15:00:00Z", 4)
    third = {"from": "2017-11-20T00:00:00Z", "to": "2017-11-21T00:00:00Z"}

    body = await view(gateway, third["from"], third["to"])
    [occurrence] = body["data"]["calendarView"]
    assert (occurrence["start"], occurrence["end"]) == (
        "2017-11-20T14:00:00+00:00",
        "2017-11-20T15:00:00+00:00",
    )
    assert occurrence["appointment"] == {
        "id": oid,
        "subject": "Weekoverleg",
        "recurrence": {"type": "WEEKLY"},
    }

    answer = (await execute(gateway, BUSY, third))["data"]["availability"]
    assert answer["complete"] is True
    assert answer["busy"] == [
        {
            "start": "2017-11-20T14:00:00+00:00",
            "end": "2017-11-20T15:00:00+00:00",
            "appointmentIds": [oid],
        }
    ]
    assert answer["free"] == [
        {"start": "2017-11-20T13:30:00+00:00", "end": "2017-11-20T14:00:00+00:00"},
        {"start": "2017-11-20T15:00:00+00:00", "end": "2017-11-20T16:00:00+00:00"},
    ]
    assert answer["conflicts"] == []


async def test_each_occurrence_has_its_own_stable_id_and_the_series_ends_with_its_count(
    gateway: httpx.AsyncClient,
) -> None:
    oid = await weekly_on_mondays(gateway, "2017-11-06T14:00:00Z", "2017-11-06T15:00:00Z", 4)
    month = ("2017-11-01T00:00:00Z", "2017-12-31T00:00:00Z")
    found = (await view(gateway, *month))["data"]["calendarView"]
    mine = [o for o in found if o["appointment"]["id"] == oid]
    assert [o["start"][:10] for o in mine] == [
        "2017-11-06",
        "2017-11-13",
        "2017-11-20",
        "2017-11-27",
    ]
    assert len({o["id"] for o in mine}) == 4
    again = (await view(gateway, *month))["data"]["calendarView"]
    assert [o["id"] for o in again if o["appointment"]["id"] == oid] == [o["id"] for o in mine]


async def test_appointments_still_lists_a_series_once(gateway: httpx.AsyncClient) -> None:
    oid = await weekly_on_mondays(gateway, "2017-11-06T14:00:00Z", "2017-11-06T15:00:00Z", 4)
    query = """query { appointments(calendarId: "1557367", after: "2017-11-13",
                                     before: "2017-11-30", first: 50) { id start } }"""
    listed = (await execute(gateway, query))["data"]["appointments"]
    assert [a for a in listed if a["id"] == oid] == [
        {"id": oid, "start": "2017-11-06T14:00:00+00:00"}
    ]


@pytest.fixture
async def amsterdam_gateway(
    simulator_url: str, upstream: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(
        simulator_url, cache_ttl_seconds=0, appointments_timezone="Europe/Amsterdam"
    )
    async with gateway_client(settings) as client:
        yield client


async def test_a_weekly_nine_oclock_stays_nine_oclock_local_across_the_dst_change(
    amsterdam_gateway: httpx.AsyncClient,
) -> None:
    # Amsterdam moves to summer time on Sunday 26 March 2017.
    await weekly_on_mondays(
        amsterdam_gateway, "2017-03-20T09:00:00+01:00", "2017-03-20T10:00:00+01:00", 3
    )
    body = await view(amsterdam_gateway, "2017-03-20T00:00:00Z", "2017-04-04T00:00:00Z")
    starts = [o["start"] for o in body["data"]["calendarView"] if o["appointment"]["subject"]
              == "Weekoverleg"]  # fmt: skip
    assert starts == [
        "2017-03-20T08:00:00+00:00",
        "2017-03-27T07:00:00+00:00",
        "2017-04-03T07:00:00+00:00",
    ]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2017-11-21T00:00:00Z", "2017-11-20T00:00:00Z", "to"),
        ("2017-01-01T00:00:00Z", "2017-06-01T00:00:00Z", "to"),
    ],
)
async def test_a_bad_window_is_rejected(
    gateway: httpx.AsyncClient, start: str, end: str, field: str
) -> None:
    body = await view(gateway, start, end)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == field


async def test_a_calendar_id_that_is_no_oid_is_rejected(gateway: httpx.AsyncClient) -> None:
    query = """query { calendarView(calendarId: "../me", from: "2017-11-20T00:00:00Z",
                                    to: "2017-11-21T00:00:00Z") { id } }"""
    body = await execute(gateway, query)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "calendarId"


@pytest.fixture
async def capped_gateway(
    simulator_url: str, upstream: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(simulator_url, cache_ttl_seconds=0, max_occurrences=12)
    async with gateway_client(settings) as client:
        yield client


async def daily(gateway: httpx.AsyncClient, start: str, end: str, count: int) -> str:
    recurrence = {"type": "DAILY", "terminationType": "COUNT", "count": count}
    series = {"subject": "Daily", "start": start, "end": end, "calendars": [HENK]}
    body = await execute(gateway, CREATE, {"input": {**series, "recurrence": recurrence}})
    assert "errors" not in body, body
    oid: str = body["data"]["createAppointment"]["id"]
    return oid


async def test_a_view_over_more_occurrences_than_max_occurrences_is_bad_input_on_to(
    capped_gateway: httpx.AsyncClient,
) -> None:
    oid = await daily(capped_gateway, "2017-11-06T14:00:00Z", "2017-11-06T15:00:00Z", 60)
    two_days = await view(capped_gateway, "2017-11-20T00:00:00Z", "2017-11-22T00:00:00Z")
    assert "errors" not in two_days, two_days
    mine = [o for o in two_days["data"]["calendarView"] if o["appointment"]["id"] == oid]
    assert [o["start"][:10] for o in mine] == ["2017-11-20", "2017-11-21"]

    month = await view(capped_gateway, "2017-11-06T00:00:00Z", "2017-12-06T00:00:00Z")
    assert error_codes(month) == ["BAD_USER_INPUT"]
    assert month["errors"][0]["extensions"]["field"] == "to"
    assert "more than 12 occurrences" in month["errors"][0]["message"]


async def test_max_occurrences_bounds_the_whole_request_not_each_view(
    capped_gateway: httpx.AsyncClient,
) -> None:
    await daily(capped_gateway, "2017-11-06T14:00:00Z", "2017-11-06T15:00:00Z", 60)
    query = """query {
      a: calendarView(calendarId: "1557367", from: "2017-11-20T00:00:00Z",
                      to: "2017-11-22T00:00:00Z") { id }
      b: calendarView(calendarId: "1557367", from: "2017-11-27T00:00:00Z",
                      to: "2017-11-29T00:00:00Z") { id }
    }"""
    body = await execute(capped_gateway, query)
    assert error_codes(body)
    assert set(error_codes(body)) == {"BAD_USER_INPUT"}
