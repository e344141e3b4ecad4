"""Availability end to end: the gateway over the three simulators, whole and with one down.

The scene: "Another Calendar" (a GRS example the simulator seeds; docs/vendors/grs.md) works
every day 08:30-11:00 in America/Cayman (UTC-05:00 all year), 13:30-16:00 UTC. Synergist's
booking 137463 of Mr.Later (the refresh example; docs/vendors/synergist.md, Answers) is
09:00-11:00 on 7, 8 and 9 November 2017, 14:00-16:00 UTC.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.client import error_codes, execute
from tests.conftest import VENDOR_ROOTS, gateway_client, settings_for

HENK = "1557367"  # the Xelion calendar asked about
SEEDED_BOOKING = "137463"
# Midnight to midnight in Calendar_190's zone (America/Cayman, -05:00 all year).
NOVEMBER_7_TO_9 = {"from": "2017-11-07T00:00:00-05:00", "to": "2017-11-10T00:00:00-05:00"}

AVAILABILITY = """
query Availability($from: DateTime!, $to: DateTime!, $timeZone: String) {
  availability(calendarId: "Calendar_190", resourceId: "405", company: "3",
               appointmentCalendarId: "1557367", from: $from, to: $to, timeZone: $timeZone) {
    from to timeZone complete missing
    workingWindows { start end }
    free { start end }
    busy { start end bookingIds appointmentIds }
    conflicts { kind start end bookingId appointmentId holiday }
    bookings { id }
    appointments { id subject }
  }
}"""

CREATE_APPOINTMENT = """
mutation Create($input: CreateAppointmentInput!) { createAppointment(input: $input) { id } }"""

ADD_HOLIDAY = """
mutation Holiday($exception: CalendarExceptionInput!) {
  addCalendarException(id: "Calendar_190", exception: $exception) { id }
}"""


def span(start: str, end: str) -> dict[str, str]:
    return {"start": f"2017-11-{start}:00+00:00", "end": f"2017-11-{end}:00+00:00"}


async def appointment(gateway: httpx.AsyncClient, subject: str, start: str, end: str) -> str:
    times = span(start, end)
    body = await execute(
        gateway,
        CREATE_APPOINTMENT,
        {"input": {"subject": subject, **times, "calendars": [HENK]}},
    )
    oid: str = body["data"]["createAppointment"]["id"]
    return oid


async def availability(
    gateway: httpx.AsyncClient, variables: dict[str, Any] = NOVEMBER_7_TO_9
) -> dict[str, Any]:
    return await execute(gateway, AVAILABILITY, variables)


async def take_down(upstream: httpx.AsyncClient, path: str) -> None:
    fault = {"path": path, "status": 503, "times": None}
    (await upstream.post("/_admin/faults", json=fault)).raise_for_status()


@pytest.fixture
async def private_gateway(
    simulator_url: str, upstream: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway of its own: the failures it sees open no circuit of the shared one."""
    settings = settings_for(simulator_url, cache_ttl_seconds=0, upstream_retry_attempts=1)
    async with gateway_client(settings) as client:
        yield client


async def test_availability_merges_working_time_bookings_and_appointments(
    gateway: httpx.AsyncClient,
) -> None:
    overlapping = await appointment(gateway, "Overlegt", "08T14:30", "08T15:30")
    after_hours = await appointment(gateway, "Na werktijd", "08T17:00", "08T18:00")
    body = await execute(
        gateway, ADD_HOLIDAY,
        {"exception": {"name": "Day off", "type": "HOLIDAY", "placement": "FIXED",
                       "fixedDate": "2017-11-09"}},
    )  # fmt: skip
    assert "errors" not in body

    answer = (await availability(gateway))["data"]["availability"]

    assert answer["from"] == "2017-11-07T05:00:00+00:00"
    assert answer["timeZone"] == "America/Cayman"
    assert (answer["complete"], answer["missing"]) == (True, [])
    assert answer["workingWindows"] == [span("07T13:30", "07T16:00"), span("08T13:30", "08T16:00")]
    assert answer["free"] == [span("07T13:30", "07T14:00"), span("08T13:30", "08T14:00")]
    assert answer["busy"] == [
        {**span("07T14:00", "07T16:00"), "bookingIds": [SEEDED_BOOKING], "appointmentIds": []},
        {**span("08T14:00", "08T16:00"), "bookingIds": [SEEDED_BOOKING],
         "appointmentIds": [overlapping]},
        {**span("08T17:00", "08T18:00"), "bookingIds": [], "appointmentIds": [after_hours]},
        {**span("09T14:00", "09T16:00"), "bookingIds": [SEEDED_BOOKING], "appointmentIds": []},
    ]  # fmt: skip
    assert answer["conflicts"] == [
        {"kind": "BOOKING_OVERLAPS_APPOINTMENT", **span("08T14:30", "08T15:30"),
         "bookingId": SEEDED_BOOKING, "appointmentId": overlapping, "holiday": None},
        {"kind": "OUTSIDE_WORKING_TIME", **span("08T17:00", "08T18:00"),
         "bookingId": None, "appointmentId": after_hours, "holiday": None},
        {"kind": "ON_HOLIDAY", **span("09T14:00", "09T16:00"),
         "bookingId": SEEDED_BOOKING, "appointmentId": None, "holiday": "Day off"},
    ]  # fmt: skip
    assert answer["bookings"] == [{"id": SEEDED_BOOKING}]
    assert {a["id"] for a in answer["appointments"]} == {overlapping, after_hours}


async def test_bookings_of_other_resources_are_left_out(gateway: httpx.AsyncClient) -> None:
    body = await availability(
        gateway, {"from": "2017-07-10T00:00:00Z", "to": "2017-07-11T00:00:00Z"}
    )
    # Company 3 has bookings only for Mr.Later; company 1's of 10 July are not asked for.
    assert body["data"]["availability"]["bookings"] == []


async def test_one_vendor_down_gives_a_partial_answer_naming_it(
    private_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await take_down(upstream, "calendar.json")
    body = await availability(private_gateway)
    answer = body["data"]["availability"]
    assert (answer["complete"], answer["missing"]) == (False, ["bookings"])
    assert answer["bookings"] is None
    assert answer["workingWindows"] is not None
    assert answer["busy"] == []
    assert (answer["free"], answer["conflicts"]) == (None, None)
    assert [tuple(e["path"]) for e in body["errors"]] == [
        ("availability", "free"),
        ("availability", "conflicts"),
        ("availability", "bookings"),
    ]
    for error in body["errors"]:
        assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        assert error["extensions"]["upstream"] == "bookings"


async def test_appointments_down_still_places_bookings(
    private_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await take_down(upstream, "/api/v1/master/calendars/")
    body = await availability(private_gateway)
    answer = body["data"]["availability"]
    assert answer["missing"] == ["appointments"]
    assert [b["bookingIds"] for b in answer["busy"]] == [[SEEDED_BOOKING]] * 3
    assert {e["extensions"]["upstream"] for e in body["errors"]} == {"appointments"}


async def test_business_calendar_down_nulls_what_it_feeds(
    private_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await take_down(upstream, "businesscalendarbody")
    variables = {**NOVEMBER_7_TO_9, "timeZone": "America/Cayman"}
    body = await availability(private_gateway, variables)
    answer = body["data"]["availability"]
    assert answer["missing"] == ["calendars"]
    assert (answer["workingWindows"], answer["free"], answer["conflicts"]) == (None, None, None)
    assert len(answer["busy"]) == 3
    assert {tuple(e["path"]) for e in body["errors"]} == {
        ("availability", "workingWindows"),
        ("availability", "free"),
        ("availability", "conflicts"),
    }
    assert {e["extensions"]["upstream"] for e in body["errors"]} == {"calendars"}


BUSY_ONLY = """
query Busy($from: DateTime!, $to: DateTime!) {
  availability(calendarId: "Calendar_190", resourceId: "405", company: "3",
               appointmentCalendarId: "1557367", from: $from, to: $to,
               timeZone: "America/Cayman") {
    complete missing
    busy { start end bookingIds appointmentIds }
  }
}"""
SOURCE_PATHS = {
    "calendars": "businesscalendarbody",
    "bookings": "calendar.json",
    "appointments": "/api/v1/master/calendars/",
}


@pytest.mark.parametrize("source", list(SOURCE_PATHS))
async def test_each_source_down_in_turn_gives_no_free_time_and_its_coded_error(
    private_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient, source: str
) -> None:
    await appointment(private_gateway, "Overleg", "08T14:30", "08T15:30")
    await take_down(upstream, SOURCE_PATHS[source])
    variables = {**NOVEMBER_7_TO_9, "timeZone": "America/Cayman"}
    body = await availability(private_gateway, variables)
    answer = body["data"]["availability"]
    assert (answer["complete"], answer["missing"]) == (False, [source])
    assert (answer["free"], answer["conflicts"]) == (None, None)
    # What the others know is still busy: the booking's three days, or the appointment.
    assert answer["busy"] != []
    free_error = next(e for e in body["errors"] if e["path"] == ["availability", "free"])
    assert free_error["extensions"] == {"code": "UPSTREAM_UNAVAILABLE", "upstream": source}


@pytest.mark.parametrize("source", list(SOURCE_PATHS))
async def test_a_failed_source_is_an_error_even_when_no_field_it_feeds_is_asked(
    private_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient, source: str
) -> None:
    await take_down(upstream, SOURCE_PATHS[source])
    body = await execute(private_gateway, BUSY_ONLY, NOVEMBER_7_TO_9)
    assert body["data"]["availability"]["missing"] == [source]
    [error] = body["errors"]
    assert error["path"] == ["availability"]
    assert error["extensions"] == {"code": "UPSTREAM_UNAVAILABLE", "upstream": source}


async def test_every_vendor_refusing_our_login_is_an_error_per_source(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    wrong = {
        f"{vendor}_password": "not-the-password"
        for vendor in ("bookings", "calendars", "appointments")
    }
    settings = settings_for(simulator_url, cache_ttl_seconds=0, **wrong)
    async with gateway_client(settings) as client:
        body = await execute(client, BUSY_ONLY, NOVEMBER_7_TO_9)
    answer = body["data"]["availability"]
    assert (answer["complete"], answer["missing"]) == (False, list(SOURCE_PATHS))
    assert [e["extensions"]["upstream"] for e in body["errors"]] == list(SOURCE_PATHS)
    assert {e["extensions"]["code"] for e in body["errors"]} <= {"UNAUTHENTICATED", "FORBIDDEN"}


async def test_without_the_calendars_zone_bookings_are_left_out_with_a_warning(
    private_gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await take_down(upstream, "businesscalendarbody")
    body = await availability(
        private_gateway, {"from": "2017-11-07T05:00:00Z", "to": "2017-11-10T05:00:00Z"}
    )
    answer = body["data"]["availability"]
    assert (answer["timeZone"], answer["busy"]) == (None, [])
    assert answer["bookings"] == [{"id": SEEDED_BOOKING}]
    assert "Bookings and all-day appointments are left out" in body["extensions"]["warnings"][0]


async def test_a_period_without_offsets_is_refused_naming_both_fields(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    naive = {"from": "2017-11-07T00:00:00", "to": "2017-11-10T00:00:00"}
    body = await availability(gateway, naive)
    assert body.get("data") is None
    assert error_codes(body) == ["BAD_USER_INPUT", "BAD_USER_INPUT"]
    assert [e["extensions"]["field"] for e in body["errors"]] == ["from", "to"]
    assert "must carry an offset" in body["errors"][0]["message"]
    for root in VENDOR_ROOTS:
        stats = (await upstream.get(f"{root}/_admin/stats")).json()["requests"]
        assert sum(stats.values()) == 0, root


async def test_the_three_vendors_are_asked_at_once(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await availability(gateway)  # logs in again to the freshly reset vendors
    for path in ("calendar.json", "businesscalendarbody", "/api/v1/master/calendars/"):
        fault = {"path": path, "delay": 0.5, "times": None}
        (await upstream.post("/_admin/faults", json=fault)).raise_for_status()
    started = time.monotonic()
    body = await availability(gateway)
    assert body["data"]["availability"]["complete"] is True
    # One after another they would take 1.5 s at least.
    assert time.monotonic() - started < 1.2


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"from": "2017-11-10T00:00:00Z", "to": "2017-11-07T00:00:00Z"}, "to"),
        ({"from": "2017-01-01T00:00:00Z", "to": "2017-06-01T00:00:00Z"}, "to"),
        ({"from": "0001-01-01T00:00:00Z", "to": "0001-01-02T00:00:00Z"}, "from"),
        ({**NOVEMBER_7_TO_9, "timeZone": "Mars/Olympus_Mons"}, "timeZone"),
    ],
)
async def test_bad_period_or_zone_is_rejected_before_any_upstream_call(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient, variables: dict[str, Any], field: str
) -> None:
    body = await availability(gateway, variables)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == field
    for root in VENDOR_ROOTS:
        stats = (await upstream.get(f"{root}/_admin/stats")).json()["requests"]
        assert sum(stats.values()) == 0, root
