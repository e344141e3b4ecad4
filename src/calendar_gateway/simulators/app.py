"""The three simulators on one port, each under its vendor's own paths."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount

from calendar_gateway.simulators.appointments import app as appointments
from calendar_gateway.simulators.bookings import app as bookings
from calendar_gateway.simulators.calendars import app as calendars
from calendar_gateway.simulators.faults import FaultInjection


def create_app(
    *,
    latency_seconds: float = 0.0,
    xelion_max_in_flight: int = appointments.AppointmentsSimulatorConfig.max_in_flight_per_session,
) -> FaultInjection:
    """All three simulators on one port, each under its vendor's own paths.

    ``latency_seconds`` delays every vendor request of all three (not the ``_admin`` routes);
    ``xelion_max_in_flight`` is Xelion's per-session limit of concurrent requests.
    """
    vendors = Starlette(
        routes=[
            Mount(
                "/jsonapi",
                app=bookings.create_app(
                    bookings.BookingsSimulatorConfig(latency_seconds=latency_seconds)
                ),
            ),
            Mount(
                "/grs/v1",
                app=calendars.create_app(
                    calendars.CalendarsSimulatorConfig(latency_seconds=latency_seconds)
                ),
            ),
            Mount(
                "/api/v1/{tenant}",
                app=appointments.create_app(
                    appointments.AppointmentsSimulatorConfig(
                        latency_seconds=latency_seconds,
                        max_in_flight_per_session=xelion_max_in_flight,
                    )
                ),
            ),
        ]
    )
    return FaultInjection(vendors)
