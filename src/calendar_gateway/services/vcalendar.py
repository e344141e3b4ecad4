"""iCalendar (RFC 5545) documents of bookings, appointments and holidays, made by ``icalendar``.

Times keep what the vendor states: Synergist's zone-less wall-clock times become floating
times (RFC 5545 3.3.5, form #1), which a calendar app shows at that clock time wherever it is;
Xelion's instants are UTC; all-day sides and holidays are dates. DTSTAMP is the feed's day,
so the same data on the same day gives the same bytes (and ETag).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from dateutil import rrule
from icalendar import Calendar, Event, vRecur

from calendar_gateway.services import occurrences, worktime
from calendar_gateway.upstreams.appointment_model import Appointment, AppointmentSummary, Recurrence
from calendar_gateway.upstreams.bookings import Booking
from calendar_gateway.upstreams.calendars import BusinessCalendar, ExceptionType

PRODUCT = "-//calendar-gateway//feeds//EN"
DOMAIN = "calendar-gateway"
_ONE_DAY = timedelta(days=1)


def bookings(found: Iterable[Booking], name: str, today: date) -> bytes:
    calendar = _calendar(f"Bookings {name}")
    for booking in sorted(found, key=lambda b: (b.start, b.id)):
        event = _event(
            f"booking-{booking.id}", booking.job.description or booking.client.name, today
        )
        if booking.all_day:
            event.add("dtstart", booking.start.date())
            event.add("dtend", booking.end.date() + _ONE_DAY)
        else:
            event.add("dtstart", booking.start)
            event.add("dtend", booking.end)
        event.add("description", _booking_description(booking))
        calendar.add_component(event)
    return _bytes(calendar)


def appointments(
    listed: Iterable[AppointmentSummary],
    series: Mapping[str, Appointment],
    name: str,
    zone: tzinfo,
    today: date,
) -> bytes:
    """Each appointment once: a series (read in full, in ``series``) with its RRULE, in
    ``zone`` so that its wall-clock time holds across daylight saving changes."""
    calendar = _calendar(f"Appointments {name}")
    # By oid: all-day starts are naive, timed ones aware; only the order must be stable.
    for summary in sorted(listed, key=lambda a: a.oid):
        event = _event(f"appointment-{summary.oid}", summary.subject, today)
        full = series.get(summary.oid)
        if full is not None and full.recurrence is not None:
            if not _add_series(event, full, full.recurrence, zone):
                continue
        else:
            _add_side(event, "dtstart", summary.start, summary.all_start_day, 0)
            _add_side(event, "dtend", summary.end, summary.all_end_day, 1)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return _bytes(calendar)


def holidays(business: BusinessCalendar, first: date, last: date, today: date) -> bytes:
    """Each date from ``first`` to ``last`` that a HOLIDAY exception falls on, as a day event."""
    calendar = _calendar(f"Holidays {business.name}")
    for exception in business.exceptions or ():
        if exception.type is not ExceptionType.HOLIDAY:
            continue
        for day in worktime.occurrences(exception, first, last):
            uid = f"holiday-{business.id}-{day:%Y%m%d}-{_digest(exception.name)}"
            event = _event(uid, exception.name, today)
            event.add("dtstart", day)
            event.add("dtend", day + _ONE_DAY)
            # A holiday is not busy time.
            event.add("transp", "TRANSPARENT")
            calendar.add_component(event)
    return _bytes(calendar)


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # RFC 7986 and the widely read X-WR-CALNAME: the name an app shows for the feed.
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    return calendar


def _event(uid: str, summary: str, today: date) -> Event:
    event = Event()
    event.add("uid", f"{uid}@{DOMAIN}")
    event.add("dtstamp", datetime.combine(today, time(0, 0), UTC))
    event.add("summary", summary)
    return event


def _booking_description(booking: Booking) -> str:
    lines = [
        f"Client: {booking.client.name} ({booking.client.code})",
        f"Job: {booking.job.number} {booking.job.description}",
        f"Charge code: {booking.charge_code.code} {booking.charge_code.description}",
        f"Resource: {booking.resource.name}",
        f"Status: {booking.status}",
    ]
    return "\n".join(lines)


def _bytes(calendar: Calendar) -> bytes:
    body: bytes = calendar.to_ical()
    return body


def _add_side(event: Event, name: str, value: datetime, all_day: bool, days_after: int) -> None:
    # Xelion's all-day side is a naive local date (its end at 23:59:59): a DATE, the end
    # exclusive as RFC 5545 3.6.1 has it.
    if all_day:
        event.add(name, value.date() + timedelta(days=days_after))
    else:
        event.add(name, value.astimezone(UTC))


def _add_series(event: Event, series: Appointment, recurrence: Recurrence, zone: tzinfo) -> bool:
    """DTSTART, DTEND and RRULE of a series; False when its rule has no occurrence at all."""
    wall_start, wall_end = _wall(series.start, zone), _wall(series.end, zone)
    rule = occurrences.to_rule(recurrence, wall_start, zone)
    # The rule's first occurrence, not the stored start: RFC 5545 counts DTSTART as an
    # occurrence even where the rule would not fall, dateutil (our calendarView) does not.
    first = next(iter(rule), None)
    if first is None:
        return False
    if series.all_start_day:
        days = (wall_end.date() - wall_start.date()).days + 1
        event.add("dtstart", first.date())
        event.add("dtend", first.date() + timedelta(days=days))
    else:
        event.add("dtstart", first.replace(tzinfo=zone, fold=0))
        event.add("dtend", (first + (wall_end - wall_start)).replace(tzinfo=zone, fold=0))
    event.add("rrule", _recur(rule, zone, series.all_start_day))
    return True


def _recur(rule: rrule.rrule, zone: tzinfo, all_day: bool) -> vRecur:
    # dateutil writes RFC 5545's RRULE value; its UNTIL is local wall time, which RFC 5545
    # 3.3.10 wants as a DATE beside a DATE start, and in UTC beside a zoned one.
    line = next(part for part in str(rule).splitlines() if part.startswith("RRULE:"))
    recur: vRecur = vRecur.from_ical(line.removeprefix("RRULE:"))
    for until in recur.pop("UNTIL", []):
        local = until.replace(tzinfo=zone, fold=0).astimezone(UTC)
        recur["UNTIL"] = [until.date() if all_day else local]
    return recur


def _wall(value: datetime, zone: tzinfo) -> datetime:
    """Naive local time: an aware ``value`` in ``zone``; a naive one (all-day) as it is."""
    return value if value.tzinfo is None else value.astimezone(zone).replace(tzinfo=None)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]
