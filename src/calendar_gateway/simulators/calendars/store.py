"""The GRS simulator's calendars: each package's calendars, as stored, with their lock."""

from __future__ import annotations

from dataclasses import dataclass, field

from calendar_gateway.simulators.calendars.seed import SeedCalendar
from calendar_gateway.simulators.payload import JsonObject


@dataclass
class Calendar:
    calendar_id: str
    external_id: str
    settings: JsonObject
    """name, weekStarts, weekEnds, day*, timeZoneId: the fields create sets and modify updates."""
    exceptions: list[JsonObject] = field(default_factory=list)
    lock_token: str | None = None


def seeded(calendar: SeedCalendar) -> Calendar:
    return Calendar(
        calendar.calendar_id,
        calendar.external_id,
        dict(calendar.settings),
        [dict(exception) for exception in calendar.exceptions],
    )


Store = dict[str, Calendar]
"""One package's calendars by UUID."""


def find(store: Store, calendar_id: str) -> Calendar | None:
    """A calendar by its UUID or its external id (``Calendar_117``), as GRS paths take either."""
    for calendar in store.values():
        if calendar_id in (calendar.calendar_id, calendar.external_id):
            return calendar
    return None
