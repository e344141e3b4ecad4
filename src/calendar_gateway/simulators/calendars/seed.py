"""The GRS simulator's starting state, taken from the pages docs/vendors/grs.md names.

The calendars and their exceptions are copied exactly from the list and body pages; the tenant
(nodeId 1, "Environment") from the vendor's Query Tenants page. Invented and marked so: the
users, the tenant's ``default`` alias and its one package ``default``.
"""

from __future__ import annotations

from dataclasses import dataclass

from calendar_gateway.simulators.payload import JsonObject

VIEW = "CALENDAR_VIEW"
CREATE = "CALENDAR_CREATE"
MODIFY = "CALENDAR_MODIFY"
DELETE = "CALENDAR_DELETE"


@dataclass(frozen=True)
class User:
    name: str
    password: str
    permissions: frozenset[str]
    must_change_password: bool = False


_ALL = frozenset({VIEW, CREATE, MODIFY, DELETE})

USERS = (
    User("demo", "demo", _ALL),  # invented
    User("viewer", "viewer", frozenset({VIEW})),  # invented: read-only
    User("other", "other", _ALL),  # invented: "another user" holding a lock
    User("changeme", "changeme", _ALL, must_change_password=True),  # invented: login 422 1000
)


@dataclass(frozen=True)
class Tenant:
    node_id: int
    name: str
    path_ids: frozenset[str]
    """What ``{tenantId}`` may say: the node id, and (invented) ``default``."""
    packages: frozenset[str]


TENANT = Tenant(1, "Environment", frozenset({"1", "default"}), frozenset({"default"}))
PACKAGE = "default"
"""The package holding the seeded calendars."""


@dataclass(frozen=True)
class SeedCalendar:
    calendar_id: str
    external_id: str
    settings: JsonObject
    exceptions: tuple[JsonObject, ...]


CALENDARS = (
    SeedCalendar(
        "dcc4a39b-3442-4408-a907-b85c44663681",
        "Calendar_117",
        {
            "name": "Dad's Dating Calendar",
            "weekStarts": 6,
            "weekEnds": 7,
            "dayStartsHour": 17,
            "dayStartsMin": 30,
            "dayEndsHour": 23,
            "dayEndsMin": 0,
            "timeZoneId": "EST",
        },
        (
            {
                "name": "Christmas",
                "type": "HOLIDAY",
                "placement": "FIXED",
                "fixedDate": 30949200000,
                "annualMonth": 0,
                "annualDay": 0,
                "relativeType": None,
                "relativeDayOfWeek": 0,
                "relativeMonth": 0,
                "timeChangeStartHour": 0,
                "timeChangeStartMin": 0,
                "timeChangeStopHour": 0,
                "timeChangeStopMin": 0,
            },
            {
                "name": "It's New Year's Day",
                "type": "HOLIDAY",
                "placement": "ANNUAL",
                "fixedDate": None,
                "annualMonth": 1,
                "annualDay": 1,
                "relativeType": None,
                "relativeDayOfWeek": 0,
                "relativeMonth": 0,
                "timeChangeStartHour": 0,
                "timeChangeStartMin": 0,
                "timeChangeStopHour": 0,
                "timeChangeStopMin": 0,
            },
            {
                "name": "Thanksgiving",
                "type": "HOLIDAY",
                "placement": "RELATIVE",
                "fixedDate": None,
                "annualMonth": 0,
                "annualDay": 0,
                "relativeType": "FOURTH",
                "relativeDayOfWeek": 5,
                "relativeMonth": 11,
                "timeChangeStartHour": 0,
                "timeChangeStartMin": 0,
                "timeChangeStopHour": 0,
                "timeChangeStopMin": 0,
            },
            {
                "name": "My Dad's birthday !",
                "type": "HOLIDAY",
                "placement": "ANNUAL",
                "fixedDate": None,
                "annualMonth": 5,
                "annualDay": 20,
                "relativeType": None,
                "relativeDayOfWeek": 0,
                "relativeMonth": 0,
                "timeChangeStartHour": 0,
                "timeChangeStartMin": 0,
                "timeChangeStopHour": 0,
                "timeChangeStopMin": 0,
            },
            {
                "name": "A Time Change",
                "type": "TIME_CHANGE",
                "placement": "ANNUAL",
                "fixedDate": None,
                "annualMonth": 1,
                "annualDay": 9,
                "relativeType": None,
                "relativeDayOfWeek": 0,
                "relativeMonth": 0,
                "timeChangeStartHour": 12,
                "timeChangeStartMin": 30,
                "timeChangeStopHour": 16,
                "timeChangeStopMin": 22,
            },
            {
                "name": "tc3",
                "type": "TIME_CHANGE",
                "placement": "FIXED",
                "fixedDate": 1428984000000,
                "annualMonth": 0,
                "annualDay": 0,
                "relativeType": None,
                "relativeDayOfWeek": 0,
                "relativeMonth": 0,
                "timeChangeStartHour": 1,
                "timeChangeStartMin": 33,
                "timeChangeStopHour": 7,
                "timeChangeStopMin": 33,
            },
            {
                "name": "TC2",
                "type": "TIME_CHANGE",
                "placement": "RELATIVE",
                "fixedDate": None,
                "annualMonth": 0,
                "annualDay": 0,
                "relativeType": "EVERY",
                "relativeDayOfWeek": 1,
                "relativeMonth": 1,
                "timeChangeStartHour": 3,
                "timeChangeStartMin": 0,
                "timeChangeStopHour": 19,
                "timeChangeStopMin": 0,
            },
        ),
    ),
    SeedCalendar(
        "fdc4a39b-3442-4408-a907-b85c44663622",
        "Calendar_190",
        {
            "name": "Another Calendar",
            "weekStarts": 1,
            "weekEnds": 7,
            "dayStartsHour": 8,
            "dayStartsMin": 30,
            "dayEndsHour": 11,
            "dayEndsMin": 0,
            "timeZoneId": "America/Cayman",
        },
        (),
    ),
)
