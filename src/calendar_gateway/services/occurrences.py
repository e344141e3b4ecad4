"""Occurrences: the times a Xelion appointment takes place, a recurring one expanded.

A series repeats in one zone, the appointment's (Xelion names none, so APPOINTMENTS_TIMEZONE):
its wall-clock time stays the same across a change of daylight saving time. The rule is
dateutil's RFC 5545 ``rrule``, built from Xelion's fields (our reading of them, from the
appointment get example):

- ``starttime``/``endtime`` give the time of day and the length; ``firstRecurrenceDate`` the
  local date of the first occurrence (in the example, a local midnight stated in UTC), never
  before the appointment's own start date.
- ``recurrenceType`` daily, weekly (on the days flagged ``monday`` ... ``sunday``, else on the
  first date's weekday), monthly (``monthRecurrenceType`` dayOfMonth: the first date's day of
  the month; dayOfWeek: its weekday in the same week of the month, the fifth read as the last),
  or yearly; every ``recurrenceInterval`` of them.
- ``recurrenceTerminationType`` never; recurrenceCount: ``recurrenceCount`` times (at least
  once); recurrenceDate: until the end of the local date of ``recurrenceTerminationDate``.
  ``lastRecurrenceDate`` is Xelion's own note of where the series ends and is not read.

Times keep Xelion's form: a timed side an aware UTC datetime, an all-day side the naive local
date at 00:00:00 (start) or 23:59:59 (end). ``placed`` turns them into instants.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from dateutil import rrule

from calendar_gateway.services.errors import OUT_OF_RANGE, InvalidInputError
from calendar_gateway.services.worktime import TimeWindow
from calendar_gateway.upstreams.appointment_model import (
    Appointment,
    AppointmentSummary,
    MonthRecurrenceType,
    Recurrence,
    RecurrenceType,
    TerminationType,
)
from calendar_gateway.upstreams.weekday import Weekday

_ONE_DAY = timedelta(days=1)
_DAY_START = time(0, 0, 0)
_DAY_END = time(23, 59, 59)
_FREQUENCIES: dict[RecurrenceType, Literal[0, 1, 2, 3]] = {
    RecurrenceType.DAILY: rrule.DAILY,
    RecurrenceType.WEEKLY: rrule.WEEKLY,
    RecurrenceType.MONTHLY: rrule.MONTHLY,
    RecurrenceType.YEARLY: rrule.YEARLY,
}
_WEEKDAYS = {
    Weekday.SUNDAY: rrule.SU,
    Weekday.MONDAY: rrule.MO,
    Weekday.TUESDAY: rrule.TU,
    Weekday.WEDNESDAY: rrule.WE,
    Weekday.THURSDAY: rrule.TH,
    Weekday.FRIDAY: rrule.FR,
    Weekday.SATURDAY: rrule.SA,
}


@dataclass(frozen=True)
class Occurrence:
    """One time an appointment takes place, its sides in Xelion's form."""

    oid: str
    """The appointment's (the series') oid."""
    start: datetime
    end: datetime
    all_start_day: bool
    all_end_day: bool

    @property
    def id(self) -> str:
        """Opaque and stable: the series and this occurrence's start."""
        stamp = self.start.strftime("%Y%m%dT%H%M%S") + ("Z" if self.start.tzinfo else "")
        return base64.urlsafe_b64encode(f"{self.oid}@{stamp}".encode()).decode().rstrip("=")


class OccurrenceBudget:
    """How many occurrences one request may still expand (MAX_OCCURRENCES).

    A daily series over a quarter, times hundreds of listed appointments, is tens of
    thousands: past the budget expansion stops and the request is told to ask for a shorter
    period. Shared by a request's expansions, which run in worker threads.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._left = limit
        self._lock = threading.Lock()

    def spend(self, count: int) -> None:
        """Take ``count`` occurrences; BAD_USER_INPUT on ``to`` once the budget is spent."""
        with self._lock:
            self._left -= count
            left = self._left
        if left < 0:
            raise InvalidInputError(
                "to",
                f"the period holds more than {self.limit} occurrences, the most one request "
                "may expand: ask for a shorter period",
                OUT_OF_RANGE,
            )


def occurrences(
    appointment: Appointment | AppointmentSummary, zone: tzinfo, around: TimeWindow
) -> list[Occurrence]:
    """The occurrences that may touch ``around``, in order; a day either side is kept, so a
    caller placing all-day sides in another zone still finds every one it needs.

    A list entry (a summary) has no recurrence fields: it is one occurrence.
    """
    if not isinstance(appointment, Appointment) or appointment.recurrence is None:
        return [_single(appointment)]
    wall_start, wall_end = _wall(appointment.start, zone), _wall(appointment.end, zone)
    rule = to_rule(appointment.recurrence, wall_start, zone)
    lower = _wall(around.start, zone) - (wall_end - wall_start) - _ONE_DAY
    upper = _wall(around.end, zone) + _ONE_DAY
    return [
        _occurrence(appointment, start, start + (wall_end - wall_start), zone)
        for start in rule.between(lower, upper, inc=True)
    ]


def to_rule(recurrence: Recurrence, wall_start: datetime, zone: tzinfo) -> rrule.rrule:
    """The RFC 5545 rule of a series starting at the naive local ``wall_start``."""
    first_day = wall_start.date()
    if recurrence.first is not None:
        # Never before the appointment's own date: an all-day series' first date may be a
        # local midnight that Xelion reads as UTC, hours before it in a zone west of UTC.
        first_day = max(first_day, _date(recurrence.first, zone))
    start = datetime.combine(first_day, wall_start.time())
    until, count = _termination(recurrence, zone)
    return rrule.rrule(
        _FREQUENCIES[recurrence.type],
        dtstart=start,
        interval=max(1, recurrence.interval or 1),
        byweekday=_weekdays(recurrence, start),
        count=count,
        until=until,
    )


def placed(occurrence: Occurrence, zone: tzinfo) -> TimeWindow:
    """The instants an occurrence takes: an all-day side from the local midnight of its date
    (start) or to the one after it (end), in ``zone``."""
    start, end = occurrence.start, occurrence.end
    if occurrence.all_start_day:
        start = _midnight(start.date(), zone)
    if occurrence.all_end_day:
        end = _midnight(end.date() + _ONE_DAY, zone)
    return TimeWindow(start.astimezone(UTC), end.astimezone(UTC))


def overlapping(found: list[Occurrence], zone: tzinfo, window: TimeWindow) -> Iterator[Occurrence]:
    """Those of ``found`` that share time with ``window``; one of no length: that lies in it."""
    for occurrence in found:
        span = placed(occurrence, zone)
        if span.start == span.end:
            if window.start <= span.start < window.end:
                yield occurrence
        elif span.start < window.end and window.start < span.end:
            yield occurrence


def _single(appointment: Appointment | AppointmentSummary) -> Occurrence:
    return Occurrence(
        appointment.oid,
        appointment.start,
        appointment.end,
        appointment.all_start_day,
        appointment.all_end_day,
    )


def _occurrence(
    series: Appointment, wall_start: datetime, wall_end: datetime, zone: tzinfo
) -> Occurrence:
    return Occurrence(
        series.oid,
        _side(wall_start, series.all_start_day, _DAY_START, zone),
        _side(wall_end, series.all_end_day, _DAY_END, zone),
        series.all_start_day,
        series.all_end_day,
    )


def _side(wall: datetime, all_day: bool, day_time: time, zone: tzinfo) -> datetime:
    if all_day:
        return datetime.combine(wall.date(), day_time)
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _weekdays(recurrence: Recurrence, start: datetime) -> list[rrule.weekday] | None:
    if recurrence.type is RecurrenceType.WEEKLY and recurrence.weekdays:
        return [_WEEKDAYS[day] for day in sorted(recurrence.weekdays)]
    if (
        recurrence.type is RecurrenceType.MONTHLY
        and recurrence.month_type is MonthRecurrenceType.DAY_OF_WEEK
    ):
        week = (start.day - 1) // 7 + 1
        return [rrule.weekdays[start.weekday()](-1 if week == 5 else week)]
    return None  # rrule's default: the start's weekday, day of the month, or date


def _termination(recurrence: Recurrence, zone: tzinfo) -> tuple[datetime | None, int | None]:
    if recurrence.termination_type is TerminationType.COUNT:
        return None, max(1, recurrence.count or 1)
    if (
        recurrence.termination_type is TerminationType.DATE
        and recurrence.termination_date is not None
    ):
        return datetime.combine(_date(recurrence.termination_date, zone), time.max), None
    return None, None


def _wall(value: datetime, zone: tzinfo) -> datetime:
    """The naive local time: an aware ``value`` in ``zone``; a naive one (all-day) as it is."""
    if value.tzinfo is None:
        return value
    return value.astimezone(zone).replace(tzinfo=None)


def _date(value: datetime, zone: tzinfo) -> date:
    return _wall(value, zone).date()


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, _DAY_START).replace(tzinfo=zone, fold=0)
