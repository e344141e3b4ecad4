"""Availability across the vendors: three upstream reads at once, and a partial answer when
one of them fails.

The business calendar gives working time, holidays and, unless the caller names another,
the zone of local times (naive ``from``/``to``, Synergist's times, Xelion's all-day dates).
Without that zone, bookings and all-day appointments cannot be placed: they are left out
and a warning says so. See services/freebusy.py for how times are placed and compared, and
services/occurrences.py for how a recurring appointment counts at each of its occurrences.

Never free time from partial data: when any source fails, there is neither free time nor a
list of conflicts, only the busy time that the sources which answered know of.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TypeVar

from calendar_gateway.services import freebusy, periods
from calendar_gateway.services.appointments import AppointmentService, Listing, require_oid
from calendar_gateway.services.bookings import BookingService
from calendar_gateway.services.calendars import CalendarService
from calendar_gateway.services.errors import InvalidInputError
from calendar_gateway.services.freebusy import BusyTime, Commitment, Conflict
from calendar_gateway.services.worktime import TimeWindow, working_windows
from calendar_gateway.timezones import UnknownTimeZoneError, resolve_zone
from calendar_gateway.upstreams.appointment_model import AppointmentSummary
from calendar_gateway.upstreams.bookings import Booking
from calendar_gateway.upstreams.calendars import BusinessCalendar, CalendarRef
from calendar_gateway.upstreams.errors import UpstreamError

MAX_DAYS = 92
"""The longest period one query covers: a quarter."""
CALENDARS, BOOKINGS, APPOINTMENTS = "calendars", "bookings", "appointments"
"""The sources, named as the upstreams are in errors."""
T = TypeVar("T")
# Offsets from UTC stay within a day, so a day either side covers a period in any zone.
_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class AvailabilityRequest:
    calendar: CalendarRef
    resource_id: str
    company: str
    appointment_calendar_id: str
    start: datetime
    end: datetime
    time_zone: str | None
    """The zone of local times; None: the business calendar's."""


@dataclass(frozen=True)
class Availability:
    """What the sources that answered tell: ``working`` is None exactly when the calendar
    failed, ``bookings`` and ``appointments`` when theirs did, ``free`` and ``conflicts`` when
    any source failed."""

    period: TimeWindow
    time_zone: str | None
    """The zone local times were read in; None when it could not be known."""
    working: list[TimeWindow] | None
    free: list[TimeWindow] | None
    busy: list[BusyTime]
    conflicts: list[Conflict] | None
    bookings: list[Booking] | None
    appointments: list[AppointmentSummary] | None
    failures: dict[str, UpstreamError]
    """Why a source is missing, by source: the answer is partial without it."""
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class _Answers:
    calendar: BusinessCalendar | None
    bookings: list[Booking] | None
    appointments: Listing | None
    failures: dict[str, UpstreamError]
    warnings: tuple[str, ...]


class AvailabilityService:
    """One query over all three vendors."""

    def __init__(
        self, calendars: CalendarService, bookings: BookingService, appointments: AppointmentService
    ) -> None:
        self._calendars = calendars
        self._bookings = bookings
        self._appointments = appointments

    async def availability(self, request: AvailabilityRequest) -> Availability:
        """Working, free and busy time and conflicts; what a failed upstream feeds is left out."""
        chosen_zone = _zone(request.time_zone)
        # Before any call. Naive times may be in a zone that comes with the calendar: read in
        # UTC meanwhile, they are near enough to check and to choose the dates to ask for.
        rough = periods.period(request.start, request.end, chosen_zone or UTC, MAX_DAYS)
        _check_ids(request)
        answers = await self._ask(request, rough.start.date() - _MARGIN, rough.end.date() + _MARGIN)
        zone = chosen_zone or _calendar_zone(answers.calendar)
        if zone is None and (request.start.tzinfo is None or request.end.tzinfo is None):
            # Not even the period is known without the calendar's zone.
            raise answers.failures[CALENDARS]
        period = periods.period(request.start, request.end, zone or UTC, MAX_DAYS)
        return _assemble(request, answers, zone, period)

    async def _ask(self, request: AvailabilityRequest, first: date, last: date) -> _Answers:
        calendar, booked, listed = await asyncio.gather(
            self._calendars.get(request.calendar),
            self._bookings.in_range(request.company, first, last),
            self._appointments.listing(request.appointment_calendar_id, first, last),
            return_exceptions=True,
        )
        failures: dict[str, UpstreamError] = {}
        reply = _answer(booked, BOOKINGS, failures)
        found = _answer(listed, APPOINTMENTS, failures)
        warnings = [] if reply is None else list(reply.warnings)
        warnings += [] if found is None else found.warnings
        return _Answers(
            calendar=_answer(calendar, CALENDARS, failures),
            bookings=None
            if reply is None
            else [b for b in reply.value if b.resource.id == request.resource_id],
            appointments=found,
            failures=failures,
            warnings=tuple(warnings),
        )


def _assemble(
    request: AvailabilityRequest, answers: _Answers, zone: tzinfo | None, period: TimeWindow
) -> Availability:
    calendar = answers.calendar
    commitments, warnings = _commitments(answers, zone, period)
    busy = freebusy.busy_times(commitments, period)
    working = None if calendar is None else working_windows(calendar, period.start, period.end)
    free = conflicts = None
    if calendar is not None and zone is not None and working is not None and not answers.failures:
        free = freebusy.free_times(working, busy)
        holidays = freebusy.holidays(calendar, zone, period)
        conflicts = freebusy.conflicts(commitments, working, holidays, zone, period)
    return Availability(
        period=period,
        time_zone=request.time_zone or (None if calendar is None else calendar.time_zone_id),
        working=working,
        free=free,
        busy=busy,
        conflicts=conflicts,
        bookings=answers.bookings,
        appointments=None if answers.appointments is None else answers.appointments.appointments,
        failures=answers.failures,
        warnings=answers.warnings + warnings,
    )


def _commitments(
    answers: _Answers, zone: tzinfo | None, period: TimeWindow
) -> tuple[list[Commitment], tuple[str, ...]]:
    """What the bookings and appointments take, and a warning for what could not be placed."""
    booked = answers.bookings or []
    listed = [] if answers.appointments is None else answers.appointments.occurrences
    if zone is None:
        timed = [a for a in listed if not (a.all_start_day or a.all_end_day)]
        placed = [c for a in timed for c in freebusy.appointment_commitments(a, UTC)]
        if len(timed) == len(listed) and not booked:
            return placed, ()
        return placed, (
            "Bookings and all-day appointments are left out: their local times need "
            "timeZone, or the business calendar's zone, which could not be read",
        )
    worked = None if answers.calendar is None else freebusy.works_on(answers.calendar, zone)
    return [
        *(c for b in booked for c in freebusy.booking_commitments(b, zone, period, worked)),
        *(c for a in listed for c in freebusy.appointment_commitments(a, zone)),
    ], ()


def _answer(
    outcome: T | BaseException, source: str, failures: dict[str, UpstreamError]
) -> T | None:
    """The source's answer, or None with its failure noted; anything else is no source's."""
    if isinstance(outcome, UpstreamError):
        failures[source] = outcome
        return None
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def _zone(time_zone: str | None) -> tzinfo | None:
    if time_zone is None:
        return None
    try:
        return resolve_zone(time_zone)
    except UnknownTimeZoneError as error:
        raise InvalidInputError("timeZone", str(error)) from error


def _calendar_zone(calendar: BusinessCalendar | None) -> tzinfo | None:
    return None if calendar is None else resolve_zone(calendar.time_zone_id)


def _check_ids(request: AvailabilityRequest) -> None:
    if not request.company.strip():
        raise InvalidInputError("company", "company must not be empty")
    if not request.resource_id.strip():
        raise InvalidInputError("resourceId", "resourceId must not be empty")
    require_oid(request.appointment_calendar_id, "appointmentCalendarId")
