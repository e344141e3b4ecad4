"""Xelion's wire format of appointments: the parsers, the create payload and the PATCH builder.

Times on the wire are ``yyyy-MM-dd HH:mm:ss`` without zone: UTC (inferred), except an
all-day side, which carries the local date at 00:00:00 / 23:59:59 (docs/vendors/xelion.md, Time).
A naive datetime given here is sent as it is, an aware one converted to UTC. A value the
parsers do not know reads as None; ``raw`` keeps it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Literal, TypeVar

from calendar_gateway.upstreams.appointment_model import (
    Appointment,
    AppointmentPatch,
    AppointmentSummary,
    CalendarEntry,
    MonthRecurrenceType,
    NewAppointment,
    Participant,
    Permissions,
    Recurrence,
    RecurrenceFields,
    RecurrenceType,
    TerminationType,
    UserStatus,
)
from calendar_gateway.upstreams.errors import BadRequestError
from calendar_gateway.upstreams.json_object import JsonObject
from calendar_gateway.upstreams.weekday import Weekday
from calendar_gateway.upstreams.xelion_session import UPSTREAM, XELION_TIME, parse_xelion_time

E = TypeVar("E", bound=Enum)

OID = re.compile(r"[0-9]+")
"""Xelion's object ids: digits (docs/vendors/xelion.md, Appointments)."""

# Xelion has one boolean per day, named in English.
WEEKDAY_FIELDS: Mapping[Weekday, str] = {day: day.name.lower() for day in Weekday}


@dataclass(frozen=True)
class PatchOperation:
    op: Literal["add", "remove", "replace"]
    path: str
    value: str | bool | int | None = None

    def to_json(self) -> JsonObject:
        if self.value is None:
            return {"op": self.op, "path": self.path}
        return {"op": self.op, "path": self.path, "value": self.value}


_PATCH_PATHS = {
    "subject": "/subject",
    "comment": "/comment",
    "internal": "/internal",
    "user_status": "/userStatus",
    "all_start_day": "/allStartDay",
    "start": "/starttime",
    "all_end_day": "/allEndDay",
    "end": "/endtime",
}
_RECURRENCE_PATHS = {
    "type": "/recurrenceType",
    "interval": "/recurrenceInterval",
    "termination_type": "/recurrenceTerminationType",
    "termination_date": "/recurrenceTerminationDate",
    "count": "/recurrenceCount",
    "first": "/firstRecurrenceDate",
    "last": "/lastRecurrenceDate",
    "month_type": "/monthRecurrenceType",
}
_RELATIONS = {
    "add_calendars": ("add", "calendars"),
    "remove_calendars": ("remove", "calendars"),
    "add_participants": ("add", "participants"),
    "remove_participants": ("remove", "participants"),
}


def to_patch_operations(patch: AppointmentPatch) -> tuple[PatchOperation, ...]:
    """The operations that make exactly the changes ``patch`` names, each once."""
    operations = [
        PatchOperation("replace", path, _wire(getattr(patch, name)))
        for name, path in _PATCH_PATHS.items()
        if getattr(patch, name) is not None
    ]
    operations += _recurrence_operations(patch.recurrence)
    for name, (op, relation) in _RELATIONS.items():
        for oid in dict.fromkeys(getattr(patch, name)):
            # update page example: add names the oid as value, remove names it in the path.
            if op == "add":
                operations.append(PatchOperation("add", f"/{relation}", checked_oid(oid)))
            else:
                operations.append(PatchOperation("remove", f"/{relation}/{checked_oid(oid)}"))
    return tuple(operations)


def _recurrence_operations(recurrence: RecurrenceFields) -> list[PatchOperation]:
    operations = [
        PatchOperation("replace", path, _wire(getattr(recurrence, name)))
        for name, path in _RECURRENCE_PATHS.items()
        if getattr(recurrence, name) is not None
    ]
    if recurrence.weekdays is not None:
        operations += [
            PatchOperation("replace", f"/{name}", day in recurrence.weekdays)
            for day, name in WEEKDAY_FIELDS.items()
        ]
    return operations


def _wire(value: object) -> str | bool | int:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, str | bool | int):
        return value
    raise TypeError(f"no Xelion form for {value!r}")


def format_time(value: datetime) -> str:
    """Xelion's form; an aware time is converted to UTC, a naive one sent as it is."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime(XELION_TIME)


def to_create_payload(new: NewAppointment) -> JsonObject:
    """The vendor's create example shape, with only the recurrence fields given."""
    payload: JsonObject = {
        "objectType": "XCCAppointment",
        "subject": new.subject,
        "starttime": format_time(new.start),
        "endtime": format_time(new.end),
        "allStartDay": new.all_start_day,
        "allEndDay": new.all_end_day,
        "internal": new.internal,
        "participants": [
            {"person": {"oid": checked_oid(oid), "objectType": "Person"}}
            for oid in new.participants
        ],
        "calendars": [
            {"oid": checked_oid(oid), "objectType": "XCCCalendar"} for oid in new.calendars
        ],
    }
    if new.user_status is not None:
        payload["userStatus"] = new.user_status.value
    if new.comment is not None:
        payload["comment"] = {"objectType": "Comment", "content": new.comment}
    if new.recurrence is not None:
        for operation in _recurrence_operations(new.recurrence):
            payload[operation.path.removeprefix("/")] = operation.value
    return payload


def parse_appointment(obj: Mapping[str, Any]) -> Appointment:
    comment = obj.get("comment")
    return Appointment(
        # An appointment answers every field a list entry has, and more.
        **_summary_fields(obj),
        user_status=_enum(UserStatus, obj.get("userStatus")),
        participants=tuple(_participant(p) for p in obj.get("participants") or ()),
        calendars=tuple(
            CalendarEntry(str(c["oid"]), str(c.get("commonName") or ""))
            for c in obj.get("calendars") or ()
        ),
        comment=str(comment.get("content") or "") if isinstance(comment, dict) else "",
        recurrence=_parse_recurrence(obj),
        permissions=_parse_permissions(str(obj.get("permissions") or "")),
    )


def parse_summary(obj: Mapping[str, Any]) -> AppointmentSummary:
    return AppointmentSummary(**_summary_fields(obj))


def _summary_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A list entry's fields, by name: made into an appointment without a summary between."""
    all_start, all_end = bool(obj.get("allStartDay")), bool(obj.get("allEndDay"))
    return {
        "oid": str(obj["oid"]),
        "subject": str(obj.get("subject") or ""),
        "start": _parse_time(obj["starttime"], floating=all_start),
        "end": _parse_time(obj["endtime"], floating=all_end),
        "all_start_day": all_start,
        "all_end_day": all_end,
        "internal": bool(obj.get("internal")),
        "is_recurrence": bool(obj.get("isRecurrence")),
        # The decoded answer is ours alone: a copy of its dict would only cost.
        "raw": obj if type(obj) is dict else dict(obj),
        "owner": _owner(obj),
        "common_name": str(obj.get("commonName") or ""),
    }


def _participant(entry: Mapping[str, Any]) -> Participant:
    return Participant(
        str(entry["oid"]), str(entry.get("commonName") or ""), str(entry.get("objectType"))
    )


def _owner(obj: Mapping[str, Any]) -> Participant | None:
    """Whose appointment it is (``isAppointmentOf``)."""
    owner = obj.get("isAppointmentOf")
    return _participant(owner) if isinstance(owner, dict) and "oid" in owner else None


def _parse_recurrence(obj: Mapping[str, Any]) -> Recurrence | None:
    if not obj.get("isRecurrence"):
        return None
    kind = _enum(RecurrenceType, obj.get("recurrenceType"))
    if kind is None:
        return None
    return Recurrence(
        type=kind,
        interval=_integer(obj.get("recurrenceInterval")),
        termination_type=_enum(TerminationType, obj.get("recurrenceTerminationType")),
        termination_date=_optional_time(obj.get("recurrenceTerminationDate")),
        count=_integer(obj.get("recurrenceCount")),
        first=_optional_time(obj.get("firstRecurrenceDate")),
        last=_optional_time(obj.get("lastRecurrenceDate")),
        weekdays=frozenset(day for day, name in WEEKDAY_FIELDS.items() if obj.get(name) is True),
        month_type=_enum(MonthRecurrenceType, obj.get("monthRecurrenceType")),
    )


def _parse_permissions(word: str) -> Permissions:
    return Permissions(read="Read" in word, write="Write" in word, remove="Remove" in word)


def _parse_time(text: object, *, floating: bool) -> datetime:
    """A timed side is UTC; an all-day side is a local date, so it stays naive."""
    parsed = parse_xelion_time(str(text))
    if floating:
        return parsed
    # parsed.replace(tzinfo=UTC), in a fifth of its time: replace parses its keywords.
    return datetime.combine(parsed, parsed.time(), UTC)


def _optional_time(text: object) -> datetime | None:
    return _parse_time(text, floating=False) if isinstance(text, str) and text else None


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _enum(kind: type[E], value: object) -> E | None:
    # Looked up in the kind's map of values: calling the enum took 0.39 us a field (four an
    # appointment), 1.9 us for a value it does not know; the map, 0.11 us either way.
    try:
        return _members(kind).get(value)
    except TypeError:
        return None  # unhashable (a list, an object): no member's value


@functools.cache
def _members(kind: type[E]) -> dict[object, E]:
    return {member.value: member for member in kind}


def checked_oid(value: str) -> str:
    # Oids go into URL paths: anything but digits could reach another resource.
    if not OID.fullmatch(value):
        raise BadRequestError(UPSTREAM, f"{value!r} is not a Xelion object id")
    return value
