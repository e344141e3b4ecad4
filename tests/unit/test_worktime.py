from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from calendar_gateway.services.worktime import (
    TimeWindow,
    is_working_time,
    next_working_time,
    occurrences,
    working_hours_between,
    working_windows,
)
from calendar_gateway.upstreams.calendars import (
    BusinessCalendar,
    CalendarException,
    ExceptionType,
    Placement,
    RelativeType,
)
from calendar_gateway.upstreams.weekday import Weekday

EST = timezone(timedelta(hours=-5))
NEW_YORK = ZoneInfo("America/New_York")

# The exceptions of "Dad's Dating Calendar" on the vendor's business-calendar page.
CHRISTMAS = CalendarException(
    "Christmas", ExceptionType.HOLIDAY, Placement.FIXED, fixed_date=date(1970, 12, 25)
)
NEW_YEARS_DAY = CalendarException(
    "It's New Year's Day", ExceptionType.HOLIDAY, Placement.ANNUAL, annual_month=1, annual_day=1
)
THANKSGIVING = CalendarException(
    "Thanksgiving",
    ExceptionType.HOLIDAY,
    Placement.RELATIVE,
    relative_type=RelativeType.FOURTH,
    relative_day_of_week=Weekday.THURSDAY,
    relative_month=11,
)
DADS_BIRTHDAY = CalendarException(
    "My Dad's birthday !", ExceptionType.HOLIDAY, Placement.ANNUAL, annual_month=5, annual_day=20
)
A_TIME_CHANGE = CalendarException(
    "A Time Change",
    ExceptionType.TIME_CHANGE,
    Placement.ANNUAL,
    annual_month=1,
    annual_day=9,
    time_change_start=time(12, 30),
    time_change_stop=time(16, 22),
)
TC3 = CalendarException(
    "tc3",
    ExceptionType.TIME_CHANGE,
    Placement.FIXED,
    fixed_date=date(2015, 4, 14),
    time_change_start=time(1, 33),
    time_change_stop=time(7, 33),
)
TC2 = CalendarException(
    "TC2",
    ExceptionType.TIME_CHANGE,
    Placement.RELATIVE,
    relative_type=RelativeType.EVERY,
    relative_day_of_week=Weekday.SUNDAY,
    relative_month=1,
    time_change_start=time(3, 0),
    time_change_stop=time(19, 0),
)


def make_calendar(
    week: tuple[Weekday, Weekday] = (Weekday.MONDAY, Weekday.FRIDAY),
    hours: tuple[time, time] = (time(9), time(17)),
    zone_id: str = "UTC",
    exceptions: tuple[CalendarException, ...] = (),
) -> BusinessCalendar:
    return BusinessCalendar(
        id="calendar",
        external_id=None,
        name="test",
        locked=False,
        lock_owner=None,
        week_starts=week[0],
        week_ends=week[1],
        day_starts=hours[0],
        day_ends=hours[1],
        time_zone_id=zone_id,
        exceptions=exceptions,
        raw={},
    )


DADS_DATING_CALENDAR = make_calendar(
    week=(Weekday.FRIDAY, Weekday.SATURDAY),
    hours=(time(17, 30), time(23, 0)),
    zone_id="EST",
    exceptions=(CHRISTMAS, NEW_YEARS_DAY, THANKSGIVING, DADS_BIRTHDAY, A_TIME_CHANGE, TC3, TC2),
)


def annual_change(month: int, day: int, hours: tuple[time, time]) -> CalendarException:
    return replace(
        annual_holiday(month, day),
        type=ExceptionType.TIME_CHANGE,
        time_change_start=hours[0],
        time_change_stop=hours[1],
    )


def annual_holiday(month: int, day: int) -> CalendarException:
    return CalendarException(
        "annual", ExceptionType.HOLIDAY, Placement.ANNUAL, annual_month=month, annual_day=day
    )


def relative_holiday(kind: RelativeType, weekday: Weekday, month: int) -> CalendarException:
    return CalendarException(
        "relative",
        ExceptionType.HOLIDAY,
        Placement.RELATIVE,
        relative_type=kind,
        relative_day_of_week=weekday,
        relative_month=month,
    )


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def window(start: datetime, end: datetime) -> TimeWindow:
    return TimeWindow(start, end)


# --- the dates exceptions fall on -------------------------------------------------------------


@pytest.mark.parametrize(("year", "day"), [(2015, date(2015, 11, 26)), (2026, date(2026, 11, 26))])
def test_thanksgiving_is_the_fourth_thursday_of_november(year: int, day: date) -> None:
    assert occurrences(THANKSGIVING, date(year, 1, 1), date(year, 12, 31)) == [day]


def test_tc3_falls_on_its_fixed_date_only() -> None:
    assert occurrences(TC3, date(2015, 1, 1), date(2015, 12, 31)) == [date(2015, 4, 14)]


def test_new_years_day_falls_on_january_first_of_every_year() -> None:
    days = occurrences(NEW_YEARS_DAY, date(2024, 6, 1), date(2027, 6, 1))

    assert days == [date(2025, 1, 1), date(2026, 1, 1), date(2027, 1, 1)]


def test_tc2_falls_on_every_sunday_in_january() -> None:
    days = occurrences(TC2, date(2016, 1, 1), date(2016, 12, 31))

    assert days == [date(2016, 1, d) for d in (3, 10, 17, 24, 31)]


def test_relative_month_zero_is_every_month() -> None:
    first_monday = relative_holiday(RelativeType.FIRST, Weekday.MONDAY, 0)

    days = occurrences(first_monday, date(2026, 1, 1), date(2026, 3, 31))

    assert days == [date(2026, 1, 5), date(2026, 2, 2), date(2026, 3, 2)]


def test_last_is_the_fifth_such_weekday_in_a_month_that_has_five() -> None:
    last_friday = relative_holiday(RelativeType.LAST, Weekday.FRIDAY, 1)

    assert occurrences(last_friday, date(2026, 1, 1), date(2026, 1, 31)) == [date(2026, 1, 30)]


def test_february_29_falls_on_february_28_in_common_years() -> None:
    leap_day = annual_holiday(2, 29)

    days = occurrences(leap_day, date(2023, 1, 1), date(2024, 12, 31))

    assert days == [date(2023, 2, 28), date(2024, 2, 29)]


def test_annual_day_past_the_end_of_its_month_falls_on_the_last_day() -> None:
    april_31 = annual_holiday(4, 31)

    assert occurrences(april_31, date(2026, 1, 1), date(2026, 12, 31)) == [date(2026, 4, 30)]


def test_occurrences_include_both_ends_of_the_range() -> None:
    days = occurrences(NEW_YEARS_DAY, date(2025, 1, 1), date(2026, 1, 1))

    assert days == [date(2025, 1, 1), date(2026, 1, 1)]


@pytest.mark.parametrize(
    "exception",
    [
        CalendarException("no date", ExceptionType.HOLIDAY, Placement.FIXED),
        CalendarException("no month", ExceptionType.HOLIDAY, Placement.ANNUAL, annual_day=1),
        CalendarException(
            "month 13", ExceptionType.HOLIDAY, Placement.ANNUAL, annual_month=13, annual_day=1
        ),
        CalendarException(
            "no type",
            ExceptionType.HOLIDAY,
            Placement.RELATIVE,
            relative_day_of_week=Weekday.MONDAY,
            relative_month=0,
        ),
    ],
    ids=lambda e: e.name,
)
def test_exception_lacking_its_placement_fields_falls_on_no_date(
    exception: CalendarException,
) -> None:
    assert occurrences(exception, date(2020, 1, 1), date(2030, 12, 31)) == []


# --- working windows: the vendor's calendar ---------------------------------------------------


def test_dads_dating_calendar_works_friday_and_saturday_evenings_in_est() -> None:
    windows = working_windows(DADS_DATING_CALENDAR, utc(2026, 6, 1), utc(2026, 6, 8))

    assert windows == [
        window(datetime(2026, 6, 5, 17, 30, tzinfo=EST), datetime(2026, 6, 5, 23, tzinfo=EST)),
        window(datetime(2026, 6, 6, 17, 30, tzinfo=EST), datetime(2026, 6, 6, 23, tzinfo=EST)),
    ]


def test_dads_dating_calendar_in_january_follows_its_time_changes() -> None:
    windows = working_windows(DADS_DATING_CALENDAR, utc(2026, 1, 5), utc(2026, 1, 12))

    assert windows == [
        # "A Time Change", January 9, a Friday
        window(datetime(2026, 1, 9, 12, 30, tzinfo=EST), datetime(2026, 1, 9, 16, 22, tzinfo=EST)),
        window(datetime(2026, 1, 10, 17, 30, tzinfo=EST), datetime(2026, 1, 10, 23, tzinfo=EST)),
        # TC2, every Sunday in January: Sunday is otherwise not worked
        window(datetime(2026, 1, 11, 3, tzinfo=EST), datetime(2026, 1, 11, 19, tzinfo=EST)),
    ]


def test_dads_dating_calendar_takes_new_years_day_off() -> None:
    friday = datetime(2027, 1, 1, tzinfo=EST)

    windows = working_windows(DADS_DATING_CALENDAR, friday, friday + timedelta(days=2))

    assert windows == [
        window(datetime(2027, 1, 2, 17, 30, tzinfo=EST), datetime(2027, 1, 2, 23, tzinfo=EST))
    ]


def test_dads_dating_calendar_takes_christmas_1970_off() -> None:
    friday = datetime(1970, 12, 25, tzinfo=EST)

    windows = working_windows(DADS_DATING_CALENDAR, friday, friday + timedelta(days=2))

    assert windows == [
        window(datetime(1970, 12, 26, 17, 30, tzinfo=EST), datetime(1970, 12, 26, 23, tzinfo=EST))
    ]


def test_dads_dating_calendar_works_eleven_hours_in_a_june_week() -> None:
    assert working_hours_between(DADS_DATING_CALENDAR, utc(2026, 6, 1), utc(2026, 6, 8)) == 11.0


# --- working windows: rules -------------------------------------------------------------------


def test_holiday_wins_over_a_time_change_on_the_same_date() -> None:
    calendar = make_calendar(
        exceptions=(annual_change(3, 2, (time(6), time(8))), annual_holiday(3, 2))
    )

    assert working_windows(calendar, utc(2026, 3, 2), utc(2026, 3, 3)) == []


def test_most_specific_time_change_wins() -> None:
    every_monday = replace(
        relative_holiday(RelativeType.EVERY, Weekday.MONDAY, 0),
        type=ExceptionType.TIME_CHANGE,
        time_change_start=time(6),
        time_change_stop=time(8),
    )
    march_2 = annual_change(3, 2, (time(10), time(11)))
    calendar = make_calendar(exceptions=(march_2, every_monday))

    windows = working_windows(calendar, utc(2026, 3, 2), utc(2026, 3, 3))

    assert windows == [window(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11))]


def test_equally_specific_time_changes_are_all_worked() -> None:
    morning = annual_change(3, 2, (time(6), time(8)))
    evening = annual_change(3, 2, (time(18), time(20)))
    calendar = make_calendar(exceptions=(evening, morning))

    windows = working_windows(calendar, utc(2026, 3, 2), utc(2026, 3, 3))

    assert windows == [
        window(utc(2026, 3, 2, 6), utc(2026, 3, 2, 8)),
        window(utc(2026, 3, 2, 18), utc(2026, 3, 2, 20)),
    ]


def test_day_ending_before_it_starts_runs_past_midnight() -> None:
    calendar = make_calendar(week=(Weekday.MONDAY, Weekday.MONDAY), hours=(time(22), time(6)))

    windows = working_windows(calendar, utc(2026, 3, 1), utc(2026, 3, 8))

    assert windows == [window(utc(2026, 3, 2, 22), utc(2026, 3, 3, 6))]


def test_window_past_midnight_is_kept_when_the_next_day_is_a_holiday() -> None:
    tuesday_off = annual_holiday(3, 3)
    calendar = make_calendar(
        week=(Weekday.MONDAY, Weekday.MONDAY), hours=(time(22), time(6)), exceptions=(tuesday_off,)
    )

    windows = working_windows(calendar, utc(2026, 3, 2), utc(2026, 3, 4))

    assert windows == [window(utc(2026, 3, 2, 22), utc(2026, 3, 3, 6))]


def test_day_ending_when_it_starts_is_24_hours_and_consecutive_days_merge() -> None:
    calendar = make_calendar(hours=(time(8), time(8)))

    windows = working_windows(calendar, utc(2026, 3, 2), utc(2026, 3, 9))

    assert windows == [window(utc(2026, 3, 2, 8), utc(2026, 3, 7, 8))]


def test_week_range_wraps_past_saturday() -> None:
    calendar = make_calendar(week=(Weekday.SATURDAY, Weekday.MONDAY))

    windows = working_windows(calendar, utc(2026, 3, 2), utc(2026, 3, 9))

    assert [w.start.date() for w in windows] == [
        date(2026, 3, 2),
        date(2026, 3, 7),
        date(2026, 3, 8),
    ]


def test_time_change_makes_an_unworked_weekday_a_working_day() -> None:
    saturday = annual_change(3, 7, (time(10), time(12)))
    calendar = make_calendar(exceptions=(saturday,))

    windows = working_windows(calendar, utc(2026, 3, 7), utc(2026, 3, 8))

    assert windows == [window(utc(2026, 3, 7, 10), utc(2026, 3, 7, 12))]


def test_windows_are_clipped_to_the_range() -> None:
    windows = working_windows(make_calendar(), utc(2026, 3, 2, 10), utc(2026, 3, 2, 12))

    assert windows == [window(utc(2026, 3, 2, 10), utc(2026, 3, 2, 12))]


def test_windows_are_in_utc() -> None:
    calendar = make_calendar(zone_id="America/New_York")
    start = datetime(2026, 3, 2, tzinfo=NEW_YORK)

    windows = working_windows(calendar, start, start + timedelta(days=1))

    assert [(w.start.tzinfo, w.end.tzinfo) for w in windows] == [(UTC, UTC)]


def test_empty_range_has_no_windows() -> None:
    assert working_windows(make_calendar(), utc(2026, 3, 2, 12), utc(2026, 3, 2, 10)) == []


# --- working windows: daylight saving time ----------------------------------------------------


def test_night_of_the_spring_change_is_an_hour_shorter() -> None:
    calendar = make_calendar(
        week=(Weekday.SUNDAY, Weekday.SATURDAY),
        hours=(time(0), time(4)),
        zone_id="America/New_York",
    )
    day = datetime(2026, 3, 8, tzinfo=NEW_YORK)

    assert working_hours_between(calendar, day, day + timedelta(hours=12)) == 3.0


def test_night_of_the_autumn_change_is_an_hour_longer() -> None:
    calendar = make_calendar(
        week=(Weekday.SUNDAY, Weekday.SATURDAY),
        hours=(time(0), time(4)),
        zone_id="America/New_York",
    )
    day = datetime(2026, 11, 1, tzinfo=NEW_YORK)

    assert working_hours_between(calendar, day, day + timedelta(hours=12)) == 5.0


def test_nonexistent_opening_time_moves_forward_by_the_gap() -> None:
    calendar = make_calendar(
        week=(Weekday.SUNDAY, Weekday.SUNDAY),
        hours=(time(2, 30), time(5)),
        zone_id="America/New_York",
    )

    windows = working_windows(calendar, utc(2026, 3, 8), utc(2026, 3, 9))

    # 02:30 does not exist that night in New York: opening is 03:30 EDT.
    assert windows == [window(utc(2026, 3, 8, 7, 30), utc(2026, 3, 8, 9))]


def test_ambiguous_closing_time_is_its_first_occurrence() -> None:
    calendar = make_calendar(
        week=(Weekday.SUNDAY, Weekday.SUNDAY),
        hours=(time(0), time(1, 30)),
        zone_id="America/New_York",
    )

    windows = working_windows(calendar, utc(2026, 11, 1), utc(2026, 11, 2))

    # 01:30 happens twice that night: closing is at 01:30 EDT.
    assert windows == [window(utc(2026, 11, 1, 4), utc(2026, 11, 1, 5, 30))]


def test_window_inside_the_spring_gap_is_empty() -> None:
    calendar = make_calendar(
        week=(Weekday.SUNDAY, Weekday.SUNDAY),
        hours=(time(2, 30), time(3, 10)),
        zone_id="America/New_York",
    )

    assert working_windows(calendar, utc(2026, 3, 8), utc(2026, 3, 9)) == []


# --- instants ---------------------------------------------------------------------------------


def test_working_time_includes_the_opening_instant() -> None:
    assert is_working_time(make_calendar(), utc(2026, 3, 2, 9))


def test_working_time_excludes_the_closing_instant() -> None:
    assert not is_working_time(make_calendar(), utc(2026, 3, 2, 17))


def test_working_time_includes_the_hours_past_midnight_of_the_previous_day() -> None:
    calendar = make_calendar(week=(Weekday.MONDAY, Weekday.MONDAY), hours=(time(22), time(6)))

    assert is_working_time(calendar, utc(2026, 3, 3, 5, 59))


def test_next_working_time_during_working_time_is_now() -> None:
    now = datetime(2026, 3, 2, 10, 15, 30, 5, tzinfo=UTC)

    assert next_working_time(make_calendar(), now) == now


def test_next_working_time_after_hours_is_the_next_opening() -> None:
    friday_evening = utc(2026, 3, 6, 18)

    assert next_working_time(make_calendar(), friday_evening) == utc(2026, 3, 9, 9)


def test_next_working_time_beyond_the_horizon_is_none() -> None:
    sundays_off = relative_holiday(RelativeType.EVERY, Weekday.SUNDAY, 0)
    calendar = make_calendar(week=(Weekday.SUNDAY, Weekday.SUNDAY), exceptions=(sundays_off,))

    assert next_working_time(calendar, utc(2026, 3, 2)) is None


# --- input checks -----------------------------------------------------------------------------

NAIVE = datetime(2026, 3, 2, 10)
AWARE = utc(2026, 3, 2, 10)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: working_windows(c, NAIVE, AWARE),
        lambda c: working_windows(c, AWARE, NAIVE),
        lambda c: is_working_time(c, NAIVE),
        lambda c: next_working_time(c, NAIVE),
        lambda c: working_hours_between(c, NAIVE, AWARE),
    ],
)
def test_naive_datetime_is_rejected(call: Callable[[BusinessCalendar], object]) -> None:
    with pytest.raises(ValueError, match="time zone"):
        call(make_calendar())


def test_calendar_read_without_its_exceptions_is_rejected() -> None:
    calendar = replace(make_calendar(), exceptions=None)

    with pytest.raises(ValueError, match="without its exceptions"):
        working_windows(calendar, AWARE, AWARE + timedelta(days=1))
