"""Times and periods a client asks about, checked before anything is computed or called.

A naive date-time is a wall-clock time in the zone the caller names (a business calendar's),
read with fold=0 as the working-time engine reads wall times. Years are bounded so that no
computation on a value can step past the range of Python's datetime.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

from calendar_gateway.services.errors import InvalidInputError
from calendar_gateway.services.worktime import TimeWindow

FIRST_YEAR = 1900
LAST_YEAR = 2999
MAX_WINDOW_DAYS = 366
"""The longest period of working windows or hours one field computes: a year."""
MAX_OCCURRENCE_DAYS = 36_525
"""The longest range of an exception's dates: a century."""


def instant(value: datetime, zone: tzinfo) -> datetime:
    """``value`` in UTC; a naive one is wall-clock time in ``zone``."""
    if value.utcoffset() is None:
        value = value.replace(tzinfo=zone, fold=0)
    return value.astimezone(UTC)


def checked_instant(value: datetime, zone: tzinfo, field: str) -> datetime:
    """``instant``, of a year any computation on it can handle."""
    _check_year(value.year, field)
    return instant(value, zone)


def period(start: datetime, end: datetime, zone: tzinfo, max_days: int) -> TimeWindow:
    """The period from ``from`` to ``to`` in UTC, in order and at most ``max_days`` long."""
    window = TimeWindow(checked_instant(start, zone, "from"), checked_instant(end, zone, "to"))
    _check_span(window.end - window.start, max_days)
    return window


def date_period(first: date, last: date, max_days: int) -> tuple[date, date]:
    """The dates from ``from`` to ``to``, both included, in order and at most ``max_days``."""
    _check_year(first.year, "from")
    _check_year(last.year, "to")
    _check_span(last - first, max_days)
    return first, last


def _check_year(year: int, field: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInputError(field, f"{field} must lie in the years {FIRST_YEAR}-{LAST_YEAR}")


def _check_span(span: timedelta, max_days: int) -> None:
    if span < timedelta():
        raise InvalidInputError("to", "to is before from")
    if span > timedelta(days=max_days):
        raise InvalidInputError("to", f"from and to may be at most {max_days} days apart")
