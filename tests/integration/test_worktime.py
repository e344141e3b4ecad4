"""Working time of the seeded business calendars, through the gateway's GraphQL.

"Dad's Dating Calendar" (a GRS example the simulator seeds; docs/vendors/grs.md) works Friday
and Saturday 17:30-23:00 in Java's fixed EST (-05:00), with New Year's Day off and every Sunday of
January 03:00-19:00.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.client import error_codes, execute

DADS = "dcc4a39b-3442-4408-a907-b85c44663681"

OCCURRENCES = """
query Occurrences($from: Date!, $to: Date!) {
  businessCalendar(id: "Calendar_117") {
    exceptions { name occurrences(from: $from, to: $to) }
  }
}"""

WINDOWS = """
query Windows($from: DateTime!, $to: DateTime!) {
  businessCalendar(id: "Calendar_117") {
    workingWindows(from: $from, to: $to) { start end hours }
    workingHoursBetween(from: $from, to: $to)
  }
}"""

IS_WORKING = """
query IsWorking($at: DateTime!) {
  businessCalendar(id: "Calendar_117") { isWorkingTime(at: $at) }
}"""

NEXT = """
query Next($after: DateTime!) {
  businessCalendar(id: "Calendar_117") { nextWorkingTime(after: $after) }
}"""


async def occurrences_of(gateway: httpx.AsyncClient, name: str, first: str, last: str) -> Any:
    body = await execute(gateway, OCCURRENCES, {"from": first, "to": last})
    exceptions = body["data"]["businessCalendar"]["exceptions"]
    return next(e["occurrences"] for e in exceptions if e["name"] == name)


async def test_thanksgiving_falls_on_the_fourth_thursday_of_november(
    gateway: httpx.AsyncClient,
) -> None:
    found = await occurrences_of(gateway, "Thanksgiving", "2023-01-01", "2025-12-31")
    assert found == ["2023-11-23", "2024-11-28", "2025-11-27"]


async def test_christmas_fixed_date_is_25_december_1970_and_no_other_year(
    gateway: httpx.AsyncClient,
) -> None:
    # fixedDate 30949200000 = 1970-12-25T05:00Z, midnight in the calendar's EST.
    found = await occurrences_of(gateway, "Christmas", "1969-01-01", "1972-12-31")
    assert found == ["1970-12-25"]


async def test_annual_exception_falls_on_its_day_every_year(gateway: httpx.AsyncClient) -> None:
    found = await occurrences_of(gateway, "My Dad's birthday !", "2024-05-20", "2026-05-19")
    assert found == ["2024-05-20", "2025-05-20"]


async def test_working_windows_leave_out_holidays_and_follow_time_changes(
    gateway: httpx.AsyncClient,
) -> None:
    # Friday 1 January 2027 is New Year's Day; Sunday 3 January works 03:00-19:00 (TC2).
    body = await execute(
        gateway, WINDOWS, {"from": "2027-01-01T00:00:00-05:00", "to": "2027-01-04T00:00:00-05:00"}
    )
    calendar = body["data"]["businessCalendar"]
    assert calendar["workingWindows"] == [
        {"start": "2027-01-02T22:30:00+00:00", "end": "2027-01-03T04:00:00+00:00", "hours": 5.5},
        {"start": "2027-01-03T08:00:00+00:00", "end": "2027-01-04T00:00:00+00:00", "hours": 16.0},
    ]
    assert calendar["workingHoursBetween"] == 21.5


async def test_the_offset_decides_the_instant(gateway: httpx.AsyncClient) -> None:
    local = await execute(gateway, IS_WORKING, {"at": "2027-01-08T18:00:00-05:00"})
    utc = await execute(gateway, IS_WORKING, {"at": "2027-01-08T18:00:00Z"})
    assert local["data"]["businessCalendar"]["isWorkingTime"] is True
    assert utc["data"]["businessCalendar"]["isWorkingTime"] is False


async def test_a_date_time_without_offset_is_refused(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, IS_WORKING, {"at": "2027-01-08T18:00:00"})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "at"


async def test_next_working_time_skips_a_holiday(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, NEXT, {"after": "2027-01-01T12:00:00-05:00"})
    assert body["data"]["businessCalendar"]["nextWorkingTime"] == "2027-01-02T22:30:00+00:00"


async def test_calendar_from_the_list_reads_its_exceptions_for_working_time(
    gateway: httpx.AsyncClient,
) -> None:
    query = """{ businessCalendars {
      id newYear: isWorkingTime(at: "2027-01-01T18:00:00-05:00")
      weekLater: isWorkingTime(at: "2027-01-08T18:00:00-05:00") } }"""
    body = await execute(gateway, query)
    dads = next(c for c in body["data"]["businessCalendars"] if c["id"] == DADS)
    assert dads == {"id": DADS, "newYear": False, "weekLater": True}


async def test_period_ending_before_it_starts_is_bad_user_input(
    gateway: httpx.AsyncClient,
) -> None:
    body = await execute(
        gateway, WINDOWS, {"from": "2027-01-04T00:00:00Z", "to": "2027-01-01T00:00:00Z"}
    )
    assert set(error_codes(body)) == {"BAD_USER_INPUT"}
    assert {e["extensions"]["field"] for e in body["errors"]} == {"to"}


async def test_period_longer_than_a_year_is_bad_user_input(gateway: httpx.AsyncClient) -> None:
    body = await execute(
        gateway, WINDOWS, {"from": "2027-01-01T00:00:00Z", "to": "2028-01-03T00:00:00Z"}
    )
    assert set(error_codes(body)) == {"BAD_USER_INPUT"}


async def test_occurrences_over_ten_thousand_years_is_bad_user_input(
    gateway: httpx.AsyncClient,
) -> None:
    body = await execute(gateway, OCCURRENCES, {"from": "0001-01-01", "to": "9999-12-31"})
    assert set(error_codes(body)) == {"BAD_USER_INPUT"}
    assert body["errors"][0]["extensions"]["field"] == "from"


async def test_instant_at_the_end_of_time_is_bad_user_input_not_an_overflow(
    gateway: httpx.AsyncClient,
) -> None:
    body = await execute(gateway, NEXT, {"after": "9999-12-31T23:59:59-05:00"})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "after"
