"""Upstream simulators: Starlette apps that answer as the vendor docs say.

They import nothing from the gateway, so a wire bug in a client cannot hide behind
the same bug in a fake.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount

from calendar_gateway.simulators import appointments, bookings, calendars


def create_app() -> Starlette:
    """All three simulators on one port, each under its vendor's own paths."""
    return Starlette(
        routes=[
            Mount("/jsonapi", app=bookings.create_app()),
            Mount("/grs/v1", app=calendars.create_app()),
            Mount("/api/v1/{tenant}", app=appointments.create_app()),
        ]
    )
