"""Xelion appointments: types, the per-request loader, queries and mutations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from calendar_gateway.graphql.calendars import FromArg
from calendar_gateway.graphql.connections import (
    AfterArg,
    Connection,
    FirstArg,
    decode_cursor,
    keyed_connection,
    page_size,
)
from calendar_gateway.graphql.context import Info
from calendar_gateway.graphql.enums import (
    MonthRecurrenceType,
    RecurrenceType,
    TerminationType,
    UserStatus,
    Weekday,
)
from calendar_gateway.graphql.maybe import given
from calendar_gateway.services import appointments as domain
from calendar_gateway.services.appointments import (
    MAX_VIEW_DAYS,
    AppointmentChange,
    NewAppointmentRequest,
    Side,
)
from calendar_gateway.services.occurrences import placed

_SIDES = (
    "A timed side is an instant (start/end, in UTC); an all-day side is a date "
    "(startDate/endDate, the last day included), as Xelion keeps it: the other field is null."
)


@strawberry.type(description="A person (or other addressable) taking part.")
class AppointmentParticipant:
    id: strawberry.ID = strawberry.field(description="The Xelion oid.")
    name: str
    type: str = strawberry.field(description='The Xelion object type, e.g. "Person".')


@strawberry.type(description="A Xelion calendar the appointment is on.")
class AppointmentCalendar:
    id: strawberry.ID = strawberry.field(description="The Xelion oid.")
    name: str


@strawberry.type
class RecurrenceTermination:
    type: TerminationType | None
    date: datetime | None = strawberry.field(description="DATE: the last day, in UTC.")
    count: int | None = strawberry.field(description="COUNT: how many times.")


@strawberry.type(description="How an appointment repeats.")
class Recurrence:
    type: RecurrenceType
    interval: int | None = strawberry.field(description="Every `interval` days, weeks, ...")
    termination: RecurrenceTermination
    first: datetime | None = strawberry.field(description="The first occurrence, in UTC.")
    last: datetime | None = strawberry.field(description="The last occurrence, in UTC.")
    weekdays: list[Weekday] = strawberry.field(description="WEEKLY: the days it falls on.")
    month_type: MonthRecurrenceType | None

    @classmethod
    def from_domain(cls, recurrence: domain.Recurrence) -> Recurrence:
        return cls(
            type=recurrence.type,
            interval=recurrence.interval,
            termination=RecurrenceTermination(
                type=recurrence.termination_type,
                date=recurrence.termination_date,
                count=recurrence.count,
            ),
            first=recurrence.first,
            last=recurrence.last,
            weekdays=sorted(recurrence.weekdays),
            month_type=recurrence.month_type,
        )


@strawberry.type(description="What the gateway's Xelion user may do with the appointment.")
class AppointmentPermissions:
    read: bool
    write: bool
    remove: bool


@strawberry.federation.type(keys=["id"], description=f"A Xelion appointment. {_SIDES}")
class Appointment:
    id: strawberry.ID = strawberry.field(description="The Xelion oid.")
    subject: str
    start: datetime | None = strawberry.field(description="A timed start; null when all-day.")
    end: datetime | None = strawberry.field(description="A timed end; null when all-day.")
    start_date: date | None = strawberry.field(
        description="An all-day start: its first day; null when timed."
    )
    end_date: date | None = strawberry.field(
        description="An all-day end: its last day (included); null when timed."
    )
    all_day_start: bool
    all_day_end: bool
    internal: bool = strawberry.field(description="Takes place at the office.")
    common_name: str = strawberry.field(
        description='Xelion\'s label, e.g. "Stand-up: 09:00 - 09:15, 07 Dec 2026".'
    )
    is_recurring: bool = strawberry.field(description="Repeats; see `recurrence`.")
    owner: AppointmentParticipant | None = strawberry.field(
        description="Whose appointment it is (Xelion isAppointmentOf)."
    )

    detail: strawberry.Private[domain.Appointment | None]
    """None for a list entry: Xelion lists fewer fields than it answers for one."""

    @strawberry.field
    async def user_status(self, info: Info) -> UserStatus | None:
        return (await self._detail(info)).user_status

    @strawberry.field
    async def participants(self, info: Info) -> list[AppointmentParticipant]:
        return [_participant(p) for p in (await self._detail(info)).participants]

    @strawberry.field
    async def calendars(self, info: Info) -> list[AppointmentCalendar]:
        return [
            AppointmentCalendar(id=strawberry.ID(c.oid), name=c.name)
            for c in (await self._detail(info)).calendars
        ]

    @strawberry.field
    async def comment(self, info: Info) -> str:
        return (await self._detail(info)).comment

    @strawberry.field
    async def recurrence(self, info: Info) -> Recurrence | None:
        recurrence = (await self._detail(info)).recurrence
        return None if recurrence is None else Recurrence.from_domain(recurrence)

    @strawberry.field
    async def permissions(self, info: Info) -> AppointmentPermissions:
        permissions = (await self._detail(info)).permissions
        return AppointmentPermissions(
            read=permissions.read, write=permissions.write, remove=permissions.remove
        )

    @strawberry.field(description="The appointment as Xelion sent it.")
    async def raw(self, info: Info) -> JSON:
        return JSON((await self._detail(info)).raw)

    async def _detail(self, info: Info) -> domain.Appointment:
        if self.detail is not None:
            return self.detail
        return await info.context.appointment_loader.load(str(self.id))

    @classmethod
    async def resolve_reference(cls, info: Info, **key: str) -> Appointment:
        """Federation: the appointment another subgraph names by id, through the loader."""
        return cls.from_domain(await info.context.appointment_loader.load(key["id"]))

    @classmethod
    def from_domain(cls, appointment: domain.Appointment) -> Appointment:
        return cls.from_summary(appointment, detail=appointment)

    @classmethod
    def from_summary(
        cls,
        summary: domain.AppointmentSummary | domain.Appointment,
        detail: domain.Appointment | None = None,
    ) -> Appointment:
        """From a list entry; its detail fields load when asked for, unless given."""
        return cls(
            id=strawberry.ID(summary.oid),
            subject=summary.subject,
            start=None if summary.all_start_day else summary.start,
            end=None if summary.all_end_day else summary.end,
            start_date=summary.start.date() if summary.all_start_day else None,
            end_date=summary.end.date() if summary.all_end_day else None,
            all_day_start=summary.all_start_day,
            all_day_end=summary.all_end_day,
            internal=summary.internal,
            common_name=summary.common_name,
            is_recurring=summary.is_recurrence,
            owner=None if summary.owner is None else _participant(summary.owner),
            detail=detail,
        )


def _participant(participant: domain.Participant) -> AppointmentParticipant:
    return AppointmentParticipant(
        id=strawberry.ID(participant.oid), name=participant.name, type=participant.object_type
    )


@strawberry.type(
    description="One time an appointment takes place: a recurring appointment (a series) has "
    "one for each repetition, expanded in APPOINTMENTS_TIMEZONE, so its local time of day "
    "stays the same across a change of daylight saving time."
)
class AppointmentOccurrence:
    id: strawberry.ID = strawberry.field(
        description="Opaque and stable: the series and this occurrence's start."
    )
    start: datetime = strawberry.field(
        description="An instant; an all-day start is the local midnight of its date."
    )
    end: datetime = strawberry.field(
        description="An instant; an all-day end is the local midnight after its date."
    )
    appointment: Appointment = strawberry.field(
        description="The appointment as stored: for a recurring one, the series."
    )


_INSTANTS = "Date-times are instants: they carry an offset, and Xelion keeps them in UTC."


@strawberry.input(
    description=f"How an appointment repeats; fields left out are not sent. {_INSTANTS}"
)
class RecurrenceInput:
    type: strawberry.Maybe[RecurrenceType]
    interval: strawberry.Maybe[int]
    termination_type: strawberry.Maybe[TerminationType]
    termination_date: strawberry.Maybe[datetime]
    count: strawberry.Maybe[int]
    first: strawberry.Maybe[datetime]
    last: strawberry.Maybe[datetime]
    weekdays: strawberry.Maybe[list[Weekday]]
    month_type: strawberry.Maybe[MonthRecurrenceType]

    def to_domain(self) -> domain.RecurrenceFields:
        weekdays = given(self.weekdays)
        return domain.RecurrenceFields(
            type=given(self.type),
            interval=given(self.interval),
            termination_type=given(self.termination_type),
            termination_date=given(self.termination_date),
            count=given(self.count),
            first=given(self.first),
            last=given(self.last),
            weekdays=None if weekdays is None else frozenset(weekdays),
            month_type=given(self.month_type),
        )


_ONE_SIDE = "Give each side once: start (an instant) or startDate (all-day), end or endDate."


@strawberry.input(description=f"{_ONE_SIDE} {_INSTANTS}")
class CreateAppointmentInput:
    subject: str
    start: datetime | None = strawberry.field(default=None, description="A timed start.")
    start_date: date | None = strawberry.field(
        default=None, description="An all-day start: its first day."
    )
    end: datetime | None = strawberry.field(default=None, description="A timed end.")
    end_date: date | None = strawberry.field(
        default=None, description="An all-day end: its last day (included)."
    )
    internal: bool | None = None
    user_status: UserStatus | None = None
    comment: str | None = None
    participants: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Oids of persons."
    )
    calendars: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Oids of Xelion calendars."
    )
    recurrence: RecurrenceInput | None = None

    def to_domain(self) -> NewAppointmentRequest:
        return NewAppointmentRequest(
            subject=self.subject,
            start=Side(self.start, self.start_date),
            end=Side(self.end, self.end_date),
            internal=bool(self.internal),
            user_status=self.user_status,
            comment=self.comment,
            participants=tuple(str(oid) for oid in self.participants or ()),
            calendars=tuple(str(oid) for oid in self.calendars or ()),
            recurrence=None if self.recurrence is None else self.recurrence.to_domain(),
        )


@strawberry.input(
    description=f"Only the fields given change, one operation each. {_ONE_SIDE} {_INSTANTS}"
)
class UpdateAppointmentInput:
    subject: strawberry.Maybe[str]
    comment: strawberry.Maybe[str]
    internal: strawberry.Maybe[bool]
    user_status: strawberry.Maybe[UserStatus]
    start: strawberry.Maybe[datetime] = strawberry.field(
        description="A timed start (and the start is no longer all-day)."
    )
    start_date: strawberry.Maybe[date] = strawberry.field(
        description="An all-day start: its first day."
    )
    end: strawberry.Maybe[datetime] = strawberry.field(
        description="A timed end (and the end is no longer all-day)."
    )
    end_date: strawberry.Maybe[date] = strawberry.field(
        description="An all-day end: its last day (included)."
    )
    add_calendars: strawberry.Maybe[list[strawberry.ID]]
    remove_calendars: strawberry.Maybe[list[strawberry.ID]]
    add_participants: strawberry.Maybe[list[strawberry.ID]]
    remove_participants: strawberry.Maybe[list[strawberry.ID]]
    recurrence: strawberry.Maybe[RecurrenceInput]

    def to_domain(self) -> AppointmentChange:
        recurrence = given(self.recurrence)
        return AppointmentChange(
            subject=given(self.subject),
            comment=given(self.comment),
            internal=given(self.internal),
            user_status=given(self.user_status),
            start=Side(given(self.start), given(self.start_date)),
            end=Side(given(self.end), given(self.end_date)),
            add_calendars=_oids(self.add_calendars),
            remove_calendars=_oids(self.remove_calendars),
            add_participants=_oids(self.add_participants),
            remove_participants=_oids(self.remove_participants),
            recurrence=domain.RecurrenceFields() if recurrence is None else recurrence.to_domain(),
        )


def _oids(value: strawberry.Maybe[list[strawberry.ID]]) -> tuple[str, ...]:
    return tuple(str(oid) for oid in given(value) or ())


def _remember(info: Info, appointment: domain.Appointment) -> Appointment:
    """Later reads in this request see the appointment as written."""
    info.context.appointments.written(appointment)
    return Appointment.from_domain(appointment)


FromDayArg = Annotated[
    date | None,
    strawberry.argument(name="from", description="Appointments that start on or after this day."),
]
ToDayArg = Annotated[
    date | None, strawberry.argument(description="Appointments that end on or before this day.")
]


# A cursor names the list it came from, so it is refused on any other.
_CURSOR_KINDS = {
    domain.DiaryOwner.CALENDAR: "calendars/{id}",
    domain.DiaryOwner.ADDRESSABLE: "addressables/{id}",
}


async def _diary(  # noqa: PLR0917 - a list query's arguments, passed on
    info: Info,
    owner: domain.DiaryOwner,
    owner_id: strawberry.ID,
    after_day: date | None,
    before_day: date | None,
    first: int | None,
    after: str | None,
) -> Connection[Appointment]:
    """A page of the appointments of a calendar (or user) or an addressable, as a connection."""
    kind = _CURSOR_KINDS[owner].format(id=owner_id)
    size, start_after = page_size(first), _after_oid(kind, after)
    # Through the request's snapshot: a page agrees with appointment(id) beside it.
    items, has_more = await info.context.appointments.page(
        owner, str(owner_id), after_day, before_day, size, start_after
    )
    return keyed_connection(
        kind,
        items,
        lambda a: a.oid,
        Appointment.from_summary,
        has_next=has_more,
        has_previous=start_after is not None,
    )


def _after_oid(kind: str, after: str | None) -> str | None:
    return None if after is None else decode_cursor(kind, after, str)


@strawberry.type
class AppointmentQuery:
    @strawberry.field(
        description="The appointments of a Xelion calendar (or user), a page at a time, by "
        "start; neither `from` nor `to` means today."
    )
    async def appointments_connection(
        self,
        info: Info,
        calendar_id: strawberry.ID,
        *,
        from_: FromDayArg = None,
        to: ToDayArg = None,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[Appointment] | None:
        return await _diary(info, domain.DiaryOwner.CALENDAR, calendar_id, from_, to, first, after)

    @strawberry.field(
        description="The appointments of an addressable (a person), a page at a time, by "
        "start; neither `from` nor `to` means today."
    )
    async def addressable_appointments(
        self,
        info: Info,
        addressable_id: strawberry.ID,
        *,
        from_: FromDayArg = None,
        to: ToDayArg = None,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[Appointment] | None:
        owner = domain.DiaryOwner.ADDRESSABLE
        return await _diary(info, owner, addressable_id, from_, to, first, after)

    @strawberry.field(description="One appointment, by Xelion oid.")
    async def appointment(self, info: Info, id: strawberry.ID) -> Appointment | None:
        return Appointment.from_domain(await info.context.appointment_loader.load(str(id)))

    @strawberry.field(
        description="The appointments of a calendar (or user) that start on or after `after` "
        "and end on or before `before`; neither means today. `first` defaults to 15.",
        deprecation_reason="Use appointmentsConnection: it pages, and says when there is more.",
    )
    async def appointments(
        self,
        info: Info,
        calendar_id: strawberry.ID,
        after: date | None = None,
        before: date | None = None,
        first: int | None = None,
    ) -> list[Appointment] | None:
        found = await info.context.appointments.calendar(str(calendar_id), after, before, first)
        return [Appointment.from_summary(summary) for summary in found]

    @strawberry.field(
        description="Every occurrence of a calendar's (or user's) appointments that shares "
        "time with the period from `from` to `to` (not included), in order of start: a "
        "recurring appointment once per repetition, wherever the series starts. At most "
        f"{MAX_VIEW_DAYS} days."
    )
    async def calendar_view(
        self, info: Info, calendar_id: strawberry.ID, from_: FromArg[datetime], to: datetime
    ) -> list[AppointmentOccurrence]:
        view = await info.context.appointments.view(str(calendar_id), from_, to)
        info.context.warnings.extend(view.listing.warnings)
        occurrences = []
        for occurrence in view.occurrences:
            span = placed(occurrence, view.zone)
            stored = view.listing.appointment(occurrence.oid)
            detail = view.listing.series.get(occurrence.oid)
            occurrences.append(
                AppointmentOccurrence(
                    id=strawberry.ID(occurrence.id),
                    start=span.start,
                    end=span.end,
                    appointment=Appointment.from_summary(stored, detail=detail),
                )
            )
        return occurrences


@strawberry.type
class AppointmentMutation:
    @strawberry.mutation(description="Creates an appointment owned by the gateway's Xelion user.")
    async def create_appointment(self, info: Info, input: CreateAppointmentInput) -> Appointment:
        service = info.context.services.appointments
        return _remember(info, await service.create(input.to_domain()))

    @strawberry.mutation(description="Changes the fields given; answers the appointment re-read.")
    async def update_appointment(
        self, info: Info, id: strawberry.ID, input: UpdateAppointmentInput
    ) -> Appointment:
        service = info.context.services.appointments
        updated = await service.update(str(id), input.to_domain())
        return _remember(info, updated)

    @strawberry.mutation(description="Deletes an appointment; answers its id.")
    async def delete_appointment(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        return strawberry.ID(await info.context.services.appointments.delete(str(id)))
