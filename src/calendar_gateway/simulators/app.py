"""The three simulators on one port, each under its vendor's own paths."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount

from calendar_gateway.simulators import appointments, bookings, calendars
from calendar_gateway.simulators.faults import FaultInjection


def create_app() -> FaultInjection:
    """All three simulators on one port, each under its vendor's own paths."""
    vendors = Starlette(
        routes=[
            Mount("/jsonapi", app=bookings.create_app()),
            Mount("/grs/v1", app=calendars.create_app()),
            Mount("/api/v1/{tenant}", app=appointments.create_app()),
        ]
    )
    return FaultInjection(vendors)
