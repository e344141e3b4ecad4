"""Live data: what a subscription watches, and how many a client may hold.

A subscription names a topic (a Xelion calendar, a Synergist resource, a business calendar)
and, while it runs, keeps that thing polled (services/polling.py) and hears every change
published on the topic: the gateway's own writes (services/publishing.py) and the polls'.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from calendar_gateway.services.appointments import MAX_LIST, AppointmentService, require_oid
from calendar_gateway.services.bookings import BookingService
from calendar_gateway.services.calendars import CalendarService
from calendar_gateway.services.errors import InvalidInputError
from calendar_gateway.services.events import EventHub, Subscriber
from calendar_gateway.services.feeds import FeedWindow
from calendar_gateway.services.polling import Entry, Pollers, State, Watch, digest
from calendar_gateway.services.publishing import (
    appointments_topic,
    bookings_topic,
    calendar_topic,
)
from calendar_gateway.upstreams.appointment_model import Appointment
from calendar_gateway.upstreams.bookings import Booking
from calendar_gateway.upstreams.calendars import BusinessCalendar, CalendarRef
from calendar_gateway.upstreams.errors import NotFoundError

MAX_BOOKING_DAYS = 366
"""The longest range of dates a bookings subscription watches."""


class TooManySubscriptionsError(Exception):
    """A connection or a client holds as many subscriptions as it may."""


@dataclass(frozen=True)
class SubscriptionLimits:
    per_connection: int
    per_client: int


class Admission:
    """Counts open subscriptions per client on this replica."""

    def __init__(self, limits: SubscriptionLimits) -> None:
        self._limits = limits
        self._by_client: dict[str, int] = {}

    @contextlib.contextmanager
    def admit(self, client: str, connection: dict[str, int]) -> Iterator[None]:
        """Holds a place for one subscription of ``client`` on ``connection`` (its counter)."""
        if connection.get("open", 0) >= self._limits.per_connection:
            raise TooManySubscriptionsError(
                f"at most {self._limits.per_connection} subscriptions per connection"
            )
        if self._by_client.get(client, 0) >= self._limits.per_client:
            raise TooManySubscriptionsError(
                f"at most {self._limits.per_client} subscriptions per client"
            )
        connection["open"] = connection.get("open", 0) + 1
        self._by_client[client] = self._by_client.get(client, 0) + 1
        try:
            yield
        finally:
            connection["open"] -= 1
            self._by_client[client] -= 1
            if not self._by_client[client]:
                del self._by_client[client]


class LiveData:
    """Subscriptions' topics and pollers over the three services."""

    def __init__(
        self,
        hub: EventHub,
        pollers: Pollers,
        admission: Admission,
        window: FeedWindow,
        *,
        calendars: CalendarService,
        bookings: BookingService,
        appointments: AppointmentService,
    ) -> None:
        self.hub = hub
        self.pollers = pollers
        self.admission = admission
        self._window = window
        self._calendars = calendars
        self._bookings = bookings
        self._appointments = appointments

    @contextlib.asynccontextmanager
    async def watching(self, watch: Watch) -> AsyncIterator[Subscriber]:
        """Hears ``watch``'s topic, and keeps it polled, while the block runs."""
        with self.hub.subscribe(watch.topic) as subscriber:
            async with self.pollers.watching(watch):
                yield subscriber

    async def appointment_now(self, oid: str) -> Appointment | None:
        """The appointment as it is now; None once deleted."""
        try:
            return await self._appointments.get(oid)
        except NotFoundError:
            return None

    async def booking_now(self, booking_id: str) -> Booking | None:
        [found] = await self._bookings.get_many([booking_id])
        if isinstance(found, NotFoundError):
            return None
        if isinstance(found, BaseException):
            raise found
        return found.value

    async def calendar_now(self, ref: CalendarRef) -> BusinessCalendar | None:
        try:
            return await self._calendars.get(ref)
        except NotFoundError:
            return None

    def appointments(self, calendar_id: str) -> Watch:
        """A Xelion calendar's appointments within the feed window around today."""
        oid = require_oid(calendar_id, "calendarId")

        async def read() -> State:
            first, last = self._window.dates(datetime.now(UTC).date())
            listed = await self._appointments.calendar(oid, first, last, MAX_LIST)
            return {a.oid: Entry(digest(a.raw), a.start.date(), a.end.date()) for a in listed}

        topic = appointments_topic(oid)
        return Watch(topic, topic, read)

    def bookings(self, company: str, resource_id: str, first: date, last: date) -> Watch:
        """A Synergist resource's bookings (of one company) that touch the dates."""
        _check_bookings(company, resource_id, first, last)

        async def read() -> State:
            reply = await self._bookings.in_range(company, first, last)
            return {
                b.id: Entry(digest(b.raw), b.start.date(), b.end.date())
                for b in reply.value
                if b.resource.id == resource_id
            }

        key = f"bookings:{company}:{resource_id}:{first}:{last}"
        return Watch(key, bookings_topic(resource_id), read)

    async def calendar(self, ref: CalendarRef) -> Watch:
        """One business calendar, named by its own id (an external id is looked up)."""
        own = CalendarRef(ref.tenant_id, ref.package_id, (await self._calendars.get(ref)).id)

        async def read() -> State:
            try:
                calendar = await self._calendars.get(own)
            except NotFoundError:
                return {}
            return {calendar.id: Entry(digest(calendar.raw))}

        topic = calendar_topic(own)
        return Watch(topic, topic, read)


def _check_bookings(company: str, resource_id: str, first: date, last: date) -> None:
    # Before any poll: bookingsInRange's rules, and a bound on what one poll reads.
    if not company.strip():
        raise InvalidInputError("company", "company must not be empty")
    if not resource_id.strip():
        raise InvalidInputError("resourceId", "resourceId must not be empty")
    if last < first:
        raise InvalidInputError("to", "to is before from")
    if (last - first).days > MAX_BOOKING_DAYS:
        raise InvalidInputError("to", f"at most {MAX_BOOKING_DAYS} days after from")
