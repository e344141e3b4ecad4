"""Occurrences of Xelion appointments: their recurrence fields, read as the service reads them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from calendar_gateway.services.occurrences import Occurrence, occurrences, overlapping, placed
from calendar_gateway.services.worktime import TimeWindow
from calendar_gateway.simulators.appointments.seed import appointments
from calendar_gateway.upstreams.appointment_model import (
    Appointment,
    MonthRecurrenceType,
    RecurrenceType,
    TerminationType,
)
from calendar_gateway.upstreams.appointments_wire import parse_appointment

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")
YEARS_2017_TO_2019 = TimeWindow(datetime(2017, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC))


def vendor_example() -> Appointment:
    """The appointment get example's series: weekly on Monday, 6 times from 20 March 2017."""
    return parse_appointment(appointments(date(2017, 1, 1))["1758518"])


def starts(found: list[Occurrence]) -> list[str]:
    return [o.start.isoformat() for o in found]


def test_the_vendor_example_recurs_six_mondays_from_its_first_recurrence_date() -> None:
    found = occurrences(vendor_example(), UTC, YEARS_2017_TO_2019)
    assert [o.start.date() for o in found] == [
        date(2017, 3, 20), date(2017, 3, 27), date(2017, 4, 3),
        date(2017, 4, 10), date(2017, 4, 17), date(2017, 4, 24),
    ]  # fmt: skip
    assert {(o.end - o.start).seconds for o in found} == {600}


def test_the_vendor_example_keeps_its_local_time_in_amsterdam_across_dst() -> None:
    found = occurrences(vendor_example(), AMSTERDAM, YEARS_2017_TO_2019)
    assert {o.start.astimezone(AMSTERDAM).strftime("%H:%M") for o in found} == {"11:10"}
    assert starts(found)[:2] == ["2017-03-20T10:10:00+00:00", "2017-03-27T09:10:00+00:00"]


def test_a_plain_appointment_is_one_occurrence_with_a_stable_id() -> None:
    plain = replace(vendor_example(), recurrence=None)
    [one] = occurrences(plain, UTC, YEARS_2017_TO_2019)
    assert (one.start, one.end) == (plain.start, plain.end)
    assert one.id == occurrences(plain, UTC, YEARS_2017_TO_2019)[0].id
    assert one.id != occurrences(vendor_example(), UTC, YEARS_2017_TO_2019)[0].id


def monthly(month_type: MonthRecurrenceType, start: datetime, count: int) -> Appointment:
    series = vendor_example()
    assert series.recurrence is not None
    recurrence = replace(
        series.recurrence,
        type=RecurrenceType.MONTHLY,
        month_type=month_type,
        count=count,
        first=start,
    )
    return replace(series, start=start, end=start.replace(hour=11), recurrence=recurrence)


def test_monthly_by_weekday_in_the_fifth_week_falls_on_the_last_one() -> None:
    # Wednesday 29 March 2017 is the fifth Wednesday: then the last of each month.
    series = monthly(MonthRecurrenceType.DAY_OF_WEEK, datetime(2017, 3, 29, 10, tzinfo=UTC), 3)
    found = occurrences(series, UTC, YEARS_2017_TO_2019)
    assert [o.start.date() for o in found] == [
        date(2017, 3, 29), date(2017, 4, 26), date(2017, 5, 31),
    ]  # fmt: skip


def test_monthly_by_date_skips_months_without_that_date() -> None:
    series = monthly(MonthRecurrenceType.DAY_OF_MONTH, datetime(2017, 1, 31, 10, tzinfo=UTC), 3)
    found = occurrences(series, UTC, YEARS_2017_TO_2019)
    assert [o.start.date() for o in found] == [
        date(2017, 1, 31), date(2017, 3, 31), date(2017, 5, 31),
    ]  # fmt: skip


def test_termination_date_includes_occurrences_on_that_local_date() -> None:
    series = vendor_example()
    assert series.recurrence is not None
    # 10 April 2017, local midnight in Amsterdam, as Xelion states it: in UTC.
    last = datetime(2017, 4, 9, 22, tzinfo=UTC)
    recurrence = replace(
        series.recurrence, termination_type=TerminationType.DATE, termination_date=last
    )
    found = occurrences(replace(series, recurrence=recurrence), AMSTERDAM, YEARS_2017_TO_2019)
    assert [o.start.date() for o in found][-1] == date(2017, 4, 10)


def test_an_all_day_series_keeps_local_dates_placed_at_local_midnights() -> None:
    series = replace(
        vendor_example(),
        start=datetime(2017, 3, 20),
        end=datetime(2017, 3, 20, 23, 59, 59),
        all_start_day=True,
        all_end_day=True,
    )
    found = occurrences(series, NEW_YORK, YEARS_2017_TO_2019)
    assert found[1].start == datetime(2017, 3, 27)
    assert found[1].end == datetime(2017, 3, 27, 23, 59, 59)
    window = placed(found[1], NEW_YORK)
    assert (window.start.isoformat(), window.end.isoformat()) == (
        "2017-03-27T04:00:00+00:00",
        "2017-03-28T04:00:00+00:00",
    )


def test_overlapping_keeps_only_occurrences_sharing_time_with_the_window() -> None:
    found = occurrences(vendor_example(), UTC, YEARS_2017_TO_2019)
    # From the end of the second occurrence to the start of the fourth.
    window = TimeWindow(found[1].end, found[3].start)
    assert list(overlapping(found, UTC, window)) == [found[2]]


def test_each_occurrence_keeps_the_first_ones_wall_clock_end_across_a_dst_change() -> None:
    # 06:00Z-07:00Z on 9 March 2025 reads 01:00 EST-03:00 EDT in New York (02:00-03:00 does
    # not exist that night): the later days run 01:00-03:00 too, as a calendar shows them.
    first = datetime(2025, 3, 9, 6, 0, tzinfo=UTC)
    series = monthly(MonthRecurrenceType.DAY_OF_MONTH, first, 3)
    assert series.recurrence is not None
    daily = replace(
        series,
        end=datetime(2025, 3, 9, 7, 0, tzinfo=UTC),
        recurrence=replace(series.recurrence, type=RecurrenceType.DAILY),
    )
    window = TimeWindow(first, datetime(2025, 3, 12, tzinfo=UTC))
    found = occurrences(daily, NEW_YORK, window)
    assert [(o.start.isoformat(), o.end.isoformat()) for o in found] == [
        ("2025-03-09T06:00:00+00:00", "2025-03-09T07:00:00+00:00"),
        ("2025-03-10T05:00:00+00:00", "2025-03-10T07:00:00+00:00"),
        ("2025-03-11T05:00:00+00:00", "2025-03-11T07:00:00+00:00"),
    ]
