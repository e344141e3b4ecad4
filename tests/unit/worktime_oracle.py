"""A brute-force reading of a business calendar, minute by minute, to check services/worktime.py.

It also reads a FIXED exception's epoch milliseconds its own way, to check the GRS client's
``decode_fixed_date``.

Written apart from the engine: it shares the model and the rules, not the code. It asks every
exception, for every day, whether it falls there, instead of listing the exception's dates; and it
marks the working minutes of a range one by one instead of building, clipping and merging windows.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from calendar_gateway.upstreams.calendars import (
    BusinessCalendar,
    CalendarException,
    ExceptionType,
    Placement,
    RelativeType,
)

_JAVA_FIXED_ZONES: dict[str, tzinfo] = {"EST": timezone(timedelta(hours=-5))}
_NOON = time(12)
_WORKING = 1
_NTH = {
    RelativeType.FIRST: 0,
    RelativeType.SECOND: 1,
    RelativeType.THIRD: 2,
    RelativeType.FOURTH: 3,
}
_PRECEDENCE = (Placement.FIXED, Placement.ANNUAL, Placement.RELATIVE)


def zone_of(zone_id: str) -> tzinfo:
    return _JAVA_FIXED_ZONES.get(zone_id) or ZoneInfo(zone_id)


def working_minutes(calendar: BusinessCalendar, start_minute: int, end_minute: int) -> bytearray:
    """One byte per minute of [start_minute, end_minute) since the epoch: 1 when it is worked."""
    zone = zone_of(calendar.time_zone_id)
    marks = bytearray(end_minute - start_minute)
    day = _local_date(start_minute, zone) - timedelta(days=2)
    while day <= _local_date(end_minute, zone) + timedelta(days=1):
        for opening, closing in day_hours(calendar, zone, day):
            closing_day = day + timedelta(days=1) if closing <= opening else day
            first = max(_minute(day, opening, zone), start_minute)
            last = min(_minute(closing_day, closing, zone), end_minute)
            for minute in range(first, last):
                marks[minute - start_minute] = _WORKING
        day += timedelta(days=1)
    return marks


def runs(marks: bytearray) -> list[tuple[int, int]]:
    """The maximal stretches [first, last) of working minutes, as indexes into ``marks``."""
    stretches: list[tuple[int, int]] = []
    first = marks.find(_WORKING)
    while first != -1:
        last = marks.find(0, first)
        last = len(marks) if last == -1 else last
        stretches.append((first, last))
        first = marks.find(_WORKING, last)
    return stretches


def day_hours(calendar: BusinessCalendar, zone: tzinfo, day: date) -> list[tuple[time, time]]:
    falling = [e for e in calendar.exceptions or () if falls_on(e, day)]
    if any(e.type is ExceptionType.HOLIDAY for e in falling):
        return []
    for placement in _PRECEDENCE:
        changed = [
            (e.time_change_start, e.time_change_stop)
            for e in falling
            if e.type is ExceptionType.TIME_CHANGE and e.placement is placement
        ]
        hours = [(a, b) for a, b in changed if a is not None and b is not None]
        if hours:
            return hours
    if grs_weekday(day) in working_weekdays(calendar):
        return [(calendar.day_starts, calendar.day_ends)]
    return []


def working_weekdays(calendar: BusinessCalendar) -> set[int]:
    weekday = int(calendar.week_starts)
    days = {weekday}
    while weekday != calendar.week_ends:
        weekday = weekday % 7 + 1
        days.add(weekday)
    return days


def falls_on(exception: CalendarException, day: date) -> bool:
    if exception.placement is Placement.FIXED:
        return exception.fixed_date == day
    if exception.placement is Placement.ANNUAL:
        return _annual_falls_on(exception, day)
    return _relative_falls_on(exception, day)


def grs_weekday(day: date) -> int:
    return (day.weekday() + 1) % 7 + 1


def fixed_ms_falls_on(epoch_ms: int, zone: tzinfo, day: date) -> bool:
    """Whether GRS's instant of a FIXED date is within half a day of ``day``'s local midnight."""
    seconds, millis = divmod(epoch_ms, 1000)
    instant = datetime.fromtimestamp(seconds, zone).replace(tzinfo=None)
    instant += timedelta(milliseconds=millis)
    return (
        datetime.combine(day - timedelta(days=1), _NOON) <= instant < datetime.combine(day, _NOON)
    )


def _annual_falls_on(exception: CalendarException, day: date) -> bool:
    month, wanted = exception.annual_month, exception.annual_day
    if month is None or wanted is None or not 1 <= wanted <= 31:
        return False
    return day.month == month and day.day == min(wanted, _days_in_month(day))


def _relative_falls_on(exception: CalendarException, day: date) -> bool:
    kind, weekday, month = (
        exception.relative_type,
        exception.relative_day_of_week,
        exception.relative_month,
    )
    if kind is None or weekday is None or month not in range(13):
        return False
    if month not in (0, day.month) or grs_weekday(day) != weekday:
        return False
    if kind is RelativeType.EVERY:
        return True
    if kind is RelativeType.LAST:
        return (day + timedelta(days=7)).month != day.month
    return (day.day - 1) // 7 == _NTH[kind]


def _days_in_month(day: date) -> int:
    next_month = day.replace(day=28) + timedelta(days=4)
    return (next_month.replace(day=1) - timedelta(days=1)).day


def _local_date(minute: int, zone: tzinfo) -> date:
    return datetime.fromtimestamp(minute * 60, zone).date()


def _minute(day: date, wall: time, zone: tzinfo) -> int:
    # fold=0 is datetime's default: the first of two readings, and past a gap by its length.
    local = datetime(day.year, day.month, day.day, wall.hour, wall.minute, tzinfo=zone)
    return int(local.timestamp()) // 60
