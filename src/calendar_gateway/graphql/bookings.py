"""Synergist bookings: types, the per-request loader, queries and mutations."""

from __future__ import annotations

import asyncio
from datetime import date
from enum import Enum
from typing import Annotated, TypeVar, cast

import strawberry
from strawberry.scalars import JSON

from calendar_gateway.graphql.connections import (
    AfterArg,
    Connection,
    FirstArg,
    page_size,
    start_offset,
    window_connection,
)
from calendar_gateway.graphql.context import Info
from calendar_gateway.graphql.maybe import given
from calendar_gateway.graphql.scalars import LocalDateTime
from calendar_gateway.services import bookings as domain
from calendar_gateway.services.bookings import WorkFilter, WorkSort
from calendar_gateway.services.warned import Warned

T = TypeVar("T")

strawberry.enum(WorkSort, name="UnallocatedWorkSort", description="What unallocatedWork sorts by.")


@strawberry.enum(description="Ascending or descending.")
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.type(description="One day of a booking: Synergist repeats its times on each day.")
class BookingDay:
    date: date
    start: LocalDateTime
    end: LocalDateTime
    hours: float

    @classmethod
    def from_domain(cls, day: domain.BookingDay) -> BookingDay:
        return cls(
            date=day.date,
            start=LocalDateTime(day.start),
            end=LocalDateTime(day.end),
            hours=day.hours,
        )


@strawberry.type(description="The person or thing booked.")
class BookingResource:
    id: strawberry.ID
    name: str


@strawberry.type(description="The client the job is for.")
class BookingClient:
    code: str
    name: str


@strawberry.type
class JobPhase:
    number: str = strawberry.field(description='Job and phase, e.g. "3/00001015.001".')
    description: str


@strawberry.type
class Job:
    number: str = strawberry.field(description='e.g. "3/00001015".')
    description: str
    handler: str
    phase: JobPhase

    @classmethod
    def from_domain(cls, job: domain.Job) -> Job:
        phase = JobPhase(number=job.phase.number, description=job.phase.description)
        return cls(number=job.number, description=job.description, handler=job.handler, phase=phase)


@strawberry.type
class ChargeCode:
    code: str
    description: str

    @classmethod
    def from_domain(cls, charge_code: domain.ChargeCode) -> ChargeCode:
        return cls(code=charge_code.code, description=charge_code.description)


@strawberry.type
class Requisition:
    id: strawberry.ID
    subject: str
    details: str


@strawberry.type(description="The estimate the booking draws on, in hours.")
class Allocation:
    estimated_hours: float
    booked_hours: float
    remaining_hours: float = strawberry.field(description="Estimated less booked; may be < 0.")
    timesheet_hours: float
    draft_hours: float
    initials: str = strawberry.field(description="Of the resources booked on the estimate.")


_LOCAL = (
    "The Synergist server's wall-clock time, without zone: Synergist names none. "
    "availability reads it in the business calendar's zone (or its timeZone argument)."
)


@strawberry.federation.type(keys=["id"], description=f"A Synergist diary booking. {_LOCAL}")
class Booking:
    id: strawberry.ID = strawberry.field(description="The diary id (calDiaryInternal).")
    uuid: str | None
    time_summary_id: strawberry.ID
    resource: BookingResource
    client: BookingClient
    job: Job
    charge_code: ChargeCode
    start: LocalDateTime = strawberry.field(description="The first day's start.")
    end: LocalDateTime = strawberry.field(description="The last day's end.")
    days: list[BookingDay] = strawberry.field(
        description="The booked slots, one a day: a booking of 3 days at 2 hours a day has 3."
    )
    all_day: bool
    number_of_days: int
    hours_per_day: float
    duration_description: str
    colour: str | None = strawberry.field(description='As "#RRGGBB".')
    status: str
    request_status: str
    notes: str
    description: str
    task: str = strawberry.field(description="The task's description.")
    stage: str = strawberry.field(description="The stage code.")
    record_version: int | None = strawberry.field(
        description="Synergist's record version; it goes up with every change."
    )
    requisition: Requisition | None
    allocation: Allocation | None
    raw: JSON = strawberry.field(description="The booking as Synergist sent it.")

    @classmethod
    async def resolve_reference(cls, info: Info, **key: str) -> Booking:
        """Federation: the booking another subgraph names by id, through the loader."""
        return await _load(info, strawberry.ID(key["id"]))

    @classmethod
    def from_domain(cls, booking: domain.Booking) -> Booking:
        return cls(
            id=strawberry.ID(booking.id),
            uuid=booking.uuid,
            time_summary_id=strawberry.ID(booking.time_summary_id),
            resource=BookingResource(
                id=strawberry.ID(booking.resource.id), name=booking.resource.name
            ),
            client=BookingClient(code=booking.client.code, name=booking.client.name),
            job=Job.from_domain(booking.job),
            charge_code=ChargeCode.from_domain(booking.charge_code),
            start=LocalDateTime(booking.start),
            end=LocalDateTime(booking.end),
            days=[BookingDay.from_domain(day) for day in booking.days],
            all_day=booking.all_day,
            number_of_days=booking.number_of_days,
            hours_per_day=booking.hours_per_day,
            duration_description=booking.duration_description,
            colour=booking.colour,
            status=booking.status,
            request_status=booking.request_status,
            notes=booking.notes,
            description=booking.description,
            task=booking.task,
            stage=booking.stage,
            record_version=booking.record_version,
            requisition=_requisition(booking.requisition),
            allocation=_allocation(booking.allocation),
            raw=JSON(booking.raw),
        )


def _requisition(requisition: domain.Requisition | None) -> Requisition | None:
    if requisition is None:
        return None
    return Requisition(
        id=strawberry.ID(requisition.id),
        subject=requisition.subject,
        details=requisition.details,
    )


def _allocation(allocation: domain.Allocation | None) -> Allocation | None:
    return None if allocation is None else _figures(allocation)


def _figures(allocation: domain.Allocation) -> Allocation:
    return Allocation(
        estimated_hours=allocation.estimated_hours,
        booked_hours=allocation.booked_hours,
        remaining_hours=allocation.remaining_hours,
        timesheet_hours=allocation.timesheet_hours,
        draft_hours=allocation.draft_hours,
        initials=allocation.initials,
    )


@strawberry.type(description="An estimate with hours not yet booked: what createBooking books on.")
class UnallocatedWork:
    time_summary_id: strawberry.ID = strawberry.field(description="createBooking's timeSummaryId.")
    client: BookingClient
    job: Job
    charge_code: ChargeCode
    allocation: Allocation
    raw: JSON = strawberry.field(description="The estimate as Synergist sent it.")

    @classmethod
    def from_domain(cls, estimate: domain.Estimate) -> UnallocatedWork:
        return cls(
            time_summary_id=strawberry.ID(estimate.time_summary_id),
            client=BookingClient(code=estimate.client.code, name=estimate.client.name),
            job=Job.from_domain(estimate.job),
            charge_code=ChargeCode.from_domain(estimate.charge_code),
            allocation=_figures(estimate.allocation),
            raw=JSON(estimate.raw),
        )


@strawberry.type
class CreateBookingPayload:
    bookings: list[Booking] = strawberry.field(
        description="Every booking made: Synergist books each working day separately."
    )
    warnings: list[str] = strawberry.field(
        description="What Synergist changed, e.g. a duration reduced to the working hours."
    )


@strawberry.input(description=f"Give end or numberOfDays. {_LOCAL}")
class CreateBookingInput:
    time_summary_id: strawberry.ID
    resource_id: strawberry.ID
    start: LocalDateTime
    end: LocalDateTime | None = strawberry.field(
        default=None, description="The last day (its time of day is not used)."
    )
    number_of_days: int | None = strawberry.field(
        default=None, description="Working days from start, one booking each."
    )
    duration_hours: float | None = strawberry.field(
        default=None,
        description="Hours to book over the days; reduced to their working hours. "
        "Left out: minimum-length bookings (or all-day ones with allDay).",
    )
    all_day: bool | None = strawberry.field(
        default=None, description="Book whole working days: only the dates are sent."
    )

    def to_domain(self) -> domain.NewBooking:
        return domain.NewBooking(
            time_summary_id=str(self.time_summary_id),
            resource_id=str(self.resource_id),
            start=self.start,
            end=self.end,
            number_of_days=self.number_of_days,
            duration_hours=self.duration_hours,
            all_day=bool(self.all_day),
        )


@strawberry.input(description=f"Only the fields given change. {_LOCAL}")
class UpdateBookingInput:
    id: strawberry.ID = strawberry.field(description="Diary id or UUID.")
    resource_id: strawberry.Maybe[strawberry.ID]
    start: strawberry.Maybe[LocalDateTime]
    end: strawberry.Maybe[LocalDateTime]
    all_day: strawberry.Maybe[bool]

    def to_domain(self) -> domain.BookingChange:
        resource_id = given(self.resource_id)
        return domain.BookingChange(
            booking_id=str(self.id),
            resource_id=None if resource_id is None else str(resource_id),
            start=given(self.start),
            end=given(self.end),
            all_day=given(self.all_day),
        )


RANGE_CURSOR = "bookings"
WORK_CURSOR = "unallocated"


def _note(info: Info, reply: Warned[T]) -> T:
    """The reply's value; its warnings go to the response's ``extensions.warnings``."""
    info.context.warnings.extend(reply.warnings)
    return reply.value


async def _load(info: Info, booking_id: strawberry.ID) -> Booking:
    return Booking.from_domain(_note(info, await info.context.booking_loader.load(str(booking_id))))


@strawberry.type
class BookingQuery:
    @strawberry.field(description="One booking, by diary id or UUID.")
    async def booking(self, info: Info, id: strawberry.ID) -> Booking | None:
        return await _load(info, id)

    @strawberry.field(description="Bookings by id, fetched at once; a failed id gives null.")
    async def bookings(self, info: Info, ids: list[strawberry.ID]) -> list[Booking | None] | None:
        found = await asyncio.gather(*(_load(info, i) for i in ids), return_exceptions=True)
        for outcome in found:
            if not isinstance(outcome, Booking | Exception):
                raise outcome
        # graphql-core makes an exception in a list a null item with an error at its path.
        return cast("list[Booking | None]", found)

    @strawberry.field(
        description="A company's bookings that touch the date range, a page at a time; "
        "of one resource when `resourceId` is given. `totalCount` is Synergist's."
    )
    async def bookings_in_range_connection(
        self,
        info: Info,
        company: str,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        *,
        resource_id: strawberry.ID | None = None,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[Booking] | None:
        size, offset = page_size(first), start_offset(RANGE_CURSOR, after)
        resource = None if resource_id is None else str(resource_id)
        # Through the request's snapshot: a page agrees with booking(id) beside it.
        window = await info.context.bookings.range_window(
            company, from_, to, resource, offset, size
        )
        return window_connection(RANGE_CURSOR, _note(info, window), Booking.from_domain)

    @strawberry.field(
        description="Estimates with hours left to book (Synergist `unallocated`), a page at a "
        "time; filters left out match all."
    )
    async def unallocated_work(
        self,
        info: Info,
        *,
        company: str | None = None,
        client: str | None = None,
        job: str | None = None,
        job_phase: str | None = None,
        sort: WorkSort = WorkSort.JOB_PHASE,
        direction: SortDirection = SortDirection.ASC,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[UnallocatedWork] | None:
        size, offset = page_size(first), start_offset(WORK_CURSOR, after)
        wanted = WorkFilter(company, client, job, job_phase, sort, direction is SortDirection.DESC)
        window = await info.context.services.bookings.unallocated_window(wanted, offset, size)
        return window_connection(WORK_CURSOR, _note(info, window), UnallocatedWork.from_domain)

    @strawberry.field(
        description="A company's bookings that touch the date range, all pages.",
        deprecation_reason="Use bookingsInRangeConnection: it pages, and filters by resource.",
    )
    async def bookings_in_range(
        self,
        info: Info,
        company: str,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
    ) -> list[Booking] | None:
        found = _note(info, await info.context.bookings.in_range(company, from_, to))
        return [Booking.from_domain(b) for b in found]


@strawberry.type
class BookingMutation:
    @strawberry.mutation(description="Books time; Synergist may make several bookings of it.")
    async def create_booking(self, info: Info, input: CreateBookingInput) -> CreateBookingPayload:
        reply = await info.context.services.bookings.create(input.to_domain())
        return CreateBookingPayload(
            bookings=[Booking.from_domain(b) for b in reply.value], warnings=list(reply.warnings)
        )

    @strawberry.mutation(description="Moves, resizes or reassigns a booking.")
    async def update_booking(self, info: Info, input: UpdateBookingInput) -> Booking:
        updated = _note(info, await info.context.services.bookings.update(input.to_domain()))
        return Booking.from_domain(updated)

    @strawberry.mutation(description="Deletes a booking (by diary id or UUID); answers its id.")
    async def delete_booking(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        deleted = _note(info, await info.context.services.bookings.delete(str(id)))
        return strawberry.ID(deleted)
