"""Placing bookings and appointments in time, and what free, busy and conflicting means."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from calendar_gateway.services.freebusy import (
    BusyTime,
    Commitment,
    Conflict,
    ConflictKind,
    Source,
    appointment_commitments,
    booking_commitments,
    busy_times,
    conflicts,
    free_times,
    holidays,
    overlap_conflicts,
    works_on,
)
from calendar_gateway.services.occurrences import Occurrence
from calendar_gateway.services.worktime import TimeWindow
from calendar_gateway.upstreams.bookings import (
    Booking,
    ChargeCode,
    Client,
    Job,
    JobPhase,
    Resource,
)
from calendar_gateway.upstreams.calendars import (
    BusinessCalendar,
    CalendarException,
    ExceptionType,
    Placement,
)
from calendar_gateway.upstreams.weekday import Weekday

CAYMAN = ZoneInfo("America/Cayman")  # UTC-5 all year
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
YEAR_2017 = TimeWindow(datetime(2017, 1, 1, tzinfo=UTC), datetime(2018, 1, 1, tzinfo=UTC))


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def window(start: datetime, end: datetime) -> TimeWindow:
    return TimeWindow(start, end)


def booking(
    start: datetime, end: datetime, *, days: int = 1, all_day: bool = False, booking_id: str = "1"
) -> Booking:
    return Booking(
        id=booking_id,
        uuid=None,
        time_summary_id="1012213",
        resource=Resource("405", "Mr.Later"),
        client=Client("3/ET", "Egon Test"),
        job=Job("3/00001015", "", "", JobPhase("3/00001015.001", "")),
        charge_code=ChargeCode("3/R1", ""),
        start=start,
        end=end,
        all_day=all_day,
        number_of_days=days,
        hours_per_day=0,
        duration_description="",
        colour=None,
        status="",
        requisition=None,
        allocation=None,
        raw={},
    )


def appointment(
    start: datetime, end: datetime, *, all_start: bool = False, all_end: bool = False
) -> Occurrence:
    return Occurrence("1627410", start, end, all_start_day=all_start, all_end_day=all_end)


def weekdays_nine_to_five(*exceptions: CalendarException) -> BusinessCalendar:
    return BusinessCalendar(
        id="c",
        external_id=None,
        name="Office",
        locked=False,
        lock_owner=None,
        week_starts=Weekday.MONDAY,
        week_ends=Weekday.FRIDAY,
        day_starts=time(9),
        day_ends=time(17),
        time_zone_id="America/Cayman",
        exceptions=exceptions,
        raw={},
    )


def windows_of(commitments: list[Commitment]) -> list[TimeWindow]:
    return [c.window for c in commitments]


def test_multi_day_booking_takes_its_daily_hours_on_each_date() -> None:
    # Synergist's refresh example (docs/vendors/synergist.md, Answers): 7 to 9 November 2017,
    # "3 day, 2 hours per day".
    seeded = booking(datetime(2017, 11, 7, 9), datetime(2017, 11, 9, 11), days=3)
    placed = booking_commitments(seeded, CAYMAN, YEAR_2017, None)
    assert windows_of(placed) == [
        window(utc(2017, 11, 7, 14), utc(2017, 11, 7, 16)),
        window(utc(2017, 11, 8, 14), utc(2017, 11, 8, 16)),
        window(utc(2017, 11, 9, 14), utc(2017, 11, 9, 16)),
    ]


def test_booking_counting_fewer_days_than_it_spans_skips_the_calendar_days_off() -> None:
    # Friday to Monday, two days: Synergist skipped the weekend.
    long_weekend = booking(datetime(2017, 11, 10, 9), datetime(2017, 11, 13, 10), days=2)
    calendar = weekdays_nine_to_five()
    placed = booking_commitments(long_weekend, CAYMAN, YEAR_2017, works_on(calendar, CAYMAN))
    assert windows_of(placed) == [
        window(utc(2017, 11, 10, 14), utc(2017, 11, 10, 15)),
        window(utc(2017, 11, 13, 14), utc(2017, 11, 13, 15)),
    ]


def test_booking_spanning_as_many_days_as_it_counts_keeps_days_the_calendar_does_not_work() -> None:
    weekend = booking(datetime(2017, 11, 11, 9), datetime(2017, 11, 12, 10), days=2)
    calendar = weekdays_nine_to_five()
    placed = booking_commitments(weekend, CAYMAN, YEAR_2017, works_on(calendar, CAYMAN))
    assert len(placed) == 2


def test_all_day_booking_without_hours_takes_whole_local_days() -> None:
    all_day = booking(datetime(2017, 11, 7), datetime(2017, 11, 8), days=2, all_day=True)
    placed = booking_commitments(all_day, CAYMAN, YEAR_2017, None)
    assert windows_of(placed) == [
        window(utc(2017, 11, 7, 5), utc(2017, 11, 8, 5)),
        window(utc(2017, 11, 8, 5), utc(2017, 11, 9, 5)),
    ]


def test_booking_without_daily_hours_is_one_stretch() -> None:
    overnight = booking(datetime(2017, 11, 7, 22), datetime(2017, 11, 8, 6), days=2)
    placed = booking_commitments(overnight, CAYMAN, YEAR_2017, None)
    assert windows_of(placed) == [window(utc(2017, 11, 8, 3), utc(2017, 11, 8, 11))]


def test_booking_times_are_wall_clock_times_across_a_dst_change() -> None:
    # Amsterdam moved from +02:00 to +01:00 on 29 October 2017.
    week = booking(datetime(2017, 10, 28, 9), datetime(2017, 10, 30, 10), days=3)
    placed = booking_commitments(week, AMSTERDAM, YEAR_2017, None)
    assert [w.start for w in windows_of(placed)] == [
        utc(2017, 10, 28, 7),
        utc(2017, 10, 29, 8),
        utc(2017, 10, 30, 8),
    ]


def test_long_booking_is_placed_only_near_the_period() -> None:
    year = booking(datetime(2017, 1, 2, 9), datetime(2017, 12, 29, 10), days=362)
    november_7 = window(utc(2017, 11, 7), utc(2017, 11, 8))
    placed = booking_commitments(year, CAYMAN, november_7, None)
    assert [w.start.date() for w in windows_of(placed)] == [
        date(2017, 11, 5),
        date(2017, 11, 6),
        date(2017, 11, 7),
        date(2017, 11, 8),
    ]


def test_timed_appointment_keeps_its_utc_times() -> None:
    meeting = appointment(utc(2018, 12, 20, 9), utc(2018, 12, 20, 10))
    assert windows_of(appointment_commitments(meeting, CAYMAN)) == [
        window(utc(2018, 12, 20, 9), utc(2018, 12, 20, 10))
    ]


def test_all_day_appointment_takes_its_local_dates_from_midnight_to_midnight() -> None:
    # docs/vendors/xelion.md, Time: all day on 27 December 2018, sent as local 00:00:00-23:59:59.
    holiday = appointment(
        datetime(2018, 12, 27), datetime(2018, 12, 27, 23, 59, 59), all_start=True, all_end=True
    )
    assert windows_of(appointment_commitments(holiday, AMSTERDAM)) == [
        window(utc(2018, 12, 26, 23), utc(2018, 12, 27, 23))
    ]


def test_appointment_ending_before_it_starts_takes_no_time() -> None:
    backwards = appointment(utc(2018, 12, 20, 10), utc(2018, 12, 20, 9))
    assert appointment_commitments(backwards, CAYMAN) == []


def test_busy_merges_commitments_that_overlap_or_touch_and_names_them() -> None:
    period = window(utc(2017, 11, 7), utc(2017, 11, 8))
    commitments = [
        Commitment(Source.BOOKING, "b1", window(utc(2017, 11, 7, 9), utc(2017, 11, 7, 10))),
        Commitment(Source.APPOINTMENT, "a1", window(utc(2017, 11, 7, 10), utc(2017, 11, 7, 11))),
        Commitment(Source.BOOKING, "b2", window(utc(2017, 11, 7, 13), utc(2017, 11, 7, 14))),
    ]
    assert busy_times(commitments, period) == [
        BusyTime(window(utc(2017, 11, 7, 9), utc(2017, 11, 7, 11)), ("b1",), ("a1",)),
        BusyTime(window(utc(2017, 11, 7, 13), utc(2017, 11, 7, 14)), ("b2",), ()),
    ]


def test_busy_is_clipped_to_the_period() -> None:
    period = window(utc(2017, 11, 7, 12), utc(2017, 11, 8))
    late = Commitment(Source.BOOKING, "b", window(utc(2017, 11, 7, 11), utc(2017, 11, 7, 13)))
    assert busy_times([late], period)[0].window == window(
        utc(2017, 11, 7, 12), utc(2017, 11, 7, 13)
    )


def test_free_is_working_time_that_nothing_takes() -> None:
    working = [window(utc(2017, 11, 7, 9), utc(2017, 11, 7, 17))]
    busy = [BusyTime(window(utc(2017, 11, 7, 10), utc(2017, 11, 7, 11)), ("b",), ())]
    assert free_times(working, busy) == [
        window(utc(2017, 11, 7, 9), utc(2017, 11, 7, 10)),
        window(utc(2017, 11, 7, 11), utc(2017, 11, 7, 17)),
    ]


def test_holidays_name_the_local_dates_of_holiday_exceptions_only() -> None:
    christmas = CalendarException(
        "Christmas", ExceptionType.HOLIDAY, Placement.ANNUAL, annual_month=12, annual_day=25
    )
    short_day = CalendarException(
        "Short day",
        ExceptionType.TIME_CHANGE,
        Placement.ANNUAL,
        annual_month=12,
        annual_day=24,
        time_change_start=time(9),
        time_change_stop=time(12),
    )
    calendar = weekdays_nine_to_five(christmas, short_day)
    assert holidays(calendar, CAYMAN, YEAR_2017) == {date(2017, 12, 25): "Christmas"}


def test_booking_on_a_holiday_is_an_on_holiday_conflict_naming_it() -> None:
    period = window(utc(2017, 12, 25), utc(2017, 12, 26))
    booked = Commitment(Source.BOOKING, "b", window(utc(2017, 12, 25, 14), utc(2017, 12, 25, 16)))
    found = conflicts([booked], [], {date(2017, 12, 25): "Christmas"}, CAYMAN, period)
    assert found == [Conflict(ConflictKind.ON_HOLIDAY, booked.window, "b", None, "Christmas")]


def test_only_the_part_outside_working_time_conflicts() -> None:
    period = window(utc(2017, 11, 7), utc(2017, 11, 8))
    working = [window(utc(2017, 11, 7, 14), utc(2017, 11, 7, 22))]
    late = Commitment(Source.APPOINTMENT, "a", window(utc(2017, 11, 7, 21), utc(2017, 11, 7, 23)))
    assert conflicts([late], working, {}, CAYMAN, period) == [
        Conflict(
            ConflictKind.OUTSIDE_WORKING_TIME,
            window(utc(2017, 11, 7, 22), utc(2017, 11, 7, 23)),
            appointment_id="a",
        )
    ]


def test_off_time_conflict_is_split_where_a_holiday_begins_or_ends() -> None:
    period = window(utc(2017, 12, 24), utc(2017, 12, 27))
    stay = Commitment(Source.BOOKING, "b", window(utc(2017, 12, 24, 12), utc(2017, 12, 26, 12)))
    found = conflicts([stay], [], {date(2017, 12, 25): "Christmas"}, CAYMAN, period)
    assert [(c.kind, c.window.start, c.window.end) for c in found] == [
        (ConflictKind.OUTSIDE_WORKING_TIME, utc(2017, 12, 24, 12), utc(2017, 12, 25, 5)),
        (ConflictKind.ON_HOLIDAY, utc(2017, 12, 25, 5), utc(2017, 12, 26, 5)),
        (ConflictKind.OUTSIDE_WORKING_TIME, utc(2017, 12, 26, 5), utc(2017, 12, 26, 12)),
    ]


def test_booking_overlapping_an_appointment_conflicts_for_the_overlap() -> None:
    period = window(utc(2017, 11, 7), utc(2017, 11, 8))
    commitments = [
        Commitment(Source.BOOKING, "b", window(utc(2017, 11, 7, 14), utc(2017, 11, 7, 16))),
        Commitment(Source.APPOINTMENT, "a", window(utc(2017, 11, 7, 15), utc(2017, 11, 7, 17))),
    ]
    assert overlap_conflicts(commitments, period) == [
        Conflict(
            ConflictKind.BOOKING_OVERLAPS_APPOINTMENT,
            window(utc(2017, 11, 7, 15), utc(2017, 11, 7, 16)),
            booking_id="b",
            appointment_id="a",
        )
    ]


def test_bookings_overlapping_each_other_do_not_conflict() -> None:
    period = window(utc(2017, 11, 7), utc(2017, 11, 8))
    both = [
        Commitment(Source.BOOKING, "b1", window(utc(2017, 11, 7, 14), utc(2017, 11, 7, 16))),
        Commitment(Source.BOOKING, "b2", window(utc(2017, 11, 7, 15), utc(2017, 11, 7, 17))),
    ]
    assert overlap_conflicts(both, period) == []


def test_touching_is_not_overlapping() -> None:
    period = window(utc(2017, 11, 7), utc(2017, 11, 8))
    commitments = [
        Commitment(Source.BOOKING, "b", window(utc(2017, 11, 7, 14), utc(2017, 11, 7, 15))),
        Commitment(Source.APPOINTMENT, "a", window(utc(2017, 11, 7, 15), utc(2017, 11, 7, 16))),
    ]
    assert overlap_conflicts(commitments, period) == []
