"""Availability in GraphQL: one query over business calendars, bookings and appointments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeVar

import strawberry
from graphql.error import GraphQLError

from calendar_gateway.graphql.appointments import Appointment
from calendar_gateway.graphql.bookings import Booking
from calendar_gateway.graphql.calendars import FromArg, PackageArg, TenantArg
from calendar_gateway.graphql.context import Info
from calendar_gateway.graphql.enums import ConflictKind
from calendar_gateway.graphql.working_time import TimeWindow
from calendar_gateway.services import availability as domain
from calendar_gateway.services import freebusy
from calendar_gateway.services.availability import (
    APPOINTMENTS,
    BOOKINGS,
    CALENDARS,
    MAX_DAYS,
    AvailabilityRequest,
)

_SOURCES = (CALENDARS, BOOKINGS, APPOINTMENTS)
T = TypeVar("T")


@strawberry.type(description="Time taken by bookings and appointments that overlap or touch.")
class BusyInterval:
    start: datetime
    end: datetime
    booking_ids: list[strawberry.ID]
    appointment_ids: list[strawberry.ID]


@strawberry.type(description="A booking or appointment at odds with working time or another.")
class ScheduleConflict:
    kind: ConflictKind
    start: datetime = strawberry.field(description="Where the conflict begins, in UTC.")
    end: datetime
    booking_id: strawberry.ID | None
    appointment_id: strawberry.ID | None
    holiday: str | None = strawberry.field(description="ON_HOLIDAY: the holiday's name.")

    @classmethod
    def from_domain(cls, conflict: freebusy.Conflict) -> ScheduleConflict:
        return cls(
            kind=conflict.kind,
            start=conflict.window.start,
            end=conflict.window.end,
            booking_id=_id(conflict.booking_id),
            appointment_id=_id(conflict.appointment_id),
            holiday=conflict.holiday,
        )


@strawberry.type(
    description="Free and busy time of a business calendar, a Synergist resource and a Xelion "
    "calendar over one period, in UTC. A source that failed leaves the answer partial: it is "
    "named in `missing`, its error is in `errors` (whatever was selected), and the fields it "
    "feeds are null; `free` and `conflicts` need every source."
)
class Availability:
    from_: datetime = strawberry.field(name="from", description="The period's start, in UTC.")
    to: datetime = strawberry.field(description="The period's end (not included), in UTC.")
    time_zone: str | None = strawberry.field(
        description="The zone that local times were read in: naive from/to, Synergist's "
        "booking times (its server's wall clock, without zone) and Xelion's all-day dates. "
        "Null when unknown: then bookings and all-day appointments are left out."
    )
    complete: bool = strawberry.field(description="Every source answered.")
    missing: list[str] = strawberry.field(
        description='The sources that failed: "calendars", "bookings", "appointments".'
    )
    busy: list[BusyInterval] = strawberry.field(
        description="Time taken within the period, from the sources that answered."
    )

    answer: strawberry.Private[domain.Availability]

    @strawberry.field(description="The business calendar's working time in the period.")
    def working_windows(self) -> list[TimeWindow] | None:
        working = self._fed_by(CALENDARS, self.answer.working)
        return [TimeWindow.from_domain(w) for w in working]

    @strawberry.field(
        description="Working time that no booking or appointment takes. Null, with the error "
        "of a failed source, when any source failed: never computed from partial data."
    )
    def free(self) -> list[TimeWindow] | None:
        return [TimeWindow.from_domain(w) for w in self._fed_by_all(self.answer.free)]

    @strawberry.field(
        description="Within the period. Null, with the error of a failed source, when any "
        "source failed."
    )
    def conflicts(self) -> list[ScheduleConflict] | None:
        found = self._fed_by_all(self.answer.conflicts)
        return [ScheduleConflict.from_domain(c) for c in found]

    @strawberry.field(
        description="The resource's bookings on the period's dates, and a day either side."
    )
    def bookings(self) -> list[Booking] | None:
        return [Booking.from_domain(b) for b in self._fed_by(BOOKINGS, self.answer.bookings)]

    @strawberry.field(
        description="The calendar's appointments that Xelion lists from the day before the "
        "period to the day after it, each once: those that start and end within those dates, "
        "and each series with an occurrence on them. `busy` counts every occurrence."
    )
    def appointments(self) -> list[Appointment] | None:
        listed = self._fed_by(APPOINTMENTS, self.answer.appointments)
        return [Appointment.from_summary(a) for a in listed]

    def _fed_by(self, source: str, value: list[T] | None) -> list[T]:
        """``value``, which is None only when ``source`` failed: then its error, at this path."""
        if value is None:
            raise self.answer.failures[source]
        return value

    def _fed_by_all(self, value: list[T] | None) -> list[T]:
        """``value``, which is None only when a source failed: then the first one's error."""
        if value is None:
            raise next(self.answer.failures[s] for s in _SOURCES if s in self.answer.failures)
        return value

    @classmethod
    def from_domain(cls, answer: domain.Availability) -> Availability:
        return cls(
            from_=answer.period.start,
            to=answer.period.end,
            time_zone=answer.time_zone,
            complete=not answer.failures,
            missing=[s for s in _SOURCES if s in answer.failures],
            busy=[
                BusyInterval(
                    start=b.window.start,
                    end=b.window.end,
                    booking_ids=[strawberry.ID(i) for i in b.booking_ids],
                    appointment_ids=[strawberry.ID(i) for i in b.appointment_ids],
                )
                for b in answer.busy
            ],
            answer=answer,
        )


def _id(value: str | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(value)


@strawberry.type
class AvailabilityQuery:
    @strawberry.field(
        description="Free and busy time over a period of at most "
        f"{MAX_DAYS} days: the business calendar's working windows against the Synergist "
        "resource's bookings and the Xelion calendar's appointments, with their conflicts. "
        "The three vendors are asked at once."
    )
    async def availability(
        self,
        info: Info,
        *,
        calendar_id: Annotated[
            strawberry.ID, strawberry.argument(description="The business calendar.")
        ],
        resource_id: Annotated[
            strawberry.ID, strawberry.argument(description="The Synergist resource.")
        ],
        company: Annotated[
            str, strawberry.argument(description="The Synergist company of its bookings.")
        ],
        appointment_calendar_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The Xelion calendar (or user) oid."),
        ],
        from_: FromArg[datetime],
        to: datetime,
        time_zone: Annotated[
            str | None,
            strawberry.argument(
                description="The zone of local times; default: the business calendar's. "
                "Naive from/to are read in it."
            ),
        ] = None,
        tenant_id: TenantArg = None,
        package_id: PackageArg = None,
    ) -> Availability:
        services = info.context.services
        request = AvailabilityRequest(
            calendar=services.calendars.ref(calendar_id, tenant_id, package_id),
            resource_id=str(resource_id),
            company=company,
            appointment_calendar_id=str(appointment_calendar_id),
            start=from_,
            end=to,
            time_zone=time_zone,
        )
        answer = await services.availability.availability(request)
        info.context.warnings.extend(answer.warnings)
        # Each failed source is an error of the answer, also when no field it feeds is asked.
        info.context.failures.extend(
            GraphQLError(str(error), path=info.path.as_list(), original_error=error)
            for error in (answer.failures[s] for s in _SOURCES if s in answer.failures)
        )
        return Availability.from_domain(answer)
