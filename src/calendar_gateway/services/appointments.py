"""Appointments: the gateway's time rules on the way to Xelion, and updates read back after writing.

Times as a client states them (README.md, "Appointments"): one with an offset is an
instant; a naive one is read in the input's ``timeZone``, else in APPOINTMENTS_TIMEZONE. An
all-day side is sent as the local calendar date of its value (in ``timeZone`` when given,
else in the value's own offset) at 00:00:00 or 23:59:59, never as the UTC-shifted instant
(docs/vendors/xelion.md, Time). Everything else goes to Xelion in UTC.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from calendar_gateway.caching import Codec, ReadCache
from calendar_gateway.services import periods
from calendar_gateway.services.errors import InvalidInputError
from calendar_gateway.services.occurrences import Occurrence, occurrences, overlapping, placed
from calendar_gateway.services.timezones import UnknownTimeZoneError, resolve_zone
from calendar_gateway.services.worktime import TimeWindow
from calendar_gateway.upstreams.appointment_model import (
    Appointment,
    AppointmentPatch,
    AppointmentSummary,
    MonthRecurrenceType,
    NewAppointment,
    Recurrence,
    RecurrenceFields,
    RecurrenceType,
    TerminationType,
    UserStatus,
)
from calendar_gateway.upstreams.appointments import AppointmentsClient
from calendar_gateway.upstreams.appointments_wire import OID, to_patch_operations
from calendar_gateway.upstreams.errors import NotFoundError

# The appointment model the Xelion client returns is the domain's: GraphQL names it here.
__all__ = [
    "MAX_VIEW_DAYS",
    "Appointment",
    "AppointmentPatch",
    "AppointmentService",
    "AppointmentSummary",
    "MonthRecurrenceType",
    "NewAppointment",
    "Recurrence",
    "RecurrenceFields",
    "RecurrenceType",
    "TerminationType",
    "UserStatus",
]

MAX_LIST = 500  # (inferred) enough for a calendar view; bounds the pages one query may fetch
MAX_VIEW_DAYS = 92
"""The longest window of one calendar view: a quarter."""
_DAY_START = time(0, 0, 0)
_DAY_END = time(23, 59, 59)
_ONE_DAY = timedelta(days=1)


def local_date(value: datetime, zone: tzinfo | None) -> date:
    """The calendar date ``value`` names: in ``zone`` when given, else in its own offset."""
    if zone is not None and value.tzinfo is not None:
        return value.astimezone(zone).date()
    return value.date()


def all_day_start(value: datetime, zone: tzinfo | None) -> datetime:
    """Naive: Xelion reads an all-day start as a local date, not an instant."""
    return datetime.combine(local_date(value, zone), _DAY_START)


def all_day_end(value: datetime, zone: tzinfo | None) -> datetime:
    return datetime.combine(local_date(value, zone), _DAY_END)


@dataclass(frozen=True)
class TimeRules:
    """How one request's times are read: its ``timeZone``, else the gateway's default."""

    zone: tzinfo | None
    default_zone: tzinfo

    def start(self, value: datetime, all_day: bool) -> datetime:
        return all_day_start(value, self.zone) if all_day else self.instant(value)

    def end(self, value: datetime, all_day: bool) -> datetime:
        return all_day_end(value, self.zone) if all_day else self.instant(value)

    def instant(self, value: datetime) -> datetime:
        return periods.instant(value, self.zone or self.default_zone)

    def recurrence(self, fields: RecurrenceFields) -> RecurrenceFields:
        return replace(
            fields,
            first=self._optional(fields.first),
            last=self._optional(fields.last),
            termination_date=self._optional(fields.termination_date),
        )

    def _optional(self, value: datetime | None) -> datetime | None:
        return None if value is None else self.instant(value)


def to_vendor_patch(
    patch: AppointmentPatch, rules: TimeRules, stored: Appointment | None
) -> AppointmentPatch:
    """``patch`` with its times as Xelion takes them.

    A side is all-day when the patch says so, or leaves it unsaid and ``stored`` is all-day.
    """
    start_all_day = _all_day(patch.all_start_day, stored is not None and stored.all_start_day)
    end_all_day = _all_day(patch.all_end_day, stored is not None and stored.all_end_day)
    return replace(
        patch,
        start=None if patch.start is None else rules.start(patch.start, start_all_day),
        end=None if patch.end is None else rules.end(patch.end, end_all_day),
        recurrence=rules.recurrence(patch.recurrence),
    )


def to_vendor_appointment(new: NewAppointment, rules: TimeRules) -> NewAppointment:
    """``new`` with its times as Xelion takes them."""
    return replace(
        new,
        start=rules.start(new.start, new.all_start_day),
        end=rules.end(new.end, new.all_end_day),
        recurrence=None if new.recurrence is None else rules.recurrence(new.recurrence),
    )


def needs_stored_flags(patch: AppointmentPatch) -> bool:
    """Whether a time in ``patch`` takes its all-day flag from the stored appointment."""
    return (patch.start is not None and patch.all_start_day is None) or (
        patch.end is not None and patch.all_end_day is None
    )


def _all_day(given: bool | None, stored: bool) -> bool:
    return stored if given is None else given


@dataclass(frozen=True)
class Listing:
    """A calendar's appointments over some dates, each once, and their occurrences."""

    appointments: list[AppointmentSummary]
    """As Xelion listed them: a series once."""
    series: dict[str, Appointment]
    """The recurring ones, read in full for their rules, by oid."""
    occurrences: list[Occurrence]
    """Every occurrence on the dates (and a day either side), in order of start."""
    warnings: tuple[str, ...]

    def appointment(self, oid: str) -> Appointment | AppointmentSummary:
        return self.series.get(oid) or next(a for a in self.appointments if a.oid == oid)


@dataclass(frozen=True)
class CalendarView:
    period: TimeWindow
    occurrences: list[Occurrence]
    listing: Listing
    zone: tzinfo
    """Where all-day sides are placed: the zone the occurrences were expanded in."""


LISTS = "lists"
"""Cached calendar listings: any appointment write may change any of them."""

APPOINTMENT = Codec(Appointment)
LISTING = Codec(list[AppointmentSummary])


class AppointmentService:
    """Xelion appointments for the GraphQL layer."""

    def __init__(self, client: AppointmentsClient, cache: ReadCache, default_zone: tzinfo) -> None:
        self._client = client
        self._cache = cache
        self._default_zone = default_zone

    async def get(self, oid: str) -> Appointment:
        require_oid(oid, "id")
        return await self._cache.read(f"appointment:{oid}", lambda: self._fresh(oid), APPOINTMENT)

    async def _fresh(self, oid: str) -> Appointment:
        try:
            return await self._client.get(oid)
        except NotFoundError:
            # A listing cached before may still show it: it is older than this answer.
            await self._cache.forget_group(LISTS)
            raise

    async def get_many(self, oids: list[str]) -> list[Appointment | BaseException]:
        """Each appointment or the error it failed with, in order.

        The Xelion session bounds how many of these are in flight at once.
        """
        return await asyncio.gather(*(self.get(oid) for oid in oids), return_exceptions=True)

    async def calendar(
        self, calendar_id: str, after: date | None, before: date | None, first: int | None
    ) -> list[AppointmentSummary]:
        """A calendar's (or user's) appointments that start after and end before the dates.

        Neither date means today, in APPOINTMENTS_TIMEZONE.
        """
        count = 15 if first is None else first
        if not 1 <= count <= MAX_LIST:
            raise InvalidInputError("first", f"first must be between 1 and {MAX_LIST}")
        if after is not None and before is not None and before < after:
            raise InvalidInputError("before", "before must not precede after")
        if after is None and before is None:
            after = before = datetime.now(self._default_zone).date()
        oid = require_oid(calendar_id, "calendarId")
        return await self._cache.read(
            f"list:{oid}:{after}:{before}:{count}",
            lambda: self._client.calendar(oid, after=after, before=before, count=count),
            LISTING,
            group=LISTS,
        )

    async def listing(self, calendar_id: str, first: date, last: date) -> Listing:
        """The appointments Xelion lists from ``first`` to ``last``, recurring ones expanded.

        Xelion lists a series once, by one of its occurrences or by its stored start (our
        reading; the simulator lists it when any occurrence falls on the dates): so every
        series is read in full and expanded here, wherever it starts.
        """
        listed = await self.calendar(calendar_id, first, last, MAX_LIST)
        unique = list({a.oid: a for a in listed}.values())
        series = await self._series([a.oid for a in unique if a.is_recurrence])
        around = TimeWindow(_utc_midnight(first), _utc_midnight(last + _ONE_DAY))
        listed_in_full = [series.get(a.oid, a) for a in unique]
        # A rule walks from its first occurrence: decades of a daily series cost tens of ms,
        # so expansion runs beside the event loop, not on it.
        found = await asyncio.to_thread(self._expand, listed_in_full, around)
        warnings: tuple[str, ...] = ()
        if len(listed) >= MAX_LIST:
            warnings = (
                f"Xelion listed {MAX_LIST} appointments, the most one query reads: "
                "any later ones in the period are not counted",
            )
        return Listing(unique, series, found, warnings)

    def _expand(
        self, listed: list[Appointment | AppointmentSummary], around: TimeWindow
    ) -> list[Occurrence]:
        zone = self._default_zone
        found = [o for a in listed for o in occurrences(a, zone, around)]
        return sorted(found, key=lambda o: (placed(o, zone).start, o.oid))

    async def view(self, calendar_id: str, start: datetime, end: datetime) -> CalendarView:
        """The occurrences that share time with the period from ``start`` to ``end``."""
        period = periods.period(start, end, self._default_zone, MAX_VIEW_DAYS)
        require_oid(calendar_id, "calendarId")
        # Xelion's dates are UTC dates: a day either side covers the period in any zone.
        listing = await self.listing(
            calendar_id, period.start.date() - _ONE_DAY, period.end.date() + _ONE_DAY
        )
        found = list(overlapping(listing.occurrences, self._default_zone, period))
        return CalendarView(period, found, listing, self._default_zone)

    async def _series(self, oids: list[str]) -> dict[str, Appointment]:
        """The appointments in full; one deleted since it was listed is left out."""
        read = await self.get_many(oids)
        failure = next(
            (r for r in read if isinstance(r, BaseException) and not isinstance(r, NotFoundError)),
            None,
        )
        if failure is not None:
            raise failure
        return {a.oid: a for a in read if isinstance(a, Appointment)}

    async def create(self, new: NewAppointment, time_zone: str | None) -> Appointment:
        _check_oids(new.calendars, "calendars")
        _check_oids(new.participants, "participants")
        vendor = to_vendor_appointment(new, self._rules(time_zone))
        _check_order(vendor.start, vendor.end)
        try:
            return await self._client.create(vendor)
        finally:
            await self._cache.forget_group(LISTS)

    async def update(self, oid: str, patch: AppointmentPatch, time_zone: str | None) -> Appointment:
        """Send one operation per field given, then answer the appointment as Xelion has it."""
        require_oid(oid, "id")
        _check_patch(patch)
        rules = self._rules(time_zone)
        stored = await self._client.get(oid) if needs_stored_flags(patch) else None
        vendor = to_vendor_patch(patch, rules, stored)
        if vendor.start is not None and vendor.end is not None:
            _check_order(vendor.start, vendor.end)
        operations = to_patch_operations(vendor)
        if operations:
            try:
                await self._client.patch(oid, operations)
            finally:
                await self._forget(oid)
        return await self._client.get(oid)

    async def delete(self, oid: str) -> str:
        try:
            await self._client.delete(require_oid(oid, "id"))
        finally:
            await self._forget(oid)
        return oid

    async def _forget(self, oid: str) -> None:
        # Also after a failed write: a timeout does not tell whether it landed.
        await self._cache.forget(f"appointment:{oid}")
        await self._cache.forget_group(LISTS)

    def _rules(self, time_zone: str | None) -> TimeRules:
        if time_zone is None:
            return TimeRules(None, self._default_zone)
        try:
            return TimeRules(resolve_zone(time_zone), self._default_zone)
        except UnknownTimeZoneError as error:
            raise InvalidInputError("timeZone", str(error)) from error


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), UTC)


def require_oid(value: str, field: str) -> str:
    if not OID.fullmatch(value):
        raise InvalidInputError(field, f"{value!r} is not a Xelion object id")
    return value


def _check_oids(values: tuple[str, ...], field: str) -> None:
    for value in values:
        require_oid(value, field)


def _check_patch(patch: AppointmentPatch) -> None:
    pairs = (
        ("calendars", patch.add_calendars, patch.remove_calendars),
        ("participants", patch.add_participants, patch.remove_participants),
    )
    for name, added, removed in pairs:
        field = f"add{name.capitalize()}"
        _check_oids(added, field)
        _check_oids(removed, f"remove{name.capitalize()}")
        if both := set(added) & set(removed):
            raise InvalidInputError(field, f"{', '.join(sorted(both))} both added and removed")


def _check_order(start: datetime, end: datetime) -> None:
    # An all-day side is a local date and a timed one an instant: only like can be compared,
    # and Xelion checks the rest.
    if (start.tzinfo is None) == (end.tzinfo is None) and end < start:
        raise InvalidInputError("end", "end must not precede start")
