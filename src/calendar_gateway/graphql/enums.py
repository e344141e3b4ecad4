"""Every domain enumeration the schema shows, registered with strawberry in one place.

Strawberry registers an enum when a type first uses it; registered here, before any type, each
keeps its one name and description whatever module is imported first.
"""

from __future__ import annotations

import strawberry

from calendar_gateway.services.appointments import (
    MonthRecurrenceType,
    RecurrenceType,
    TerminationType,
    UserStatus,
)
from calendar_gateway.services.calendars import ExceptionType, Placement, RelativeType, Weekday
from calendar_gateway.services.freebusy import ConflictKind

__all__ = [
    "ConflictKind",
    "ExceptionType",
    "MonthRecurrenceType",
    "Placement",
    "RecurrenceType",
    "RelativeType",
    "TerminationType",
    "UserStatus",
    "Weekday",
]

strawberry.enum(Weekday, description="A day of the week (GRS numbers 1 = Sunday).")
strawberry.enum(ExceptionType, description="HOLIDAY: no work that day; TIME_CHANGE: other hours.")
strawberry.enum(Placement, description="How an exception is placed: one date, yearly, or relative.")
strawberry.enum(RelativeType, description="Which of a month's weekdays a RELATIVE exception takes.")
strawberry.enum(UserStatus, description="The presence an appointment gives its owner.")
strawberry.enum(RecurrenceType, description="How often an appointment recurs.")
strawberry.enum(
    TerminationType,
    name="RecurrenceTerminationType",
    description="NEVER; COUNT: after `count` times; DATE: on `date`.",
)
strawberry.enum(
    MonthRecurrenceType,
    description="Monthly on the same day of the month, or the same weekday (e.g. third Monday).",
)
strawberry.enum(
    ConflictKind,
    description="OUTSIDE_WORKING_TIME and ON_HOLIDAY: a booking or appointment when the "
    "business calendar does not work; BOOKING_OVERLAPS_APPOINTMENT: both at once.",
)
