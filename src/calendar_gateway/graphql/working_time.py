"""Working time in GraphQL: TimeWindow, and what the business-calendar fields compute.

The fields' naive date-times are read in the calendar's own zone; every answer is in UTC.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

import strawberry

from calendar_gateway.services import calendars as grs
from calendar_gateway.services import periods, worktime
from calendar_gateway.timezones import resolve_zone

NAIVE = "A date-time without offset is read in the calendar's time zone."


@strawberry.type(description="Time from `start` up to, not including, `end`; both in UTC.")
class TimeWindow:
    start: datetime
    end: datetime

    @strawberry.field(description="Its length in hours.")
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    @classmethod
    def from_domain(cls, window: worktime.TimeWindow) -> TimeWindow:
        return cls(start=window.start, end=window.end)


def is_working_time(calendar: grs.BusinessCalendar, at: datetime) -> bool:
    return worktime.is_working_time(calendar, periods.checked_instant(at, _zone(calendar), "at"))


def working_windows(
    calendar: grs.BusinessCalendar, start: datetime, end: datetime
) -> list[TimeWindow]:
    window = periods.period(start, end, _zone(calendar), periods.MAX_WINDOW_DAYS)
    found = worktime.working_windows(calendar, window.start, window.end)
    return [TimeWindow.from_domain(w) for w in found]


def next_working_time(calendar: grs.BusinessCalendar, after: datetime) -> datetime | None:
    start = periods.checked_instant(after, _zone(calendar), "after")
    return worktime.next_working_time(calendar, start, horizon_days=periods.MAX_WINDOW_DAYS)


def working_hours_between(calendar: grs.BusinessCalendar, start: datetime, end: datetime) -> float:
    window = periods.period(start, end, _zone(calendar), periods.MAX_WINDOW_DAYS)
    return worktime.working_hours_between(calendar, window.start, window.end)


def occurrences(exception: grs.CalendarException, first: date, last: date) -> list[date]:
    first, last = periods.date_period(first, last, periods.MAX_OCCURRENCE_DAYS)
    return worktime.occurrences(exception, first, last)


def _zone(calendar: grs.BusinessCalendar) -> tzinfo:
    return resolve_zone(calendar.time_zone_id)
