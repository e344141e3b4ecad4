"""The Genesys Rules System (GRS) business-calendar API: typed results and the client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from enum import Enum, IntEnum
from typing import Any

JsonObject = dict[str, Any]


class Weekday(IntEnum):
    """GRS numbers days from 1 = Sunday."""

    SUNDAY = 1
    MONDAY = 2
    TUESDAY = 3
    WEDNESDAY = 4
    THURSDAY = 5
    FRIDAY = 6
    SATURDAY = 7


class ExceptionType(Enum):
    HOLIDAY = "HOLIDAY"
    TIME_CHANGE = "TIME_CHANGE"


class Placement(Enum):
    FIXED = "FIXED"
    ANNUAL = "ANNUAL"
    RELATIVE = "RELATIVE"


class RelativeType(Enum):
    EVERY = "EVERY"
    FIRST = "FIRST"
    SECOND = "SECOND"
    THIRD = "THIRD"
    FOURTH = "FOURTH"
    LAST = "LAST"


@dataclass(frozen=True)
class CalendarException:
    """A holiday or changed working hours, placed on a fixed, annual or relative date."""

    name: str
    type: ExceptionType
    placement: Placement
    fixed_date: int | None = None
    """FIXED: epoch milliseconds of (roughly) a local midnight; see upstreams/README.md."""
    annual_month: int | None = None
    annual_day: int | None = None
    relative_type: RelativeType | None = None
    relative_day_of_week: Weekday | None = None
    relative_month: int | None = None
    """RELATIVE: 1-12, or 0 for every month."""
    time_change_start: time | None = None
    time_change_stop: time | None = None


@dataclass(frozen=True)
class BusinessCalendar:
    """A calendar as GRS lists it; ``exceptions`` is None when read from the list."""

    id: str
    external_id: str | None
    name: str
    locked: bool
    lock_owner: str | None
    week_starts: Weekday
    week_ends: Weekday
    day_starts: time
    day_ends: time
    time_zone_id: str
    exceptions: tuple[CalendarException, ...] | None
    raw: JsonObject
