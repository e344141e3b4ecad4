"""Appointments: the gateway's time rules on the way to Xelion, and updates read back after writing.

A side of an appointment is timed or all-day (README.md, "Time"): a timed side is an instant
(a DateTime, always with an offset), sent to Xelion in UTC; an all-day side is a date, sent as
that date at 00:00:00 (start) or 23:59:59 (end) with no shift to UTC (docs/vendors/xelion.md, Time).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from calendar_gateway.caching import Codec, ReadCache
from calendar_gateway.services import periods
from calendar_gateway.services.batches import settled
from calendar_gateway.services.errors import (
    CONFLICT,
    INVALID,
    OUT_OF_RANGE,
    REQUIRED,
    UNKNOWN,
    FieldProblems,
    InvalidInputError,
)
from calendar_gateway.services.occurrences import (
    Occurrence,
    OccurrenceBudget,
    occurrences,
    overlapping,
    placed,
)
from calendar_gateway.services.sightings import Sightings, digest
from calendar_gateway.services.worktime import TimeWindow
from calendar_gateway.upstreams.appointment_model import (
    Appointment,
    AppointmentPage,
    AppointmentPatch,
    AppointmentSummary,
    DiaryOwner,
    MonthRecurrenceType,
    NewAppointment,
    Participant,
    Recurrence,
    RecurrenceFields,
    RecurrenceType,
    TerminationType,
    UserStatus,
)
from calendar_gateway.upstreams.appointments import AppointmentsClient
from calendar_gateway.upstreams.appointments_wire import OID, to_patch_operations
from calendar_gateway.upstreams.errors import FieldError, NotFoundError

# The appointment model the Xelion client returns is the domain's: GraphQL names it here.
__all__ = [
    "MAX_VIEW_DAYS",
    "Appointment",
    "AppointmentPage",
    "AppointmentPatch",
    "AppointmentService",
    "AppointmentSummary",
    "DiaryOwner",
    "MonthRecurrenceType",
    "NewAppointment",
    "Participant",
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


@dataclass(frozen=True)
class Side:
    """One end of an appointment as the client gave it: an instant, or an all-day date."""

    timed: datetime | None = None
    day: date | None = None

    @property
    def given(self) -> bool:
        return self.timed is not None or self.day is not None

    def check(self, problems: FieldProblems, name: str, required: bool) -> None:
        day_field = f"{name}Date"
        if required and not self.given:
            problems.add(name, f"give {name} or {day_field}", REQUIRED)
        if self.timed is not None and self.day is not None:
            problems.add(day_field, f"give {name} or {day_field}, not both", CONFLICT)
        if self.timed is not None and self.timed.utcoffset() is None:
            problems.add(name, f"{name} must carry an offset", INVALID)

    def to_vendor(self, all_day_time: time) -> tuple[datetime, bool] | None:
        """Xelion's time and all-day flag: a UTC instant, or the date at ``all_day_time``."""
        if self.timed is not None:
            return self.timed.astimezone(UTC), False
        if self.day is not None:
            # Naive: Xelion reads an all-day side as a local date, not an instant.
            return datetime.combine(self.day, all_day_time), True
        return None


@dataclass(frozen=True)
class NewAppointmentRequest:
    """A new appointment as the client states it."""

    subject: str
    start: Side
    end: Side
    internal: bool = False
    user_status: UserStatus | None = None
    comment: str | None = None
    participants: tuple[str, ...] = ()
    calendars: tuple[str, ...] = ()
    recurrence: RecurrenceFields | None = None


@dataclass(frozen=True)
class AppointmentChange:
    """What to change, as the client states it; None, empty or a side not given: leave alone."""

    subject: str | None = None
    comment: str | None = None
    internal: bool | None = None
    user_status: UserStatus | None = None
    start: Side = Side()
    end: Side = Side()
    add_calendars: tuple[str, ...] = ()
    remove_calendars: tuple[str, ...] = ()
    add_participants: tuple[str, ...] = ()
    remove_participants: tuple[str, ...] = ()
    recurrence: RecurrenceFields = field(default_factory=RecurrenceFields)

    @property
    def relations(self) -> dict[str, tuple[str, ...]]:
        """The oids the change names, by input field."""
        return {
            "addParticipants": self.add_participants,
            "removeParticipants": self.remove_participants,
            "addCalendars": self.add_calendars,
            "removeCalendars": self.remove_calendars,
        }


def to_vendor_appointment(new: NewAppointmentRequest) -> NewAppointment:
    """``new`` as Xelion takes it; ``new`` is checked (both sides given)."""
    start, end = new.start.to_vendor(_DAY_START), new.end.to_vendor(_DAY_END)
    if start is None or end is None:
        raise ValueError("a new appointment needs both sides")
    return NewAppointment(
        subject=new.subject,
        start=start[0],
        end=end[0],
        all_start_day=start[1],
        all_end_day=end[1],
        internal=new.internal,
        user_status=new.user_status,
        comment=new.comment,
        participants=new.participants,
        calendars=new.calendars,
        recurrence=new.recurrence,
    )


def to_vendor_patch(change: AppointmentChange) -> AppointmentPatch:
    """``change`` as Xelion takes it: a side given sets its time and its all-day flag."""
    start, end = change.start.to_vendor(_DAY_START), change.end.to_vendor(_DAY_END)
    return AppointmentPatch(
        subject=change.subject,
        comment=change.comment,
        internal=change.internal,
        user_status=change.user_status,
        start=None if start is None else start[0],
        all_start_day=None if start is None else start[1],
        end=None if end is None else end[0],
        all_end_day=None if end is None else end[1],
        add_calendars=change.add_calendars,
        remove_calendars=change.remove_calendars,
        add_participants=change.add_participants,
        remove_participants=change.remove_participants,
        recurrence=change.recurrence,
    )


@dataclass(frozen=True)
class Listing:
    """A calendar's appointments over some dates, each once, and their occurrences."""

    appointments: list[AppointmentSummary]
    """As Xelion listed them: a series once."""
    series: dict[str, Appointment]
    """Those read in full, by oid: every recurring one (for its rule)."""
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


Reader = Callable[[list[str]], Awaitable[list[Appointment | BaseException]]]
"""Reads appointments in full by oid, each or its error, in order."""

LISTS = "lists"
"""Cached calendar listings: any appointment write may change any of them."""
BODIES = "appointments"
"""Cached appointments: a fresh listing is newer than all of them, and evicts them."""

APPOINTMENT = Codec(Appointment)
LISTING = Codec(list[AppointmentSummary])
PAGE = Codec(AppointmentPage)


class AppointmentService:
    """Xelion appointments for the GraphQL layer."""

    def __init__(
        self,
        client: AppointmentsClient,
        cache: ReadCache,
        default_zone: tzinfo,
        max_occurrences: int = 5000,
    ) -> None:
        self._client = client
        self._cache = cache
        self._default_zone = default_zone
        self._sightings = Sightings(cache, "appointment")
        self.max_occurrences = max_occurrences
        """How many occurrences one request may expand (MAX_OCCURRENCES)."""

    async def get(self, oid: str) -> Appointment:
        require_oid(oid, "id")
        try:
            return await self._cache.read(
                f"appointment:{oid}", lambda: self._fresh(oid), APPOINTMENT, group=BODIES
            )
        except NotFoundError as error:
            raise _named(error, "id") from error

    async def _fresh(self, oid: str) -> Appointment:
        try:
            body = await self._client.get(oid)
        except NotFoundError:
            # A listing cached before may still show it: it is older than this answer.
            await self._cache.forget_group(LISTS)
            raise
        seen = await self._sightings.seen(oid)
        if seen is not None and seen != state(body):
            await self._cache.forget_group(LISTS)
        return body

    async def get_many(self, oids: list[str]) -> list[Appointment | BaseException]:
        """Each appointment or the error it failed with, in order.

        The Xelion session bounds how many of these are in flight at once.
        """
        return await settled([self.get(oid) for oid in oids])

    async def calendar(
        self, calendar_id: str, after: date | None, before: date | None, first: int | None
    ) -> list[AppointmentSummary]:
        """A calendar's (or user's) appointments that start after and end before the dates.

        Neither date means today, in APPOINTMENTS_TIMEZONE.
        """
        count = 15 if first is None else first
        problems = FieldProblems()
        if not 1 <= count <= MAX_LIST:
            problems.add("first", f"first must be between 1 and {MAX_LIST}", OUT_OF_RANGE)
        if after is not None and before is not None and before < after:
            problems.add("before", "before must not precede after", OUT_OF_RANGE)
        _check_oid(problems, calendar_id, "calendarId")
        problems.raise_any()
        if after is None and before is None:
            after = before = datetime.now(self._default_zone).date()

        async def load() -> list[AppointmentSummary]:
            listed = await self._client.calendar(
                calendar_id, after=after, before=before, count=count
            )
            await self._listed(listed)
            return listed

        key = f"list:{calendar_id}:{after}:{before}:{count}"
        try:
            return await self._cache.read(key, load, LISTING, group=LISTS)
        except NotFoundError as error:
            raise _named(error, "calendarId") from error

    async def listing(
        self,
        calendar_id: str,
        first: date,
        last: date,
        budget: OccurrenceBudget | None = None,
        read: Reader | None = None,
    ) -> Listing:
        """The appointments Xelion lists from ``first`` to ``last``, recurring ones expanded.

        Xelion lists a series once, by one of its occurrences or by its stored start (our
        reading; the simulator lists it when any occurrence falls on the dates): so every
        series is read in full and expanded here, wherever it starts. ``budget`` bounds the
        occurrences expanded (else MAX_OCCURRENCES for this call); ``read`` reads appointments
        in full (else ``get_many``), e.g. through a request's snapshot.
        """
        budget = budget or OccurrenceBudget(self.max_occurrences)
        listed = await self.calendar(calendar_id, first, last, MAX_LIST)
        unique = list({a.oid: a for a in listed}.values())
        series = await self._series([a.oid for a in unique if a.is_recurrence], read)
        around = TimeWindow(_utc_midnight(first), _utc_midnight(last + _ONE_DAY))
        listed_in_full = [series.get(a.oid, a) for a in unique]
        # A rule walks from its first occurrence: decades of a daily series cost tens of ms,
        # so expansion runs beside the event loop, not on it.
        found = await asyncio.to_thread(self._expand, listed_in_full, around, budget)
        warnings: tuple[str, ...] = ()
        if len(listed) >= MAX_LIST:
            warnings = (
                f"Xelion listed {MAX_LIST} appointments, the most one query reads: "
                "any later ones in the period are not counted",
            )
        return Listing(unique, series, found, warnings)

    def _expand(
        self,
        listed: list[Appointment | AppointmentSummary],
        around: TimeWindow,
        budget: OccurrenceBudget,
    ) -> list[Occurrence]:
        zone = self._default_zone
        found: list[Occurrence] = []
        for appointment in listed:
            # One appointment's occurrences over the window are a few hundred at most: the
            # budget stops the work at most that far past its limit.
            expanded = occurrences(appointment, zone, around)
            budget.spend(len(expanded))
            found += expanded
        return sorted(found, key=lambda o: (placed(o, zone).start, o.oid))

    async def view(
        self,
        calendar_id: str,
        start: datetime,
        end: datetime,
        budget: OccurrenceBudget | None = None,
        read: Reader | None = None,
    ) -> CalendarView:
        """The occurrences that share time with the period from ``start`` to ``end``."""
        period = periods.period(start, end, self._default_zone, MAX_VIEW_DAYS)
        require_oid(calendar_id, "calendarId")
        # Xelion's dates are UTC dates: a day either side covers the period in any zone.
        listing = await self.listing(
            calendar_id, period.start.date() - _ONE_DAY, period.end.date() + _ONE_DAY, budget, read
        )
        found = list(overlapping(listing.occurrences, self._default_zone, period))
        return CalendarView(period, found, listing, self._default_zone)

    async def _series(self, oids: list[str], reader: Reader | None) -> dict[str, Appointment]:
        """The appointments in full; one deleted since it was listed is left out."""
        read = await (reader or self.get_many)(oids)
        failure = next(
            (r for r in read if isinstance(r, BaseException) and not isinstance(r, NotFoundError)),
            None,
        )
        if failure is not None:
            raise failure
        return {a.oid: a for a in read if isinstance(a, Appointment)}

    async def page(
        self,
        owner: DiaryOwner,
        owner_id: str,
        after: date | None,
        before: date | None,
        *,
        count: int,
        start_after: str | None,
    ) -> AppointmentPage:
        """``count`` appointments of a calendar (or user) or an addressable (a person), after
        the entry ``start_after``."""
        oid = require_oid(owner_id, f"{owner.value}Id")
        first, last = self._days(after, before, start_after)

        async def load() -> AppointmentPage:
            page = await self._client.page(owner, oid, first, last, count, start_after=start_after)
            await self._listed(page.items)
            return page

        key = f"{owner.value}-page:{oid}:{first}:{last}:{count}:{start_after}"
        return await self._cache.read(key, load, PAGE, group=LISTS)

    async def _listed(self, listed: Iterable[AppointmentSummary]) -> None:
        # Newer than every appointment cached before it: none of them may be served again.
        await self._cache.forget_group(BODIES)
        await self._sightings.listed((a.oid, state(a)) for a in listed)

    def _days(
        self, after: date | None, before: date | None, start_after: str | None
    ) -> tuple[date | None, date | None]:
        """A list's dates, checked; neither means today in APPOINTMENTS_TIMEZONE."""
        if after is not None and before is not None and before < after:
            raise InvalidInputError("to", "to must not precede from")
        if start_after is not None:
            require_oid(start_after, "after")
        if after is None and before is None:
            today = datetime.now(self._default_zone).date()
            return today, today
        return after, before

    async def create(self, new: NewAppointmentRequest) -> Appointment:
        problems = FieldProblems()
        new.start.check(problems, "start", required=True)
        new.end.check(problems, "end", required=True)
        _check_oids(problems, new.calendars, "calendars")
        _check_oids(problems, new.participants, "participants")
        _check_order(problems, new.start, new.end)
        _check_recurrence(problems, new.recurrence)
        _check_termination(problems, new.recurrence)
        problems.raise_any()
        try:
            return await self._client.create(to_vendor_appointment(new))
        except NotFoundError as error:
            # Nothing else a create names can be unknown: one of its relations is.
            relations = {"participants": new.participants, "calendars": new.calendars}
            raise _unknown_relation(error, relations) or error from error
        finally:
            await self._cache.forget_group(LISTS)

    async def update(self, oid: str, change: AppointmentChange) -> Appointment:
        """Send one operation per field given, then answer the appointment as Xelion has it."""
        _check_change(oid, change)
        operations = to_patch_operations(to_vendor_patch(change))
        if operations:
            try:
                await self._client.patch(oid, operations)
            except NotFoundError as error:
                raise await self._unknown_in_patch(oid, change, error) from error
            finally:
                await self._forget(oid)
        return await self.get(oid)

    async def delete(self, oid: str) -> str:
        try:
            await self._client.delete(require_oid(oid, "id"))
        except NotFoundError as error:
            raise _named(error, "id") from error
        finally:
            await self._forget(oid)
        return oid

    async def _unknown_in_patch(
        self, oid: str, change: AppointmentChange, error: NotFoundError
    ) -> Exception:
        """Which id of a PATCH Xelion did not know: the appointment's, or a relation's."""
        if error.entity_id == oid:
            return _named(error, "id")
        named = _unknown_relation(error, change.relations, only_named=True)
        if named is not None:
            return named
        try:
            await self._client.get(oid)
        except NotFoundError as missing:
            return _named(missing, "id")
        return _unknown_relation(error, change.relations) or error

    async def _forget(self, oid: str) -> None:
        # Also after a failed write: a timeout does not tell whether it landed. Bodies are
        # one group (a fresh listing evicts them all), so the write evicts them all too.
        await self._cache.forget_group(BODIES)
        await self._cache.forget_group(LISTS)


def state(appointment: Appointment | AppointmentSummary) -> str:
    """The digest of what a list entry and the appointment both state.

    A series' listed times may be one of its occurrences (our reading of Xelion): they are
    left out for a recurring appointment.
    """
    recurring = (
        appointment.is_recurrence
        if isinstance(appointment, AppointmentSummary)
        else appointment.recurrence is not None
    )
    times = None if recurring else (appointment.start, appointment.end)
    return digest(
        (
            appointment.subject,
            times,
            appointment.all_start_day,
            appointment.all_end_day,
            appointment.internal,
        )
    )


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), UTC)


def require_oid(value: str, field: str) -> str:
    if not OID.fullmatch(value):
        raise InvalidInputError(field, f"{value!r} is not a Xelion object id")
    return value


def _check_oid(problems: FieldProblems, value: str, field: str) -> None:
    if not OID.fullmatch(value):
        problems.add(field, f"{value!r} is not a Xelion object id")


def _check_oids(problems: FieldProblems, values: tuple[str, ...], field: str) -> None:
    for value in values:
        _check_oid(problems, value, field)


def _check_change(oid: str, change: AppointmentChange) -> None:
    problems = FieldProblems()
    _check_oid(problems, oid, "id")
    change.start.check(problems, "start", required=False)
    change.end.check(problems, "end", required=False)
    _check_order(problems, change.start, change.end)
    _check_recurrence(problems, change.recurrence)
    for name, oids in change.relations.items():
        _check_oids(problems, oids, name)
    pairs = (
        ("addParticipants", change.add_participants, change.remove_participants),
        ("addCalendars", change.add_calendars, change.remove_calendars),
    )
    for name, added, removed in pairs:
        if both := set(added) & set(removed):
            problems.add(name, f"{', '.join(sorted(both))} both added and removed", CONFLICT)
    problems.raise_any()


def _check_order(problems: FieldProblems, start: Side, end: Side) -> None:
    """The end must not precede the start, when both sides are given."""
    first, last = start.to_vendor(_DAY_START), end.to_vendor(_DAY_END)
    if first is None or last is None:
        return
    # An all-day side is a local date and a timed one an instant: only like can be compared,
    # and Xelion checks the rest.
    if (first[0].tzinfo is None) == (last[0].tzinfo is None) and last[0] < first[0]:
        field = "end" if end.timed is not None else "endDate"
        problems.add(field, f"{field} must not precede the start", OUT_OF_RANGE)


def _check_recurrence(problems: FieldProblems, recurrence: RecurrenceFields | None) -> None:
    """What Xelion would refuse (400/10202) without naming a field, named before the call."""
    if recurrence is None:
        return
    if recurrence.interval is not None and recurrence.interval < 1:
        problems.add("recurrence.interval", "recurrence.interval must be at least 1", OUT_OF_RANGE)
    # Xelion takes a count of 0 (no count); a series that ends after its count needs one.
    counted = recurrence.termination_type is TerminationType.COUNT
    if counted and recurrence.count is not None and recurrence.count < 1:
        problems.add("recurrence.count", "recurrence.count must be at least 1", OUT_OF_RANGE)


def _check_termination(problems: FieldProblems, recurrence: RecurrenceFields | None) -> None:
    """A new series that ends on a date or after a count states it (else it never ends)."""
    if recurrence is None:
        return
    ends = recurrence.termination_type
    if ends is TerminationType.DATE and recurrence.termination_date is None:
        message = "terminationType DATE needs recurrence.terminationDate"
        problems.add("recurrence.terminationDate", message, REQUIRED)
    if ends is TerminationType.COUNT and recurrence.count is None:
        problems.add("recurrence.count", "terminationType COUNT needs recurrence.count", REQUIRED)


# Xelion's 404/10100 "No addressable or calendar with the specified ID exists."
# (docs/vendors/xelion.md, Errors) is the one code that names an unknown id; its ``info``
# says which, when it does.


def _named(error: NotFoundError, field: str) -> NotFoundError:
    """The unknown id is what the operation is about: NOT_FOUND, naming its argument."""
    return NotFoundError(
        error.upstream, error.message, entity=error.entity, entity_id=error.entity_id, field=field
    )


def _unknown_relation(
    error: NotFoundError, relations: dict[str, tuple[str, ...]], only_named: bool = False
) -> InvalidInputError | None:
    """BAD_USER_INPUT for the relation fields that may hold the unknown oid.

    The field whose oids include the one Xelion named; else, unless ``only_named``, every
    field that names oids (one of them is unknown, and Xelion did not say which).
    """
    named = [f for f, oids in relations.items() if error.entity_id in oids]
    if named:
        message = f"Xelion knows no addressable or calendar {error.entity_id}"
        return InvalidInputError.of([FieldError(f, UNKNOWN, message) for f in named])
    given = [f for f, oids in relations.items() if oids]
    if only_named or not given:
        return None
    message = "Xelion knows no addressable or calendar with one of these ids"
    return InvalidInputError.of([FieldError(f, UNKNOWN, message) for f in given])
