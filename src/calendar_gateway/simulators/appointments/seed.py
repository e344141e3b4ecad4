"""The Xelion simulator's starting state, taken from docs/vendors/xelion.md and the
vendor's public pages (appointment get/create/list examples).

Oids, subjects and times the pages show are copied exactly. What they leave out is invented
and marked so: names of persons and calendars that appear only as oids, the appointment the
PATCH example edits (1627410), an all-day appointment (the update page's 2018-12-27), a
read-only one, and one that happens today so an undated list is not empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from calendar_gateway.simulators.payload import JsonObject


@dataclass(frozen=True)
class User:
    name: str
    password: str
    person_oid: str
    enabled: bool


USERS = (
    User("demo", "demo", person_oid="1626686", enabled=True),
    User("disabled", "disabled", person_oid="1626711", enabled=False),  # invented: for 10006
)

PERSONS = {
    "1626686": "Haas Henk",  # the pages' participant and isAppointmentOf
    "1626711": "Bakker Bea",  # invented name; the create example's second participant
    "167843": "Vries Jan de",  # invented name; the participant the PATCH example removes
}

CALENDARS = {
    "1557367": "Henk",  # invented name; the calendar of the list example
    "1658051": "Kantoor",  # invented name; the create example's first calendar
    "1658218": "Vergaderzaal",  # invented name; the PATCH example's added calendar
}

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def person(oid: str) -> JsonObject:
    return {"commonName": PERSONS[oid], "oid": oid, "objectType": "Person"}


def calendar(oid: str) -> JsonObject:
    return {"commonName": CALENDARS[oid], "oid": oid, "objectType": "XCCCalendar"}


def _comment(oid: str, content: str) -> JsonObject:
    return {"content": content, "oid": oid, "objectType": "Comment"}


def _appointment(oid: str, **fields: Any) -> JsonObject:
    base: JsonObject = {
        "calendars": [],
        "allStartDay": False,
        "allEndDay": False,
        "internal": True,
        "userStatus": "at_appointment",
        "participants": [person("1626686")],
        "isAppointmentOf": person("1626686"),
        "isRecurrence": False,
        "permissions": "ReadWriteRemove",
        "commonName": "",
        "comment": _comment(oid, ""),
        "oid": oid,
        "objectType": "XCCAppointment",
    }
    return {**base, **fields}


def _weekly_on(*days: str) -> JsonObject:
    return {day: day in days for day in _WEEKDAYS}


def appointments(today: date) -> dict[str, JsonObject]:
    """The seeded appointments by oid; ``today`` places the invented daily stand-up."""
    seeded = [
        _appointment(  # appointment get example, "response when appointment has a recurrence"
            "1758518",
            calendars=[calendar("1557367")],
            subject="SLapen",
            starttime="2017-03-13 10:10:00",
            endtime="2017-03-13 10:20:00",
            recurrenceTerminationType="recurrenceCount",
            recurrenceTerminationDate="",
            firstRecurrenceDate="2017-03-19 23:00:00",
            lastRecurrenceDate="2017-04-23 22:00:00",
            recurrenceCount=6,
            recurrenceType="weekly",
            recurrenceInterval=1,
            isRecurrence=True,
            monthRecurrenceType="dayOfMonth",  # invented: the example leaves it out
            **_weekly_on("monday"),
            commonName="Afspraak",
        ),
        _appointment(  # appointment get example, "response when appointment has no recurrence"
            "1758831",
            calendars=[calendar("1557367")],
            subject="Taart eten",
            starttime="2017-03-24 13:43:00",
            endtime="2017-03-24 16:00:00",
            userStatus="unavailable",
            comment=_comment("1758832", "Taart halen bij de bakker"),
        ),
        _appointment(  # invented: the appointment the update page's PATCH example edits
            "1627410",
            calendars=[calendar("1658051")],
            subject="Teamoverleg",
            starttime="2018-12-20 09:00:00",
            endtime="2018-12-20 10:00:00",
            participants=[person("1626686"), person("167843")],
            comment=_comment("1627411", ""),
        ),
        _appointment(  # invented: the update page's all-day example, 2018-12-27
            "1627500",
            calendars=[calendar("1557367")],
            subject="Kerstvakantie",
            starttime="2018-12-27 00:00:00",
            endtime="2018-12-27 23:59:59",
            allStartDay=True,
            allEndDay=True,
            internal=False,
            userStatus="long_out_of_office",
            comment=_comment("1627501", ""),
        ),
        _appointment(  # invented: an appointment this user may read but not change
            "1627600",
            calendars=[calendar("1658051")],
            subject="Directieoverleg",
            starttime="2018-12-21 14:00:00",
            endtime="2018-12-21 15:00:00",
            permissions="Read",
            comment=_comment("1627601", ""),
        ),
        _appointment(  # invented: so that "no dates = today" lists something
            "1627700",
            calendars=[calendar("1557367")],
            subject="Stand-up",
            starttime=f"{today.isoformat()} 09:00:00",
            endtime=f"{today.isoformat()} 09:15:00",
            comment=_comment("1627701", ""),
        ),
    ]
    return {item["oid"]: item for item in seeded}


FIRST_FREE_OID = 1800000
