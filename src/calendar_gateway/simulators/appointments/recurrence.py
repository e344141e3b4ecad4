"""When the Xelion simulator lists a recurring appointment: our reading of the vendor.

The vendor's list example shows a series' occurrences, but not how a list chooses them. The
simulator lists a series once, as stored, when any of its occurrences shares a date with the
requested ``after``/``before`` dates; a client must not count on its stored start lying
within them. Occurrences come from the stored fields as an RFC 5545 rule (dateutil's rrule),
read in UTC, the zone of Xelion's stored times (inferred):

- the first one on ``firstRecurrenceDate``'s date (never before ``starttime``'s), at
  ``starttime``'s time of day, lasting until ``endtime`` is from ``starttime``;
- ``recurrenceType`` daily, weekly (on the flagged weekdays, else the first date's),
  monthly (dayOfMonth, or dayOfWeek: the first date's weekday in its week of the month, the
  fifth read as the last) or yearly, every ``recurrenceInterval``;
- ``recurrenceTerminationType`` recurrenceCount (``recurrenceCount`` times, at least once) or
  recurrenceDate (to the end of ``recurrenceTerminationDate``'s date); else without end.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from dateutil import rrule

from calendar_gateway.simulators.payload import JsonObject

_FORMAT = "%Y-%m-%d %H:%M:%S"
_FREQUENCIES: dict[str, Literal[0, 1, 2, 3]] = {
    "daily": rrule.DAILY,
    "weekly": rrule.WEEKLY,
    "monthly": rrule.MONTHLY,
    "yearly": rrule.YEARLY,
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def recurs_within(item: JsonObject, after: date | None, before: date | None) -> bool:
    """Whether an occurrence of the series ``item`` falls on the dates (None: no bound)."""
    start, end = _time(item["starttime"]), _time(item["endtime"])
    rule = _rule(item, start)
    lower = datetime.min if after is None else datetime.combine(after, time()) - (end - start)
    first = rule.after(lower, inc=True)
    if first is None:
        return False
    return before is None or first.date() <= before


def _rule(item: JsonObject, start: datetime) -> rrule.rrule:
    first_text = item.get("firstRecurrenceDate") or item["starttime"]
    first_day = max(start.date(), _time(first_text).date())
    dtstart = datetime.combine(first_day, start.time())
    termination = item.get("recurrenceTerminationType")
    count = max(1, item.get("recurrenceCount") or 1) if termination == "recurrenceCount" else None
    until = None
    if termination == "recurrenceDate" and item.get("recurrenceTerminationDate"):
        until = datetime.combine(_time(item["recurrenceTerminationDate"]).date(), time.max)
    return rrule.rrule(
        _FREQUENCIES.get(item.get("recurrenceType", ""), rrule.WEEKLY),
        dtstart=dtstart,
        interval=max(1, item.get("recurrenceInterval") or 1),
        byweekday=_weekdays(item, dtstart),
        count=count,
        until=until,
    )


def _weekdays(item: JsonObject, start: datetime) -> list[rrule.weekday] | None:
    kind = item.get("recurrenceType")
    if kind == "weekly":
        flagged = [rrule.weekdays[i] for i, name in enumerate(_WEEKDAYS) if item.get(name)]
        return flagged or None
    if kind == "monthly" and item.get("monthRecurrenceType") == "dayOfWeek":
        week = (start.day - 1) // 7 + 1
        return [rrule.weekdays[start.weekday()](-1 if week == 5 else week)]
    return None


def _time(text: str) -> datetime:
    return datetime.strptime(text, _FORMAT)
