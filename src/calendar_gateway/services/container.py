"""The domain services the GraphQL layer may use, built once per app by ``gateway.py``."""

from __future__ import annotations

from dataclasses import dataclass

from calendar_gateway.services.appointments import AppointmentService
from calendar_gateway.services.availability import AvailabilityService
from calendar_gateway.services.bookings import BookingService
from calendar_gateway.services.calendars import CalendarService
from calendar_gateway.services.feeds import FeedService
from calendar_gateway.services.live import LiveData


@dataclass(frozen=True)
class Services:
    """The domain services, made once in the app's lifespan."""

    calendars: CalendarService
    bookings: BookingService
    appointments: AppointmentService
    availability: AvailabilityService
    feeds: FeedService
    live: LiveData

    @classmethod
    def of(
        cls,
        calendars: CalendarService,
        bookings: BookingService,
        appointments: AppointmentService,
        *,
        feeds: FeedService,
        live: LiveData,
    ) -> Services:
        """The three vendors' services, and availability over them."""
        availability = AvailabilityService(calendars, bookings, appointments)
        return cls(calendars, bookings, appointments, availability, feeds, live)
