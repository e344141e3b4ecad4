"""iCalendar (RFC 5545) documents of bookings, appointments and holidays, made by ``icalendar``.

Times keep what the vendor states: Synergist's zone-less wall-clock times become floating
times (RFC 5545 3.3.5, form #1), which a calendar app shows at that clock time wherever it is;
Xelion's instants are UTC; all-day sides and holidays are dates. DTSTAMP is the feed's day,
so the same data on the same day gives the same bytes (and ETag).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from icalendar import Calendar, Event

from calendar_gateway.services import worktime
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


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]
