"""The worktime engine against the minute-by-minute oracle, on generated calendars and ranges.

Also the GRS client's reading of FIXED dates, which the engine's exceptions arrive with.

Ranges cluster on the DST changes of New York, Amsterdam and Lord Howe (a half-hour change), and
calendars on the wall times those changes skip or repeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_gateway.services.worktime import (
    is_working_time,
    next_working_time,
    occurrences,
    working_hours_between,
    working_windows,
)
from calendar_gateway.timezones import resolve_zone
from calendar_gateway.upstreams.calendars import (
    BusinessCalendar,
    CalendarException,
    ExceptionType,
    Placement,
    RelativeType,
    decode_fixed_date,
    encode_fixed_date,
)
from calendar_gateway.upstreams.weekday import Weekday
from tests.unit.worktime_oracle import (
    falls_on,
    fixed_ms_falls_on,
    grs_weekday,
    runs,
    working_minutes,
    zone_of,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DST_CHANGES = {
    "America/New_York": ["2025-03-09", "2025-11-02", "2026-03-08", "2026-11-01", "2027-03-14"],
    "Europe/Amsterdam": ["2025-03-30", "2025-10-26", "2026-03-29", "2026-10-25", "2027-03-28"],
    "Australia/Lord_Howe": ["2025-04-06", "2025-10-05", "2026-04-05", "2026-10-04"],
}
ZONE_IDS = [
    *["America/New_York", "Europe/Amsterdam"] * 3,
    "Australia/Lord_Howe",
    "EST",
    "UTC",
    "Asia/Kolkata",
]
LEAP_YEAR_DATES = [date(2024, 2, 28), date(2024, 2, 29), date(2025, 2, 28), date(2025, 12, 31)]
# Around the DST changes: midnight, the skipped and repeated hours, and the day's last minute.
SPECIAL_TIMES = [time(h, m) for h in (0, 1, 2, 3) for m in (0, 30)] + [time(12), time(23, 59)]
INPUT_ZONES: list[tzinfo] = [UTC, ZoneInfo("Europe/Amsterdam"), timezone(timedelta(hours=5.5))]

RANGE_LENGTHS = [1, 60, 240, 1440, 2 * 1440, 3 * 1440, 5 * 1440, 7 * 1440]

PROPERTY = settings(derandomize=True, database=None, deadline=None)


def utc_minute(minute: int) -> datetime:
    return EPOCH + timedelta(minutes=minute)


@dataclass(frozen=True)
class Scenario:
    calendar: BusinessCalendar
    start_minute: int
    end_minute: int
    input_zone: tzinfo

    @property
    def start(self) -> datetime:
        return self.at(self.start_minute)

    @property
    def end(self) -> datetime:
        return self.at(self.end_minute)

    def at(self, minute: int, second: int = 0) -> datetime:
        return utc_minute(minute).replace(second=second).astimezone(self.input_zone)

    def working_minutes(self) -> bytearray:
        return working_minutes(self.calendar, self.start_minute, self.end_minute)


# Strategies are built once here: building them inside each draw costs more than the tests.
DST_DATES = {
    zone_id: st.sampled_from([date.fromisoformat(d) for d in days])
    for zone_id, days in DST_CHANGES.items()
}
OTHER_ANCHORS = st.one_of(
    st.sampled_from(LEAP_YEAR_DATES), st.dates(date(1995, 1, 1), date(2035, 12, 31))
)
WALL_TIMES = st.one_of(
    st.sampled_from(SPECIAL_TIMES), st.builds(time, st.integers(0, 23), st.integers(0, 59))
)
ONE_IN_TEN = st.integers(0, 9)
ZONES = st.sampled_from(ZONE_IDS)
WEEKDAYS = st.sampled_from(Weekday)
TYPES = st.sampled_from(ExceptionType)
PLACEMENTS = st.sampled_from(Placement)
RELATIVE_TYPES = st.sampled_from([*RelativeType, None])
# Minutes from the anchor's local midnight: mostly before it, so that a DST change that night
# (at 02:00 or 03:00) falls inside.
STARTS = st.one_of(st.integers(-3 * 1440, 60), st.integers(-300, 60))
# Hypothesis favours small integers, but most ranges should span days.
LENGTHS = st.tuples(st.sampled_from(RANGE_LENGTHS), st.integers(0, 59)).map(sum)
# A FIXED instant around a midnight, far enough either side to reach the rounding at noon.
FIXED_OFFSETS_MS = st.integers(-15 * 3600 * 1000, 15 * 3600 * 1000)
DAY_OFFSETS = st.integers(-4, 7)
EXCEPTION_COUNTS = st.integers(0, 4)
ANNUAL_CHOICES = st.integers(0, 4)
MONTHS = st.integers(1, 12)
DAYS_OF_MONTH = st.integers(1, 31)
LATE_DAYS_OF_MONTH = st.integers(28, 31)
BAD_MONTHS = st.sampled_from([None, 0, 13])
CHOICES_OF_FOUR = st.integers(0, 3)
BOOLEANS = st.booleans()
SECONDS = st.integers(0, 59)
INPUT_ZONE_CHOICES = st.sampled_from(INPUT_ZONES)
OCCURRENCE_DAYS_BEFORE = st.integers(0, 60)
OCCURRENCE_RANGE_DAYS = st.integers(0, 120)


def draw_anchor(draw: st.DrawFn, zone_id: str) -> date:
    """The date a range or an exception is placed near: mostly a DST change, if the zone has any."""
    if zone_id in DST_DATES and draw(CHOICES_OF_FOUR) < 3:
        return draw(DST_DATES[zone_id])
    return draw(OTHER_ANCHORS)


def draw_hours(draw: st.DrawFn) -> tuple[time, time]:
    opening, closing = draw(WALL_TIMES), draw(WALL_TIMES)
    # Equal ends make a 24-hour day: keep them to one draw in ten.
    if draw(ONE_IN_TEN) == 0:
        return opening, opening
    if closing == opening:
        closing = (datetime.combine(date.min, opening) + timedelta(minutes=1)).time()
    return opening, closing


def draw_fixed(draw: st.DrawFn, day: date) -> dict[str, Any]:
    return {"fixed_date": None if draw(ONE_IN_TEN) == 0 else day}


def draw_annual(draw: st.DrawFn, day: date) -> dict[str, Any]:
    choice = draw(ANNUAL_CHOICES)
    month: int | None
    if choice == 0:
        month, wanted = day.month, day.day
    elif choice == 1:
        month, wanted = day.month, draw(LATE_DAYS_OF_MONTH)
    elif choice == 2:
        month, wanted = 2, 29
    else:
        month, wanted = draw(MONTHS if choice == 3 else BAD_MONTHS), draw(DAYS_OF_MONTH)
    return {"annual_month": month, "annual_day": wanted}


def draw_relative(draw: st.DrawFn, day: date) -> dict[str, Any]:
    weekday = Weekday(grs_weekday(day)) if draw(BOOLEANS) else draw(WEEKDAYS)
    return {
        "relative_type": _relative_type_of(day) if draw(BOOLEANS) else draw(RELATIVE_TYPES),
        "relative_day_of_week": weekday,
        "relative_month": [0, day.month, day.month % 12 + 1, 13][draw(CHOICES_OF_FOUR)],
    }


def _relative_type_of(day: date) -> RelativeType:
    if (day + timedelta(days=7)).month != day.month:
        return RelativeType.LAST
    return [RelativeType.FIRST, RelativeType.SECOND, RelativeType.THIRD, RelativeType.FOURTH][
        (day.day - 1) // 7
    ]


DRAW_PLACEMENT = {
    Placement.FIXED: draw_fixed,
    Placement.ANNUAL: draw_annual,
    Placement.RELATIVE: draw_relative,
}


def draw_exception(draw: st.DrawFn, anchor: date) -> CalendarException:
    """An exception placed, most of the time, on a date near ``anchor``."""
    kind, placement = draw(TYPES), draw(PLACEMENTS)
    day = anchor + timedelta(days=draw(DAY_OFFSETS))
    opening, closing = draw_hours(draw)
    return CalendarException(
        name="generated",
        type=kind,
        placement=placement,
        time_change_start=opening,
        time_change_stop=closing,
        **DRAW_PLACEMENT[placement](draw, day),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    zone_id = draw(ZONES)
    anchor = draw_anchor(draw, zone_id)
    midnight = datetime.combine(anchor, time(0), zone_of(zone_id))
    start_minute = int(midnight.timestamp()) // 60 + draw(STARTS)
    opening, closing = draw_hours(draw)
    calendar = BusinessCalendar(
        id="generated",
        external_id=None,
        name="generated",
        locked=False,
        lock_owner=None,
        week_starts=draw(WEEKDAYS),
        week_ends=draw(WEEKDAYS),
        day_starts=opening,
        day_ends=closing,
        time_zone_id=zone_id,
        exceptions=tuple(draw_exception(draw, anchor) for _ in range(draw(EXCEPTION_COUNTS))),
        raw={},
    )
    input_zone = draw(INPUT_ZONE_CHOICES)
    return Scenario(calendar, start_minute, start_minute + draw(LENGTHS), input_zone)


@st.composite
def scenarios_with_a_minute(draw: st.DrawFn) -> tuple[Scenario, int, int]:
    scenario = draw(scenarios())
    index = draw(st.integers(0, scenario.end_minute - scenario.start_minute - 1))
    return scenario, index, draw(SECONDS)


@settings(PROPERTY, max_examples=4000)
@given(scenarios())
def test_working_windows_are_the_oracles_stretches_of_working_minutes(scenario: Scenario) -> None:
    windows = working_windows(scenario.calendar, scenario.start, scenario.end)

    expected = [
        (utc_minute(scenario.start_minute + first), utc_minute(scenario.start_minute + last))
        for first, last in runs(scenario.working_minutes())
    ]
    # Compared in UTC: datetimes of different zones are never equal at an ambiguous wall time.
    assert [(w.start, w.end) for w in windows] == expected


@settings(PROPERTY, max_examples=2000)
@given(scenarios())
def test_working_hours_between_are_the_oracles_working_minutes(scenario: Scenario) -> None:
    hours = working_hours_between(scenario.calendar, scenario.start, scenario.end)

    assert hours == scenario.working_minutes().count(1) / 60


@settings(PROPERTY, max_examples=2000)
@given(scenarios_with_a_minute())
def test_is_working_time_agrees_with_the_oracle(case: tuple[Scenario, int, int]) -> None:
    scenario, index, second = case

    working = is_working_time(scenario.calendar, scenario.at(scenario.start_minute + index, second))

    assert working == bool(scenario.working_minutes()[index])


@settings(PROPERTY, max_examples=2000)
@given(scenarios_with_a_minute())
def test_next_working_time_is_the_oracles_next_working_minute(
    case: tuple[Scenario, int, int],
) -> None:
    scenario, index, second = case
    after = scenario.at(scenario.start_minute + index, second)

    found = next_working_time(scenario.calendar, after, horizon_days=10)

    marks = scenario.working_minutes()
    following = marks.find(1, index + 1)
    if marks[index]:
        assert found == after.astimezone(UTC)
    elif following != -1:
        assert found == utc_minute(scenario.start_minute + following)
    else:
        assert found is None or found >= utc_minute(scenario.end_minute)


@st.composite
def occurrence_cases(draw: st.DrawFn) -> tuple[CalendarException, date, date]:
    """An exception, and a range of dates: empty when ``last`` is before ``first``."""
    zone_id = draw(ZONES)
    anchor = draw_anchor(draw, zone_id)
    exception = draw_exception(draw, anchor)
    first = anchor - timedelta(days=draw(OCCURRENCE_DAYS_BEFORE))
    return exception, first, first + timedelta(days=draw(OCCURRENCE_RANGE_DAYS) - 1)


@settings(PROPERTY, max_examples=1000)
@given(occurrence_cases())
def test_occurrences_are_the_dates_the_oracle_says_an_exception_falls_on(
    case: tuple[CalendarException, date, date],
) -> None:
    exception, first, last = case

    found = occurrences(exception, first, last)

    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    assert found == [day for day in days if falls_on(exception, day)]


@st.composite
def fixed_instants(draw: st.DrawFn) -> tuple[str, int]:
    """A zone, and an instant GRS may send for a FIXED date: around a local midnight."""
    zone_id = draw(ZONES)
    day = draw_anchor(draw, zone_id)
    midnight = datetime.combine(day, time(0), zone_of(zone_id))
    return zone_id, int(midnight.timestamp() * 1000) + draw(FIXED_OFFSETS_MS)


@settings(PROPERTY, max_examples=1000)
@given(fixed_instants())
def test_the_client_reads_a_fixed_instant_as_the_date_the_oracle_says(
    case: tuple[str, int],
) -> None:
    zone_id, epoch_ms = case

    found = decode_fixed_date(epoch_ms, resolve_zone(zone_id))

    assert fixed_ms_falls_on(epoch_ms, zone_of(zone_id), found)
    assert (
        decode_fixed_date(encode_fixed_date(found, resolve_zone(zone_id)), resolve_zone(zone_id))
        == found
    )
