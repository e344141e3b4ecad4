"""The GRS client's wire form of exceptions: FIXED dates read and written in the calendar's zone."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calendar_gateway.upstreams.calendars import (
    BusinessCalendar,
    CalendarException,
    CalendarRef,
    ExceptionType,
    Placement,
    decode_fixed_date,
    exceptions_payload,
    parse_calendar,
    same_exceptions,
)
from calendar_gateway.upstreams.errors import UpstreamError
from calendar_gateway.upstreams.json_object import JsonObject

NEW_YORK = ZoneInfo("America/New_York")
CHRISTMAS_1970_EST = 30949200000  # the vendor page's Christmas: 1970-12-25T05:00Z
TC3_NEW_YORK = (
    1428984000000  # the vendor page's tc3: 2015-04-14T04:00Z, 23:00 the day before in EST
)


def fixed(name: str, epoch_ms: int | None) -> JsonObject:
    return {
        "name": name,
        "type": "HOLIDAY",
        "placement": "FIXED",
        "fixedDate": epoch_ms,
        "annualMonth": 0,
        "annualDay": 0,
        "relativeType": None,
        "relativeDayOfWeek": 0,
        "relativeMonth": 0,
        "timeChangeStartHour": 0,
        "timeChangeStartMin": 0,
        "timeChangeStopHour": 0,
        "timeChangeStopMin": 0,
    }


def body(zone_id: str, *exceptions: JsonObject) -> BusinessCalendar:
    data: dict[str, Any] = {
        "calendarId": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "externalId": "Calendar_117",
        "name": "Dad's Dating Calendar",
        "weekStarts": 2,
        "weekEnds": 6,
        "dayStartsHour": 9,
        "dayStartsMin": 0,
        "dayEndsHour": 17,
        "dayEndsMin": 0,
        "timeZoneId": zone_id,
        "exceptions": list(exceptions),
    }
    return parse_calendar(data)


def holiday_on(name: str, day: date) -> CalendarException:
    return CalendarException(name, ExceptionType.HOLIDAY, Placement.FIXED, fixed_date=day)


@pytest.mark.parametrize(
    ("epoch_ms", "day"),
    [(CHRISTMAS_1970_EST, date(1970, 12, 25)), (TC3_NEW_YORK, date(2015, 4, 14))],
)
def test_a_body_reads_fixed_dates_in_its_own_zone(epoch_ms: int, day: date) -> None:
    [exception] = body("EST", fixed("x", epoch_ms)).exceptions or ()

    assert exception.fixed_date == day


@pytest.mark.parametrize(
    ("local_time", "day"), [(time(11, 59), date(2026, 3, 1)), (time(12, 0), date(2026, 3, 2))]
)
def test_a_fixed_instant_rounds_to_the_nearest_local_midnight(local_time: time, day: date) -> None:
    instant = datetime.combine(date(2026, 3, 1), local_time, NEW_YORK)

    assert decode_fixed_date(int(instant.timestamp() * 1000), NEW_YORK) == day


def test_a_new_fixed_date_is_sent_as_midnight_in_the_calendar_zone() -> None:
    current = body("EST")

    [sent] = exceptions_payload((holiday_on("Xmas", date(1970, 12, 25)),), current)

    assert sent["fixedDate"] == CHRISTMAS_1970_EST


def test_a_kept_exception_goes_back_with_the_instant_grs_stores() -> None:
    current = body("EST", fixed("tc3", TC3_NEW_YORK))

    kept, moved = exceptions_payload(
        (*(current.exceptions or ()), holiday_on("tc3 too", date(2015, 4, 14))), current
    )

    assert kept["fixedDate"] == TC3_NEW_YORK
    assert moved["fixedDate"] == TC3_NEW_YORK + 3600 * 1000  # EST midnight, an hour later


def test_an_unknown_zone_fails_only_a_body_with_fixed_dates() -> None:
    assert body("Mars/Olympus_Mons").exceptions == ()
    with pytest.raises(UpstreamError, match="Mars/Olympus_Mons"):
        body("Mars/Olympus_Mons", fixed("x", CHRISTMAS_1970_EST))


def test_same_exceptions_ignores_the_fields_a_placement_does_not_use() -> None:
    stored = holiday_on("Xmas", date(1970, 12, 25))
    sent = CalendarException(
        "Xmas", ExceptionType.HOLIDAY, Placement.FIXED, fixed_date=stored.fixed_date, annual_day=3
    )

    assert same_exceptions((sent,), (stored,))
    assert not same_exceptions((holiday_on("Xmas", date(1970, 12, 26)),), (stored,))


@given(st.text(), st.text(), st.text())
def test_a_path_quotes_each_part_as_quote_with_nothing_safe(
    tenant: str, package: str, calendar: str
) -> None:
    path = CalendarRef(tenant, package, calendar).path("businesscalendarbody")
    parts = (quote(tenant, safe=""), quote(package, safe=""), quote(calendar, safe=""))
    assert path == "/grs/v1/tenant/{}/package/{}/businesscalendarbody/{}".format(*parts)


@pytest.mark.parametrize("calendar", ["a/b", "x\n", "../up", "caf\u00e9", "id~1_.-Z", "", "a b"])
def test_a_path_quotes_what_quote_quotes(calendar: str) -> None:
    path = CalendarRef("t", "p", calendar).path("calendar")
    assert path == f"/grs/v1/tenant/t/package/p/calendar/{quote(calendar, safe='')}"
