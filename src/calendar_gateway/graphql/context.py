"""What every resolver can reach: the domain services and the request."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry
from graphql.error import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.dataloader import DataLoader

from calendar_gateway.graphql.snapshot import CalendarSnapshot
from calendar_gateway.services.appointments import Appointment
from calendar_gateway.services.bookings import Booking
from calendar_gateway.services.container import Services
from calendar_gateway.services.warned import Warned


@dataclass
class Context:
    """One per GraphQL request."""

    request: Request
    response: Response | None
    services: Services
    calendars: CalendarSnapshot
    """Per request: every read of a business calendar agrees, and a body is read once."""
    booking_loader: DataLoader[str, Warned[Booking]]
    """Per request, so the same booking asked for twice costs one upstream call."""
    appointment_loader: DataLoader[str, Appointment]
    """Per request: a list's entries and their detail fields share one read per appointment."""
    warnings: list[str] = field(default_factory=list)
    """Upstream warnings for ``extensions.warnings`` (Synergist's warningmessage)."""
    failures: list[GraphQLError] = field(default_factory=list)
    """Errors the answer carries whatever was selected (graphql/failures.py)."""


Info = strawberry.Info[Context, None]
