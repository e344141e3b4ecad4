"""Working time of a GRS business calendar: the dates of its exceptions and its working windows.

GRS leaves these rules open; this is how we read a calendar (docs/vendors/grs.md, Fields and time):

- ``week_starts..week_ends`` is an inclusive range of weekdays that may wrap: 6..7 is Friday and
  Saturday, 7..2 is Saturday to Monday, and equal ends are one day.
- A day's window runs from its opening to its closing time on the wall clock. A closing time
  before the opening runs into the next day; one equal to it makes a full 24 hours (GRS has no
  24:00). A window belongs to the day it opens on, whatever happens to the next day.
- HOLIDAY removes the window of its date. TIME_CHANGE replaces it with the change's own range,
  also on a weekday that is otherwise not worked. HOLIDAY wins over TIME_CHANGE. When several
  time changes fall on one date, the most specific placement wins (FIXED, then ANNUAL, then
  RELATIVE) and the ranges of equally specific ones are all worked.
- Wall times become instants with fold=0, as Java's ZonedDateTime does: an ambiguous time is its
  first occurrence, a nonexistent one moves forward by the length of the gap. A window that thereby
  ends no later than it opens is empty.
- Windows are in UTC, merged where they touch or overlap: Python compares and subtracts datetimes
  that share a tzinfo by their wall clocks, which is wrong across DST changes.
"""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from calendar_gateway.timezones import resolve_zone
from calendar_gateway.upstreams.calendars import (
    BusinessCalendar,
    CalendarException,
    ExceptionType,
    Placement,
    RelativeType,
)
from calendar_gateway.upstreams.weekday import Weekday

_ONE_DAY = timedelta(days=1)
_ORDINAL_INDEX = {
    RelativeType.FIRST: 0,
    RelativeType.SECOND: 1,
    RelativeType.THIRD: 2,
    RelativeType.FOURTH: 3,
    RelativeType.LAST: -1,
}
_SPECIFICITY = {Placement.FIXED: 0, Placement.ANNUAL: 1, Placement.RELATIVE: 2}

Hours = tuple[time, time]
"""Opening and closing wall-clock times of one day's window."""


@dataclass(frozen=True)
class TimeWindow:
    """Working time from ``start`` up to, not including, ``end``; both in UTC."""

    start: datetime
    end: datetime


def working_windows(calendar: BusinessCalendar, start: datetime, end: datetime) -> list[TimeWindow]:
    """The working time within [start, end), in order, merged where windows touch or overlap."""
    start, end = _utc(start, "start"), _utc(end, "end")
    if end <= start:
        return []
    zone = resolve_zone(calendar.time_zone_id)
    # The previous day's window may run past midnight into the range.
    first_day = start.astimezone(zone).date() - _ONE_DAY
    last_day = end.astimezone(zone).date()
    windows = _windows_of_days(calendar, zone, first_day, last_day)
    clipped = (TimeWindow(max(w.start, start), min(w.end, end)) for w in windows)
    return _merged(w for w in clipped if w.start < w.end)


def is_working_time(calendar: BusinessCalendar, at: datetime) -> bool:
    """Whether the instant lies in a working window."""
    at = _utc(at, "at")
    # Working time at an instant is working time in the shortest interval that starts there.
    return bool(working_windows(calendar, at, at + timedelta(microseconds=1)))


def next_working_time(
    calendar: BusinessCalendar, after: datetime, horizon_days: int = 366
) -> datetime | None:
    """The first working instant at or after ``after`` (itself when working), in UTC.

    None when there is none within ``horizon_days`` days.
    """
    after = _utc(after, "after")
    windows = working_windows(calendar, after, after + timedelta(days=horizon_days))
    return windows[0].start if windows else None


def working_hours_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> float:
    """Elapsed working hours in [start, end): a night across a DST change counts its real length."""
    windows = working_windows(calendar, start, end)
    return sum((w.end - w.start for w in windows), timedelta()).total_seconds() / 3600


def occurrences(exception: CalendarException, start: date, end: date) -> list[date]:
    """The dates from ``start`` to ``end``, both included, that the exception falls on, in order.

    An ANNUAL day past the end of its month falls on the month's last day: February 29 is
    February 28 in common years, as Java's ``MonthDay.atYear`` has it. An exception lacking its
    placement's fields, or with values out of the vendor's ranges, falls on no date.
    """
    if end < start:
        return []
    return [day for day in _placement_dates(exception, start, end) if start <= day <= end]


def _utc(value: datetime, name: str) -> datetime:
    if value.utcoffset() is None:
        raise ValueError(f"{name} must carry a time zone or UTC offset")
    return value.astimezone(UTC)


def _placement_dates(exception: CalendarException, start: date, end: date) -> Iterable[date]:
    if exception.placement is Placement.FIXED:
        return () if exception.fixed_date is None else (exception.fixed_date,)
    if exception.placement is Placement.ANNUAL:
        return _annual_dates(exception, start.year, end.year)
    return _relative_dates(exception, start, end)


def _annual_dates(exception: CalendarException, first_year: int, last_year: int) -> Iterator[date]:
    month, day = exception.annual_month, exception.annual_day
    if month is None or day is None or not (1 <= month <= 12 and 1 <= day <= 31):
        return
    for year in range(first_year, last_year + 1):
        yield date(year, month, min(day, monthrange(year, month)[1]))


def _relative_dates(exception: CalendarException, start: date, end: date) -> Iterator[date]:
    kind, weekday = exception.relative_type, exception.relative_day_of_week
    month_wanted = exception.relative_month
    if kind is None or weekday is None or month_wanted is None or not 0 <= month_wanted <= 12:
        return
    for year, month in _months(start, end):
        if month_wanted in (0, month):
            yield from _pick(kind, _weekdays_in_month(year, month, weekday))


def _months(start: date, end: date) -> Iterator[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _weekdays_in_month(year: int, month: int, weekday: Weekday) -> list[date]:
    """Every date of the month on that weekday; there are always four or five."""
    first = (weekday - _weekday(date(year, month, 1))) % 7 + 1
    return [date(year, month, day) for day in range(first, monthrange(year, month)[1] + 1, 7)]


def _pick(kind: RelativeType, weekdays: list[date]) -> list[date]:
    if kind is RelativeType.EVERY:
        return weekdays
    return [weekdays[_ORDINAL_INDEX[kind]]]


def _weekday(day: date) -> Weekday:
    return Weekday(day.isoweekday() % 7 + 1)


def _windows_of_days(
    calendar: BusinessCalendar, zone: tzinfo, first_day: date, last_day: date
) -> list[TimeWindow]:
    """The windows that open on the days from ``first_day`` to ``last_day``, unclipped."""
    exceptions = _exceptions_by_date(calendar, first_day, last_day)
    windows: list[TimeWindow] = []
    for day in _days(first_day, last_day):
        for hours in _hours_of_day(calendar, day, exceptions.get(day, [])):
            window = _window(day, hours, zone)
            if window.start < window.end:
                windows.append(window)
    return windows


def _exceptions_by_date(
    calendar: BusinessCalendar, first_day: date, last_day: date
) -> dict[date, list[CalendarException]]:
    if calendar.exceptions is None:
        # A calendar read from the list has no exceptions: its holidays would silently be worked.
        raise ValueError(f"calendar {calendar.id} was read without its exceptions")
    by_date: defaultdict[date, list[CalendarException]] = defaultdict(list)
    for exception in calendar.exceptions:
        for day in occurrences(exception, first_day, last_day):
            by_date[day].append(exception)
    return by_date


def _days(first_day: date, last_day: date) -> Iterator[date]:
    for offset in range((last_day - first_day).days + 1):
        yield first_day + timedelta(days=offset)


def _hours_of_day(
    calendar: BusinessCalendar, day: date, exceptions: list[CalendarException]
) -> list[Hours]:
    if any(e.type is ExceptionType.HOLIDAY for e in exceptions):
        return []
    changed = _changed_hours(exceptions)
    if changed:
        return changed
    if _is_working_weekday(calendar, _weekday(day)):
        return [(calendar.day_starts, calendar.day_ends)]
    return []


def _changed_hours(exceptions: list[CalendarException]) -> list[Hours]:
    """The ranges of the day's most specific time changes; a change without times is ignored."""
    ranked = [
        (_SPECIFICITY[e.placement], hours)
        for e in exceptions
        if e.type is ExceptionType.TIME_CHANGE and (hours := _time_change_hours(e)) is not None
    ]
    if not ranked:
        return []
    best = min(rank for rank, _ in ranked)
    return [hours for rank, hours in ranked if rank == best]


def _time_change_hours(exception: CalendarException) -> Hours | None:
    if exception.time_change_start is None or exception.time_change_stop is None:
        return None
    return exception.time_change_start, exception.time_change_stop


def _is_working_weekday(calendar: BusinessCalendar, weekday: Weekday) -> bool:
    span = (calendar.week_ends - calendar.week_starts) % 7
    return (weekday - calendar.week_starts) % 7 <= span


def _window(day: date, hours: Hours, zone: tzinfo) -> TimeWindow:
    opening, closing = hours
    closing_day = day if closing > opening else day + _ONE_DAY
    return TimeWindow(_instant(day, opening, zone), _instant(closing_day, closing, zone))


def _instant(day: date, wall: time, zone: tzinfo) -> datetime:
    return datetime.combine(day, wall.replace(tzinfo=None, fold=0), zone).astimezone(UTC)


def _merged(windows: Iterable[TimeWindow]) -> list[TimeWindow]:
    merged: list[TimeWindow] = []
    for window in sorted(windows, key=lambda w: w.start):
        if merged and window.start <= merged[-1].end:
            merged[-1] = TimeWindow(merged[-1].start, max(merged[-1].end, window.end))
        else:
            merged.append(window)
    return merged
