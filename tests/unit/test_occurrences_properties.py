"""Recurrence expansion against an independent oracle, across daylight saving time changes.

The oracle is the same series written as RFC 5545 text (an iCalendar VEVENT with an RRULE)
and expanded by icalendar and recurring-ical-events: rendering the Xelion fields as text here
is independent of how services/occurrences.py builds its rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_gateway.services.occurrences import occurrences, overlapping
from calendar_gateway.services.worktime import TimeWindow
from calendar_gateway.upstreams.appointment_model import (
    Appointment,
    MonthRecurrenceType,
    Permissions,
    Recurrence,
    RecurrenceType,
    TerminationType,
)
from calendar_gateway.upstreams.weekday import Weekday

ZONES = [ZoneInfo("America/New_York"), ZoneInfo("Europe/Amsterdam")]
# Weeks around the changes of 2025 and 2026 in both zones (March and October/November).
DST_WEEKS = [date(2025, 3, 3), date(2025, 10, 20), date(2026, 3, 2), date(2026, 10, 19)]
ICAL_DAYS = {
    Weekday.MONDAY: "MO",
    Weekday.TUESDAY: "TU",
    Weekday.WEDNESDAY: "WE",
    Weekday.THURSDAY: "TH",
    Weekday.FRIDAY: "FR",
    Weekday.SATURDAY: "SA",
    Weekday.SUNDAY: "SU",
}
ISO_WEEKDAYS = [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY,
                Weekday.FRIDAY, Weekday.SATURDAY, Weekday.SUNDAY]  # fmt: skip


@dataclass(frozen=True)
class Series:
    zone: ZoneInfo
    start: datetime
    """As Xelion stores it: an instant (a wall-clock time that exists in the zone)."""
    length: timedelta
    recurrence: Recurrence
    window: TimeWindow


@st.composite
def series(draw: st.DrawFn) -> Series:
    zone = draw(st.sampled_from(ZONES))
    day = draw(st.sampled_from(DST_WEEKS)) + timedelta(days=draw(st.integers(0, 13)))
    wall = datetime.combine(day, time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 30]))))
    start = wall.replace(tzinfo=zone).astimezone(UTC)
    kind = draw(st.sampled_from(RecurrenceType))
    local_day = start.astimezone(zone).date()
    # The start's own weekday is always one of them: RFC 5545 leaves a DTSTART that the
    # rule does not produce undefined.
    extra = draw(st.frozensets(st.sampled_from(list(Weekday)), max_size=3))
    weekdays = extra | {ISO_WEEKDAYS[local_day.weekday()]} if extra else frozenset()
    termination = draw(st.sampled_from(TerminationType))
    until = local_day + timedelta(days=draw(st.integers(0, 120)))
    recurrence = Recurrence(
        type=kind,
        interval=draw(st.integers(1, 3)),
        termination_type=termination,
        # As in Xelion's example: a local midnight, stated in UTC.
        termination_date=datetime.combine(until, time(), zone).astimezone(UTC),
        count=draw(st.integers(1, 12)),
        first=start,
        last=None,
        weekdays=weekdays if kind is RecurrenceType.WEEKLY else frozenset(),
        month_type=draw(st.sampled_from(MonthRecurrenceType)),
    )
    offset = timedelta(days=draw(st.integers(-3, 60)))
    window_start = start + offset
    window = TimeWindow(window_start, window_start + timedelta(days=draw(st.integers(1, 45))))
    length = timedelta(minutes=draw(st.sampled_from([15, 60, 150, 24 * 60 + 30])))
    return Series(zone, start, length, recurrence, window)


def appointment(s: Series) -> Appointment:
    return Appointment(
        oid="1900001",
        subject="Overleg",
        start=s.start,
        end=(s.start.astimezone(s.zone) + s.length).astimezone(UTC),
        all_start_day=False,
        all_end_day=False,
        internal=False,
        user_status=None,
        participants=(),
        calendars=(),
        comment="",
        recurrence=s.recurrence,
        permissions=Permissions(read=True, write=True, remove=True),
        raw={},
    )


def rrule_text(s: Series) -> str:
    r = s.recurrence
    local = s.start.astimezone(s.zone)
    parts = [f"FREQ={r.type.name}", f"INTERVAL={r.interval}"]
    if r.type is RecurrenceType.WEEKLY and r.weekdays:
        parts.append("BYDAY=" + ",".join(ICAL_DAYS[d] for d in sorted(r.weekdays)))
    if r.type is RecurrenceType.MONTHLY and r.month_type is MonthRecurrenceType.DAY_OF_WEEK:
        nth = (local.day - 1) // 7 + 1
        parts.append(f"BYDAY={-1 if nth == 5 else nth}{ICAL_DAYS[ISO_WEEKDAYS[local.weekday()]]}")
    if r.termination_type is TerminationType.COUNT:
        parts.append(f"COUNT={r.count}")
    if r.termination_type is TerminationType.DATE and r.termination_date is not None:
        last_day = r.termination_date.astimezone(s.zone).date()
        until = datetime.combine(last_day, time(23, 59, 59), s.zone).astimezone(UTC)
        parts.append(f"UNTIL={until:%Y%m%dT%H%M%SZ}")
    return ";".join(parts)


def oracle(s: Series) -> list[tuple[datetime, datetime]]:
    local = s.start.astimezone(s.zone)
    wall = f"{local:%Y%m%dT%H%M%S}"
    # The end as the appointment's own end instant reads on the wall clock: in a spring gap
    # ``local + s.length`` names a time that does not exist, which is not what Xelion holds.
    end = f"{appointment(s).end.astimezone(s.zone):%Y%m%dT%H%M%S}"
    tzid = s.zone.key
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n"
        "UID:series@tests\r\nDTSTAMP:20250101T000000Z\r\n"
        f"DTSTART;TZID={tzid}:{wall}\r\nDTEND;TZID={tzid}:{end}\r\n"
        f"RRULE:{rrule_text(s)}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    calendar = icalendar.Calendar.from_ical(text)
    found = recurring_ical_events.of(calendar).between(s.window.start, s.window.end)
    return sorted((event.start.astimezone(UTC), event.end.astimezone(UTC)) for event in found)


def ours(s: Series) -> list[tuple[datetime, datetime]]:
    found = occurrences(appointment(s), s.zone, s.window)
    return sorted((o.start, o.end) for o in overlapping(found, s.zone, s.window))


@settings(max_examples=200, deadline=None)
@given(series())
def test_expansion_matches_the_rfc_5545_oracle(s: Series) -> None:
    assert ours(s) == oracle(s)


@settings(max_examples=50, deadline=None)
@given(series())
def test_every_occurrence_keeps_the_series_wall_clock_time(s: Series) -> None:
    wall = s.start.astimezone(s.zone).time()
    for start, _ in ours(s):
        assert start.astimezone(s.zone).time() == wall or not _exists(start, wall, s.zone)


def _exists(instant: datetime, wall: time, zone: ZoneInfo) -> bool:
    """Whether the wall time exists on the instant's local date (not in a spring gap)."""
    local = datetime.combine(instant.astimezone(zone).date(), wall, zone)
    return local.astimezone(UTC).astimezone(zone).time() == wall
