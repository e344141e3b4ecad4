"""The Xelion simulator's appointments: create, read, PATCH, delete and list, as the pages say.

Objects are kept in the vendor's own JSON shape, so what a client reads is what the pages
show. A PATCH is all or nothing: every operation is checked on a copy before the copy
replaces the stored object.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from calendar_gateway.simulators.appointments import seed
from calendar_gateway.simulators.appointments.recurrence import recurs_within
from calendar_gateway.simulators.payload import JsonObject

XELION_TIME = "%Y-%m-%d %H:%M:%S"
USER_STATUSES = (
    "available",
    "unavailable",
    "dont_disturb",
    "at_appointment",
    "short_out_of_office",
    "long_out_of_office",
)
RECURRENCE_TYPES = ("daily", "weekly", "monthly", "yearly")
TERMINATION_TYPES = ("never", "recurrenceCount", "recurrenceDate")
MONTH_RECURRENCE_TYPES = ("dayOfMonth", "dayOfWeek")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_OID = re.compile(r"[0-9]+")


class XelionError(Exception):
    """A failure answered as ``{"errorCode", "message", "info"}`` with an HTTP status."""

    def __init__(self, status: int, code: int, message: str, info: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.info = info


def no_payload() -> XelionError:
    return XelionError(400, 10200, "parameter is missing: client request has no payload")


def bad_payload(info: str) -> XelionError:
    return XelionError(400, 10202, "parameter malformed", info)


def check_oid(oid: str) -> str:
    if not _OID.fullmatch(oid):
        raise XelionError(400, 10203, "bad id", f"{oid!r} is not an object id")
    return oid


def _not_found(oid: str) -> XelionError:
    return XelionError(404, 10100, "No addressable or calendar with the specified ID exists.", oid)


def _text(value: object) -> object:
    if not isinstance(value, str):
        raise bad_payload(f"expected a string, got {value!r}")
    return value


def _flag(value: object) -> object:
    if not isinstance(value, bool):
        raise bad_payload(f"expected a boolean, got {value!r}")
    return value


def _number(minimum: int) -> Callable[[object], object]:
    def check(value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise bad_payload(f"expected an integer of at least {minimum}, got {value!r}")
        return value

    return check


def _time(value: object) -> object:
    text = _text(value)
    try:
        datetime.strptime(str(text), XELION_TIME)
    except ValueError:
        raise bad_payload(f"expected yyyy-MM-dd HH:mm:ss, got {text!r}") from None
    return text


def _time_or_empty(value: object) -> object:
    return value if value == "" else _time(value)


def _choice(options: tuple[str, ...]) -> Callable[[object], object]:
    def check(value: object) -> object:
        if value not in options:
            raise bad_payload(f"expected one of {', '.join(options)}, got {value!r}")
        return value

    return check


# docs/vendors/xelion.md (Appointments): the fields PATCH may replace, with the values they take.
REPLACEABLE: dict[str, Callable[[object], object]] = {
    "subject": _text,
    "internal": _flag,
    "userStatus": _choice(USER_STATUSES),
    "starttime": _time,
    "endtime": _time,
    "allStartDay": _flag,
    "allEndDay": _flag,
    "comment": _text,
    "firstRecurrenceDate": _time,
    "lastRecurrenceDate": _time_or_empty,
    "recurrenceType": _choice(RECURRENCE_TYPES),
    "recurrenceInterval": _number(1),
    "recurrenceTerminationType": _choice(TERMINATION_TYPES),
    "recurrenceTerminationDate": _time_or_empty,
    "recurrenceCount": _number(0),
    "monthRecurrenceType": _choice(MONTH_RECURRENCE_TYPES),
    **dict.fromkeys(WEEKDAYS, _flag),
}
RELATIONS: dict[str, Callable[[str], JsonObject]] = {
    "calendars": seed.calendar,
    "participants": seed.person,
}
_KNOWN = {"calendars": seed.CALENDARS, "participants": seed.PERSONS}


@dataclass(frozen=True)
class ListQuery:
    """A list request: ``after`` is a date, or the ``nextId`` of the page before (inferred)."""

    after: date | None
    after_oid: str | None
    before: date | None
    limit: int


@dataclass(frozen=True)
class Page:
    items: list[JsonObject]
    previous_id: str | None
    next_id: str | None


class AppointmentStore:
    """The tenant's appointments, persons and calendars."""

    def __init__(self, *, seeded: bool, today: date) -> None:
        self._appointments = seed.appointments(today) if seeded else {}
        self._next_oid = seed.FIRST_FREE_OID

    def read(self, oid: str) -> JsonObject:
        return copy.deepcopy(self._stored(oid))

    def create(self, payload: object, owner_oid: str) -> JsonObject:
        if payload is None:
            raise no_payload()
        if not isinstance(payload, dict) or payload.get("objectType") != "XCCAppointment":
            raise bad_payload("expected an object of type XCCAppointment")
        for required in ("subject", "starttime", "endtime"):
            if required not in payload:
                raise bad_payload(f"{required} is required")
        oid = self._new_oid()
        created = {
            "calendars": [],
            "allStartDay": False,
            "allEndDay": False,
            "internal": False,
            "userStatus": "at_appointment",
            "participants": [],
            "isAppointmentOf": seed.person(owner_oid),
            "isRecurrence": False,
            "permissions": "ReadWriteRemove",
            "commonName": "",
            "comment": {"content": "", "oid": self._new_oid(), "objectType": "Comment"},
            "oid": oid,
            "objectType": "XCCAppointment",
        }
        for name, value in payload.items():
            self._set_on_create(created, name, value)
        self._appointments[oid] = _settled(created)
        return self.read(oid)

    def patch(self, oid: str, payload: object) -> None:
        stored = self._stored(oid)
        _require(stored, "Write")
        changed = copy.deepcopy(stored)
        for operation in _operations(payload):
            self._apply(changed, operation)
        self._appointments[oid] = _settled(changed)

    def delete(self, oid: str) -> None:
        _require(self._stored(oid), "Remove")
        del self._appointments[oid]

    def page(self, owner_oid: str, query: ListQuery) -> Page:
        check_oid(owner_oid)
        if owner_oid not in seed.PERSONS and owner_oid not in seed.CALENDARS:
            raise _not_found(owner_oid)
        matching = sorted(
            (item for item in self._appointments.values() if _belongs(item, owner_oid)),
            key=lambda item: (item["starttime"], int(item["oid"])),
        )
        previous_id = None
        if query.after_oid is not None:
            matching = _following(matching, query.after_oid)
            previous_id = matching[0]["oid"] if matching else None
        after = None if query.after_oid is not None else query.after
        matching = [item for item in matching if _listed(item, after, query.before)]
        items = matching[: query.limit]
        next_id = items[-1]["oid"] if len(matching) > query.limit else None
        return Page([_summary(item) for item in items], previous_id, next_id)

    def _stored(self, oid: str) -> JsonObject:
        found = self._appointments.get(check_oid(oid))
        if found is None:
            raise _not_found(oid)
        return found

    def _new_oid(self) -> str:
        self._next_oid += 1
        return str(self._next_oid)

    def _set_on_create(self, target: JsonObject, name: str, value: object) -> None:
        # appointment create example: participants come wrapped as {"person": {...}}.
        if name == "participants":
            for entry in _list(value):
                self._relate(target, "add", name, _oid_of(_field(entry, "person")))
        elif name == "calendars":
            for entry in _list(value):
                self._relate(target, "add", name, _oid_of(entry))
        elif name == "comment":
            _replace(target, name, _field(value, "content"))
        elif name in REPLACEABLE:
            _replace(target, name, value)

    def _apply(self, target: JsonObject, operation: object) -> None:
        if not isinstance(operation, dict):
            raise bad_payload("an operation is an object with op, path and value")
        op, path = operation.get("op"), operation.get("path")
        if not isinstance(op, str) or not isinstance(path, str) or not path.startswith("/"):
            raise bad_payload(f"unsupported operation {op!r} on {path!r}")
        name, _, oid = path[1:].partition("/")
        if name in RELATIONS and op in ("add", "remove"):
            self._relate(target, op, name, _relation_oid(op, oid, operation))
        elif name in REPLACEABLE and op == "replace" and not oid and "value" in operation:
            _replace(target, name, operation["value"])
        else:
            raise bad_payload(f"unsupported operation {op!r} on {path!r}")

    def _relate(self, target: JsonObject, op: str, name: str, oid: str) -> None:
        if check_oid(oid) not in _KNOWN[name]:
            raise _not_found(oid)
        # (inferred) relations behave as sets: adding a member twice or removing a
        # non-member changes nothing.
        members = target[name]
        present = any(member["oid"] == oid for member in members)
        if op == "add" and not present:
            target[name] = [*members, RELATIONS[name](oid)]
        if op == "remove":
            target[name] = [member for member in members if member["oid"] != oid]


def _operations(payload: object) -> list[object]:
    if payload is None:
        raise no_payload()
    if not isinstance(payload, dict) or not isinstance(payload.get("operations"), list):
        raise bad_payload('expected {"operations": [...]}')
    operations: list[object] = payload["operations"]
    if not operations:
        raise no_payload()  # (inferred) nothing to do is treated as no payload
    return operations


def _relation_oid(op: str, path_oid: str, operation: JsonObject) -> str:
    # The update page adds with {"path": "/calendars", "value": oid} and removes with
    # {"path": "/participants/<oid>"}; its field table also names the oid in the path.
    if path_oid:
        return path_oid
    value = operation.get("value")
    if op == "remove" or not isinstance(value, str):
        raise bad_payload(f"{op} on a relation needs the oid in the path or as a string value")
    return value


def _replace(target: JsonObject, name: str, value: object) -> None:
    checked = REPLACEABLE[name](value)
    if name == "comment":
        target["comment"] = {**target["comment"], "content": checked}
        return
    target[name] = checked
    if name == "recurrenceType":
        _start_recurrence(target)


def _start_recurrence(target: JsonObject) -> None:
    # (inferred) fields a non-recurring appointment lacks get defaults once it recurs.
    defaults: JsonObject = {
        "recurrenceInterval": 1,
        "recurrenceTerminationType": "never",
        "recurrenceTerminationDate": "",
        "recurrenceCount": 0,
        "firstRecurrenceDate": target.get("starttime", ""),
        "lastRecurrenceDate": "",
        "monthRecurrenceType": "dayOfMonth",
        **dict.fromkeys(WEEKDAYS, False),
    }
    for name, value in defaults.items():
        target.setdefault(name, value)
    target["isRecurrence"] = True


def _settled(target: JsonObject) -> JsonObject:
    """Apply the all-day rule and check the result, as the vendor does after every write."""
    # XCCAppointment model: an all-day side keeps its date, at 00:00:00 / 23:59:59.
    if target["allStartDay"]:
        target["starttime"] = _day(target["starttime"]).isoformat() + " 00:00:00"
    if target["allEndDay"]:
        target["endtime"] = _day(target["endtime"]).isoformat() + " 23:59:59"
    if target["endtime"] < target["starttime"]:
        raise bad_payload("the end time precedes the start time")  # (inferred)
    if target.get("firstRecurrenceDate") == "":
        target["firstRecurrenceDate"] = target["starttime"]
    return target


def _require(stored: JsonObject, permission: str) -> None:
    if permission not in stored["permissions"]:
        raise XelionError(403, 10101, "no permission", f"{permission} on {stored['oid']}")


def _belongs(item: JsonObject, owner_oid: str) -> bool:
    related = [item["isAppointmentOf"], *item["participants"], *item["calendars"]]
    return any(entry["oid"] == owner_oid for entry in related)


def _listed(item: JsonObject, after: date | None, before: date | None) -> bool:
    """Starts on or after ``after`` and ends on or before ``before``; a series: recurs then."""
    if item["isRecurrence"]:
        return recurs_within(item, after, before)
    return (after is None or _day(item["starttime"]) >= after) and (
        before is None or _day(item["endtime"]) <= before
    )


def _following(items: list[JsonObject], oid: str) -> list[JsonObject]:
    for index, item in enumerate(items):
        if item["oid"] == oid:
            return items[index + 1 :]
    raise XelionError(400, 10203, "bad id", f"{oid} is not in this list")


def _day(text: str) -> date:
    return datetime.strptime(text, XELION_TIME).date()


def _summary(item: JsonObject) -> JsonObject:
    """A list entry: the vendor's list examples carry only these fields."""
    start = datetime.strptime(item["starttime"], XELION_TIME)
    end = datetime.strptime(item["endtime"], XELION_TIME)
    label = f"{item['subject']}: {start:%H:%M} - {end:%H:%M}, {start:%d %b %Y}"
    fields = ("subject", "starttime", "endtime", "allStartDay", "allEndDay", "internal")
    return {
        **{name: item[name] for name in fields},
        "isAppointmentOf": item["isAppointmentOf"],
        "isRecurrence": item["isRecurrence"],
        "commonName": label,
        "oid": item["oid"],
        "objectType": "XCCAppointment",
    }


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise bad_payload(f"expected a list, got {value!r}")
    return value


def _field(value: object, name: str) -> object:
    if not isinstance(value, dict) or name not in value:
        raise bad_payload(f"expected an object with {name!r}, got {value!r}")
    return value[name]


def _oid_of(value: object) -> str:
    oid = _field(value, "oid")
    if not isinstance(oid, str):
        raise bad_payload(f"an oid is a string, got {oid!r}")
    return oid
