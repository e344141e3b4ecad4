"""Time that means one instant everywhere, and input errors a form can use: over real HTTP."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import httpx

from tests.client import error_codes, execute
from tests.conftest import VENDOR_ROOTS, gateway_client, settings_for

Json = dict[str, Any]
CREATE_BOOKING = """
mutation($input: CreateBookingInput!) { createBooking(input: $input) { bookings { id start } } }"""
CREATE_APPOINTMENT = """
mutation($input: CreateAppointmentInput!) {
  createAppointment(input: $input) { id start end startDate endDate }
}"""
# An RFC 3339 date-time with its offset, as DateTime answers must be.
WITH_OFFSET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)")


def only_error(body: Json) -> Json:
    assert len(body.get("errors", [])) == 1, body
    error: Json = body["errors"][0]
    return error


async def upstream_calls(upstream: httpx.AsyncClient) -> int:
    total = 0
    for root in VENDOR_ROOTS:
        total += sum((await upstream.get(f"{root}/_admin/stats")).json()["requests"].values())
    return total


async def test_a_create_with_three_invalid_fields_gets_three_field_errors(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    booking = {
        "timeSummaryId": " ",
        "resourceId": "198",
        "start": "2020-05-05T09:00:00",
        "end": "2020-05-04T09:00:00",
        "numberOfDays": 0,
    }
    extensions = only_error(await execute(gateway, CREATE_BOOKING, {"input": booking}))[
        "extensions"
    ]
    problems = [(e["field"], e["code"]) for e in extensions["fieldErrors"]]
    assert problems == [
        ("timeSummaryId", "REQUIRED"),
        ("numberOfDays", "CONFLICT"),
        ("end", "OUT_OF_RANGE"),
        ("numberOfDays", "OUT_OF_RANGE"),
    ]
    assert (extensions["code"], extensions["field"]) == ("BAD_USER_INPUT", "timeSummaryId")
    assert all(e["message"] for e in extensions["fieldErrors"])
    assert await upstream_calls(upstream) == 0


async def test_an_appointment_with_each_side_wrong_names_every_field(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    new = {
        "subject": "x",
        "start": "2025-06-15T10:00:00Z",
        "startDate": "2025-06-15",
        "calendars": ["not-an-oid"],
    }
    extensions = only_error(await execute(gateway, CREATE_APPOINTMENT, {"input": new}))[
        "extensions"
    ]
    assert [(e["field"], e["code"]) for e in extensions["fieldErrors"]] == [
        ("startDate", "CONFLICT"),
        ("end", "REQUIRED"),
        ("calendars", "INVALID"),
    ]
    assert await upstream_calls(upstream) == 0


async def test_an_end_before_the_start_is_listed_with_the_other_problems(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    new = {
        "subject": "x",
        "start": "2025-06-15T10:00:00Z",
        "startDate": "2025-06-15",
        "end": "2025-06-15T09:00:00Z",
    }
    extensions = only_error(await execute(gateway, CREATE_APPOINTMENT, {"input": new}))[
        "extensions"
    ]
    assert [(e["field"], e["code"]) for e in extensions["fieldErrors"]] == [
        ("startDate", "CONFLICT"),
        ("end", "OUT_OF_RANGE"),
    ]
    assert await upstream_calls(upstream) == 0


async def test_an_unknown_time_summary_is_bad_user_input_on_its_field(
    gateway: httpx.AsyncClient,
) -> None:
    booking = {"timeSummaryId": "1", "resourceId": "198", "start": "2020-05-05T09:00:00"}
    body = await execute(gateway, CREATE_BOOKING, {"input": {**booking, "numberOfDays": 1}})
    extensions = only_error(body)["extensions"]
    assert (extensions["code"], extensions["field"]) == ("BAD_USER_INPUT", "timeSummaryId")
    assert [e["code"] for e in extensions["fieldErrors"]] == ["NOT_FOUND"]


async def test_an_unknown_resource_is_bad_user_input_on_its_field(
    gateway: httpx.AsyncClient,
) -> None:
    booking = {"timeSummaryId": "1014302", "resourceId": "9999", "start": "2020-05-05T09:00:00"}
    body = await execute(gateway, CREATE_BOOKING, {"input": {**booking, "numberOfDays": 1}})
    assert only_error(body)["extensions"]["field"] == "resourceId"


async def test_a_code_not_configured_as_unknown_id_stays_upstream_error(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    settings = settings_for(simulator_url, bookings_not_found_codes={"2003": "resource"})
    booking = {"timeSummaryId": "1", "resourceId": "198", "start": "2020-05-05T09:00:00"}
    async with gateway_client(settings) as gateway:
        body = await execute(gateway, CREATE_BOOKING, {"input": {**booking, "numberOfDays": 1}})
    extensions = only_error(body)["extensions"]
    assert (extensions["code"], extensions["upstreamCode"]) == ("UPSTREAM_ERROR", "2002")
    assert "field" not in extensions


async def test_a_date_time_without_offset_is_refused_naming_its_field(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    new = {"subject": "x", "start": "2025-06-15T10:00:00", "end": "2025-06-15T11:00:00+02:00"}
    error = only_error(await execute(gateway, CREATE_APPOINTMENT, {"input": new}))
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (
        "BAD_USER_INPUT",
        "start",
    )
    assert "must carry an offset" in error["message"]
    assert await upstream_calls(upstream) == 0


async def test_every_refused_date_time_of_a_variable_is_listed_with_each(
    gateway: httpx.AsyncClient,
) -> None:
    new = {"subject": "x", "start": "2025-06-15T10:00:00", "end": "2025-06-15 11:00"}
    body = await execute(gateway, CREATE_APPOINTMENT, {"input": new})
    assert error_codes(body) == ["BAD_USER_INPUT", "BAD_USER_INPUT"]
    for error in body["errors"]:
        assert [e["field"] for e in error["extensions"]["fieldErrors"]] == ["start", "end"]


async def test_an_offset_on_a_synergist_local_time_is_refused(
    gateway: httpx.AsyncClient,
) -> None:
    booking = {"timeSummaryId": "1014302", "resourceId": "198", "numberOfDays": 1}
    body = await execute(
        gateway, CREATE_BOOKING, {"input": {**booking, "start": "2020-05-05T09:00:00+02:00"}}
    )
    assert only_error(body)["extensions"]["field"] == "start"


async def test_date_time_answers_always_carry_an_offset(gateway: httpx.AsyncClient) -> None:
    query = """{
      a: appointment(id: "1758518") { start end recurrence { first last } }
      b: appointment(id: "1627500") { start end startDate endDate }
      appointments(calendarId: "1557367", after: "2017-01-01", before: "2030-01-01", first: 50) {
        start end startDate endDate allDayStart allDayEnd }
      businessCalendar(id: "Calendar_117") {
        nextWorkingTime(after: "2026-11-26T12:00:00-05:00")
        workingWindows(from: "2026-11-23T00:00:00-05:00", to: "2026-11-25T00:00:00-05:00") {
          start end }
      }
    }"""
    body = await execute(gateway, query)
    assert "errors" not in body, body
    found = body["data"]
    instants = [found["a"]["start"], found["a"]["end"], found["a"]["recurrence"]["first"]]
    instants.append(found["businessCalendar"]["nextWorkingTime"])
    for window in found["businessCalendar"]["workingWindows"]:
        instants += [window["start"], window["end"]]
    for listed in found["appointments"]:
        for side, flag in (("start", "allDayStart"), ("end", "allDayEnd")):
            # A side is an instant or a date, never both, never a zone-less time.
            assert (listed[side] is None) == listed[flag], listed
            assert (listed[f"{side}Date"] is None) == (not listed[flag]), listed
            if listed[side] is not None:
                instants.append(listed[side])
    assert all(WITH_OFFSET.fullmatch(value) for value in instants), instants
    assert all(datetime.fromisoformat(value).utcoffset() is not None for value in instants)
    assert (found["b"]["start"], found["b"]["startDate"]) == (None, "2018-12-27")


async def test_an_unknown_booking_is_not_found_naming_its_id(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, "query($id: ID!) { booking(id: $id) { id } }", {"id": "999999"})
    extensions = only_error(body)["extensions"]
    assert (extensions["code"], extensions["upstream"], extensions["field"]) == (
        "NOT_FOUND",
        "bookings",
        "id",
    )


async def test_a_recurrence_interval_of_zero_is_refused_before_xelion_naming_it(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    new = {
        "subject": "x",
        "start": "2025-06-16T09:00:00Z",
        "end": "2025-06-16T10:00:00Z",
        "recurrence": {"type": "WEEKLY", "interval": 0, "terminationType": "COUNT", "count": 0},
    }
    extensions = only_error(await execute(gateway, CREATE_APPOINTMENT, {"input": new}))[
        "extensions"
    ]
    assert [(e["field"], e["code"]) for e in extensions["fieldErrors"]] == [
        ("recurrence.interval", "OUT_OF_RANGE"),
        ("recurrence.count", "OUT_OF_RANGE"),
    ]
    assert (extensions["code"], extensions["field"]) == ("BAD_USER_INPUT", "recurrence.interval")
    assert await upstream_calls(upstream) == 0


async def test_a_page_size_out_of_range_is_out_of_range(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, "{ businessCalendarsConnection(first: 0) { totalCount } }")
    extensions = only_error(body)["extensions"]
    assert (extensions["code"], extensions["field"]) == ("BAD_USER_INPUT", "first")
    assert [e["code"] for e in extensions["fieldErrors"]] == ["OUT_OF_RANGE"]


async def test_a_new_series_ending_on_a_date_or_count_must_state_it(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    new = {"subject": "x", "start": "2025-06-16T09:00:00Z", "end": "2025-06-16T10:00:00Z"}
    for ends, field in (("DATE", "recurrence.terminationDate"), ("COUNT", "recurrence.count")):
        recurrence = {"type": "WEEKLY", "terminationType": ends}
        body = await execute(
            gateway, CREATE_APPOINTMENT, {"input": {**new, "recurrence": recurrence}}
        )
        extensions = only_error(body)["extensions"]
        assert (extensions["code"], extensions["field"]) == ("BAD_USER_INPUT", field)
        assert [e["code"] for e in extensions["fieldErrors"]] == ["REQUIRED"]
    assert await upstream_calls(upstream) == 0


async def test_a_date_time_without_offset_written_in_the_query_is_refused_the_same(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    written = """mutation { createAppointment(input: {
      subject: "x", start: "2025-06-15T10:00:00", end: "2025-06-15T11:00:00+02:00",
      recurrence: {type: WEEKLY, first: "2025-06-15 10:00"} }) { id } }"""
    body = await execute(gateway, written)
    assert error_codes(body) == ["BAD_USER_INPUT", "BAD_USER_INPUT"]
    assert [e["extensions"]["field"] for e in body["errors"]] == ["start", "recurrence.first"]
    for error in body["errors"]:
        listed = error["extensions"]["fieldErrors"]
        assert [e["field"] for e in listed] == ["start", "recurrence.first"]
    assert "must carry an offset" in body["errors"][0]["message"]
    assert await upstream_calls(upstream) == 0


async def test_a_date_time_argument_written_without_offset_names_the_argument(
    gateway: httpx.AsyncClient,
) -> None:
    written = """{ businessCalendar(id: "Calendar_117") {
      nextWorkingTime(after: "2026-11-26T12:00:00") } }"""
    extensions = only_error(await execute(gateway, written))["extensions"]
    assert (extensions["code"], extensions["field"]) == ("BAD_USER_INPUT", "after")


async def test_a_refused_variable_field_is_named_by_its_path_in_the_input(
    gateway: httpx.AsyncClient,
) -> None:
    new = {
        "subject": "x",
        "start": "2025-06-15T10:00:00Z",
        "end": "2025-06-15T11:00:00Z",
        "recurrence": {"type": "WEEKLY", "first": "2025-06-15T10:00:00"},
    }
    extensions = only_error(await execute(gateway, CREATE_APPOINTMENT, {"input": new}))[
        "extensions"
    ]
    assert (extensions["code"], extensions["field"]) == ("BAD_USER_INPUT", "recurrence.first")
