"""Xelion appointments as the gateway uses them: typed results and what a write asks for.

A timed side is an aware UTC datetime and an all-day side a naive one, the local date
(docs/vendors/xelion.md, Time). Enum values the pages do not show are (inferred):
recurrence types other than ``weekly``, termination types other than ``recurrenceCount``,
and the month recurrence types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from calendar_gateway.upstreams.json_object import JsonObject
from calendar_gateway.upstreams.records import quick_init
from calendar_gateway.upstreams.weekday import Weekday


class DiaryOwner(Enum):
    """Whose appointments a list holds: a calendar (or a user, by the user's oid), or an
    addressable (a person)."""

    CALENDAR = "calendar"
    ADDRESSABLE = "addressable"


class UserStatus(Enum):
    AVAILABLE = "available"
    UNAVAILABLE = "unavailable"
    DONT_DISTURB = "dont_disturb"
    AT_APPOINTMENT = "at_appointment"
    SHORT_OUT_OF_OFFICE = "short_out_of_office"
    LONG_OUT_OF_OFFICE = "long_out_of_office"


class RecurrenceType(Enum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    YEARLY = "yearly"


class TerminationType(Enum):
    NEVER = "never"
    COUNT = "recurrenceCount"
    DATE = "recurrenceDate"


class MonthRecurrenceType(Enum):
    DAY_OF_MONTH = "dayOfMonth"
    DAY_OF_WEEK = "dayOfWeek"


@quick_init
@dataclass(frozen=True)
class Participant:
    oid: str
    name: str
    object_type: str


@quick_init
@dataclass(frozen=True)
class CalendarEntry:
    """A calendar an appointment is on."""

    oid: str
    name: str


@quick_init
@dataclass(frozen=True)
class Recurrence:
    type: RecurrenceType
    interval: int | None
    termination_type: TerminationType | None
    termination_date: datetime | None
    count: int | None
    first: datetime | None
    last: datetime | None
    weekdays: frozenset[Weekday]
    month_type: MonthRecurrenceType | None


@quick_init
@dataclass(frozen=True)
class Permissions:
    """Xelion states them as one word, e.g. "ReadWriteRemove"."""

    read: bool
    write: bool
    remove: bool


@quick_init
@dataclass(frozen=True)
class AppointmentSummary:
    """An entry of a calendar list: the vendor lists fewer fields than it answers for one."""

    oid: str
    subject: str
    start: datetime
    end: datetime
    all_start_day: bool
    all_end_day: bool
    internal: bool
    is_recurrence: bool
    raw: JsonObject
    owner: Participant | None = None
    common_name: str = ""


@dataclass(frozen=True)
class AppointmentPage:
    """Entries of a calendar list, and whether Xelion has more after the last."""

    items: tuple[AppointmentSummary, ...]
    has_more: bool


@quick_init
@dataclass(frozen=True)
class Appointment:
    oid: str
    subject: str
    start: datetime
    end: datetime
    all_start_day: bool
    all_end_day: bool
    internal: bool
    user_status: UserStatus | None
    participants: tuple[Participant, ...]
    calendars: tuple[CalendarEntry, ...]
    comment: str
    recurrence: Recurrence | None
    permissions: Permissions
    raw: JsonObject
    owner: Participant | None = None
    common_name: str = ""
    is_recurrence: bool = False


@dataclass(frozen=True)
class RecurrenceFields:
    """Recurrence as written: None leaves a field alone (PATCH) or to Xelion's default."""

    type: RecurrenceType | None = None
    interval: int | None = None
    termination_type: TerminationType | None = None
    termination_date: datetime | None = None
    count: int | None = None
    first: datetime | None = None
    last: datetime | None = None
    weekdays: frozenset[Weekday] | None = None
    month_type: MonthRecurrenceType | None = None


@dataclass(frozen=True)
class NewAppointment:
    subject: str
    start: datetime
    end: datetime
    all_start_day: bool = False
    all_end_day: bool = False
    internal: bool = False
    user_status: UserStatus | None = None
    comment: str | None = None
    participants: tuple[str, ...] = ()
    calendars: tuple[str, ...] = ()
    recurrence: RecurrenceFields | None = None


@dataclass(frozen=True)
class AppointmentPatch:
    """What to change; None (or an empty tuple) leaves a field alone."""

    subject: str | None = None
    comment: str | None = None
    internal: bool | None = None
    user_status: UserStatus | None = None
    all_start_day: bool | None = None
    start: datetime | None = None
    all_end_day: bool | None = None
    end: datetime | None = None
    add_calendars: tuple[str, ...] = ()
    remove_calendars: tuple[str, ...] = ()
    add_participants: tuple[str, ...] = ()
    remove_participants: tuple[str, ...] = ()
    recurrence: RecurrenceFields = field(default_factory=RecurrenceFields)
