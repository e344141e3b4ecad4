"""The services, publishing each write the gateway makes as a change event, at once.

A write publishes after it answered, on the topics subscribers watch: a Xelion calendar's
appointments, a Synergist resource's bookings, one business calendar. Writes read nothing
more to publish: a deleted booking or appointment, whose calendars or resource the delete
does not tell, is announced to all their subscribers; a booking moved off a resource leaves
that resource's subscribers at the next poll. A write whose outcome is unknown (a timeout)
publishes nothing: the next poll finds what landed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from calendar_gateway.services.appointments import (
    Appointment,
    AppointmentChange,
    AppointmentService,
    NewAppointmentRequest,
)
from calendar_gateway.services.bookings import BookingService
from calendar_gateway.services.calendars import CalendarException, CalendarService
from calendar_gateway.services.events import WILDCARD, Change, ChangeKind, EventHub
from calendar_gateway.services.warned import Warned
from calendar_gateway.upstreams.bookings import Booking, BookingChange, NewBooking
from calendar_gateway.upstreams.calendars import BusinessCalendar, CalendarRef, CalendarSettings


class Publishing:
    """Mixed into a service: the hub its writes publish to."""

    def __init__(self, *args: Any, events: EventHub, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.events = events


def appointments_topic(calendar_id: str) -> str:
    return f"appointments:{calendar_id}"


def bookings_topic(resource_id: str) -> str:
    return f"bookings:{resource_id}"


def calendar_topic(ref: CalendarRef) -> str:
    return f"calendar:{ref.tenant_id}:{ref.package_id}:{ref.calendar_id}"


class PublishingAppointmentService(Publishing, AppointmentService):
    async def create(self, new: NewAppointmentRequest) -> Appointment:
        created = await super().create(new)
        await self._publish(ChangeKind.CREATED, created, (c.oid for c in created.calendars))
        return created

    async def update(self, oid: str, change: AppointmentChange) -> Appointment:
        updated = await super().update(oid, change)
        # A calendar it was taken off sees it change too: gone from its view.
        calendars = {c.oid for c in updated.calendars} | set(change.remove_calendars)
        await self._publish(ChangeKind.UPDATED, updated, calendars)
        return updated

    async def delete(self, oid: str) -> str:
        deleted = await super().delete(oid)
        topic = appointments_topic(WILDCARD)
        await self.events.publish(Change(topic, ChangeKind.DELETED, deleted))
        return deleted

    async def _publish(
        self, kind: ChangeKind, appointment: Appointment, calendars: Iterable[str]
    ) -> None:
        dates = _dates(appointment.start.date(), appointment.end.date())
        for calendar_id in sorted(set(calendars)):
            topic = appointments_topic(calendar_id)
            await self.events.publish(Change(topic, kind, appointment.oid, *dates))


class PublishingBookingService(Publishing, BookingService):
    async def create(self, request: NewBooking) -> Warned[tuple[Booking, ...]]:
        reply = await super().create(request)
        for booking in reply.value:
            await self._publish(ChangeKind.CREATED, booking)
        return reply

    async def update(self, change: BookingChange) -> Warned[Booking]:
        reply = await super().update(change)
        await self._publish(ChangeKind.UPDATED, reply.value)
        return reply

    async def delete(self, booking_id: str) -> Warned[str]:
        reply = await super().delete(booking_id)
        topic = bookings_topic(WILDCARD)
        await self.events.publish(Change(topic, ChangeKind.DELETED, reply.value))
        return reply

    async def _publish(self, kind: ChangeKind, booking: Booking) -> None:
        topic = bookings_topic(booking.resource.id)
        dates = _dates(booking.start.date(), booking.end.date())
        await self.events.publish(Change(topic, kind, booking.id, *dates))


class PublishingCalendarService(Publishing, CalendarService):
    async def create(
        self,
        settings: CalendarSettings,
        tenant_id: str | None = None,
        package_id: str | None = None,
    ) -> BusinessCalendar:
        created = await super().create(settings, tenant_id, package_id)
        await self._publish(ChangeKind.CREATED, self.ref(created.id, tenant_id, package_id))
        return created

    async def update(self, ref: CalendarRef, settings: CalendarSettings) -> BusinessCalendar:
        return await self._updated(ref, await super().update(ref, settings))

    async def replace_exceptions(
        self, ref: CalendarRef, exceptions: list[CalendarException]
    ) -> BusinessCalendar:
        return await self._updated(ref, await super().replace_exceptions(ref, exceptions))

    async def add_exception(
        self, ref: CalendarRef, exception: CalendarException
    ) -> BusinessCalendar:
        return await self._updated(ref, await super().add_exception(ref, exception))

    async def remove_exception(self, ref: CalendarRef, name: str) -> BusinessCalendar:
        return await self._updated(ref, await super().remove_exception(ref, name))

    async def delete(self, ref: CalendarRef) -> str:
        deleted = await super().delete(ref)  # its own id, also when named by its external one
        await self._publish(ChangeKind.DELETED, _own_id(ref, deleted))
        return deleted

    async def _updated(self, ref: CalendarRef, calendar: BusinessCalendar) -> BusinessCalendar:
        # Topics name a calendar by its own id; the edit may have named it by its external id.
        await self._publish(ChangeKind.UPDATED, _own_id(ref, calendar.id))
        return calendar

    async def _publish(self, kind: ChangeKind, ref: CalendarRef) -> None:
        await self.events.publish(Change(calendar_topic(ref), kind, ref.calendar_id))


def _own_id(ref: CalendarRef, calendar_id: str) -> CalendarRef:
    return CalendarRef(ref.tenant_id, ref.package_id, calendar_id)


def _dates(first: date, last: date) -> tuple[date, date]:
    return (first, last) if first <= last else (last, first)
