"""Subscriptions: what changed on a Xelion calendar, a Synergist resource, a business calendar.

Over graphql-transport-ws (WebSocket, /graphql) or multipart HTTP. An event says what
happened to which entity, and gives the entity as it is now, read through the cache.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import date

import strawberry
from graphql import GraphQLError

from calendar_gateway.caching import read_through
from calendar_gateway.graphql.appointments import Appointment
from calendar_gateway.graphql.bookings import Booking
from calendar_gateway.graphql.calendars import BusinessCalendar, FromArg, PackageArg, TenantArg
from calendar_gateway.graphql.context import Info
from calendar_gateway.graphql.errors import INTERNAL_MESSAGE, extensions_for
from calendar_gateway.protection.auth import client_identity
from calendar_gateway.services.calendars import CalendarRef
from calendar_gateway.services.events import Change, ChangeKind, SlowConsumerError
from calendar_gateway.services.live import TooManySubscriptionsError
from calendar_gateway.services.polling import Watch

log = logging.getLogger(__name__)

strawberry.enum(ChangeKind, description="What happened to the entity.")


@strawberry.type(description="An appointment on the watched Xelion calendar changed.")
class AppointmentChange:
    kind: ChangeKind
    id: strawberry.ID = strawberry.field(description="The appointment's id.")

    @strawberry.field(description="The appointment as it is now; null once deleted.")
    async def appointment(self, info: Info) -> Appointment | None:
        if self.kind is ChangeKind.DELETED:
            return None
        found = await info.context.services.live.appointment_now(str(self.id))
        return None if found is None else Appointment.from_domain(found)


@strawberry.type(description="A booking of the watched Synergist resource changed.")
class BookingChange:
    kind: ChangeKind
    id: strawberry.ID = strawberry.field(description="The booking's id.")

    @strawberry.field(description="The booking as it is now; null once deleted.")
    async def booking(self, info: Info) -> Booking | None:
        if self.kind is ChangeKind.DELETED:
            return None
        found = await info.context.services.live.booking_now(str(self.id))
        return None if found is None else Booking.from_domain(found)


@strawberry.type(description="The watched business calendar changed.")
class BusinessCalendarChange:
    kind: ChangeKind
    id: strawberry.ID = strawberry.field(description="The calendar's own id.")
    tenant_id: strawberry.ID
    package_id: strawberry.ID

    @strawberry.field(description="The calendar as it is now; null once deleted.")
    async def business_calendar(self, info: Info) -> BusinessCalendar | None:
        if self.kind is ChangeKind.DELETED:
            return None
        ref = CalendarRef(self.tenant_id, self.package_id, self.id)
        found = await info.context.services.live.calendar_now(ref)
        return None if found is None else BusinessCalendar.from_domain(found, ref)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Each change to the appointments of a Xelion calendar (or user): the"
        " gateway's own writes at once, others' within SUBSCRIPTION_POLL_SECONDS."
    )
    async def appointments_changed(
        self, info: Info, calendar_id: strawberry.ID
    ) -> AsyncGenerator[AppointmentChange, None]:
        live = info.context.services.live

        async def watch() -> Watch:
            return live.appointments(str(calendar_id))

        async for change in _changes(info, watch):
            yield AppointmentChange(kind=change.kind, id=strawberry.ID(change.entity_id))

    @strawberry.subscription(
        description="Each change to a Synergist resource's bookings (of one company) that"
        " touch the dates: the gateway's own writes at once, others' within"
        " SUBSCRIPTION_POLL_SECONDS."
    )
    async def bookings_changed(
        self,
        info: Info,
        company: str,
        resource_id: strawberry.ID,
        from_: FromArg[date],
        to: date,
    ) -> AsyncGenerator[BookingChange, None]:
        live = info.context.services.live

        async def watch() -> Watch:
            return live.bookings(company, str(resource_id), from_, to)

        async for change in _changes(info, watch):
            if _touches(change, from_, to):
                yield BookingChange(kind=change.kind, id=strawberry.ID(change.entity_id))

    @strawberry.subscription(
        description="Each change to one business calendar (its settings or exceptions):"
        " the gateway's own edits at once, others' within SUBSCRIPTION_POLL_SECONDS."
    )
    async def business_calendar_changed(
        self,
        info: Info,
        id: strawberry.ID,
        tenant_id: TenantArg = None,
        package_id: PackageArg = None,
    ) -> AsyncGenerator[BusinessCalendarChange, None]:
        services = info.context.services
        ref = services.calendars.ref(id, tenant_id, package_id)

        async def watch() -> Watch:
            return await services.live.calendar(ref)

        async for change in _changes(info, watch):
            yield BusinessCalendarChange(
                kind=change.kind,
                id=strawberry.ID(change.entity_id),
                tenant_id=strawberry.ID(ref.tenant_id),
                package_id=strawberry.ID(ref.package_id),
            )


async def _changes(info: Info, watch: Callable[[], Awaitable[Watch]]) -> AsyncGenerator[Change]:
    """The changes on ``watch``'s topic, each with fresh reads, while the client listens."""
    context = info.context
    live = context.services.live
    client = context.client or client_identity(context.request.scope)
    # Events are about changes: what a subscriber reads of them skips the cache.
    read_through.set(True)
    try:
        with live.admission.admit(client, context.open_subscriptions):
            async with live.watching(await watch()) as subscriber:
                while True:
                    change = await subscriber.next()
                    context.renew_reads()
                    yield change
    except Exception as error:
        # Raised out of a subscription's generator, an error reaches the client without
        # the contract's path; it is coded here instead.
        raise _coded(info, error) from None


def _coded(info: Info, error: Exception) -> GraphQLError:
    path = [info.path.key]
    if isinstance(error, TooManySubscriptionsError):
        return GraphQLError(str(error), path=path, extensions={"code": "TOO_MANY_SUBSCRIPTIONS"})
    if isinstance(error, SlowConsumerError):
        return GraphQLError(str(error), path=path, extensions={"code": "SLOW_CONSUMER"})
    extensions = extensions_for(error)
    if extensions is None:
        log.error("unexpected error in subscription %s", info.path.key, exc_info=error)
        return GraphQLError(
            INTERNAL_MESSAGE, path=path, extensions={"code": "INTERNAL_SERVER_ERROR"}
        )
    return GraphQLError(str(error), path=path, extensions=extensions)


def _touches(change: Change, first: date, last: date) -> bool:
    if change.first is None or change.last is None:
        return True
    return change.first <= last and first <= change.last
