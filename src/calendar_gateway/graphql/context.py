"""What every resolver can reach: the domain services and the request."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry
from graphql.error import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from calendar_gateway.graphql.loader import Loader
from calendar_gateway.graphql.snapshot import (
    AppointmentSnapshot,
    BookingSnapshot,
    CalendarSnapshot,
)
from calendar_gateway.services.appointments import Appointment
from calendar_gateway.services.bookings import Booking
from calendar_gateway.services.container import Services
from calendar_gateway.services.warned import Warned


@dataclass
class Context:
    """One per GraphQL request, or per WebSocket connection."""

    request: Request | WebSocket
    response: Response | None
    services: Services
    calendars: CalendarSnapshot
    """Per request: every read of a business calendar agrees, and a body is read once."""
    bookings: BookingSnapshot
    """Per request: every read of a booking agrees, and a booking is read once."""
    appointments: AppointmentSnapshot
    """Per request: every read of an appointment agrees, and one is read in full once."""
    warnings: list[str] = field(default_factory=list)
    """Upstream warnings for ``extensions.warnings`` (Synergist's warningmessage)."""
    failures: list[GraphQLError] = field(default_factory=list)
    """Errors the answer carries whatever was selected (graphql/failures.py)."""
    connection_params: dict[str, object] | None = None
    """WebSocket: connection_init's payload, which carries the client's credentials."""
    client: str | None = None
    """WebSocket: the client that connection_init authenticated."""
    open_subscriptions: dict[str, int] = field(default_factory=dict)
    """The connection's count of open subscriptions (services/live.py)."""

    def renew_reads(self) -> None:
        """Reads as a new request's: for each event of a long-lived WebSocket context."""
        self.calendars = CalendarSnapshot(self.services.calendars)
        self.bookings = BookingSnapshot(self.services.bookings)
        self.appointments = AppointmentSnapshot(self.services.appointments)

    @property
    def booking_loader(self) -> Loader[str, Warned[Booking]]:
        return self.bookings.loader

    @property
    def appointment_loader(self) -> Loader[str, Appointment]:
        return self.appointments.loader


Info = strawberry.Info[Context, None]
