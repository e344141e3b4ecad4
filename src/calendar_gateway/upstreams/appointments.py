"""The Xelion REST API v1 appointments: typed results, PATCH operations, and the client.

Times on the wire are ``yyyy-MM-dd HH:mm:ss`` without zone: UTC (inferred), except an
all-day side, which carries the local date at 00:00:00 / 23:59:59 (docs/vendors/xelion.md, Time).
A parsed timed side is therefore an aware UTC datetime and an all-day side a naive one; a
naive datetime given to the client is sent as it is, an aware one converted to UTC.

Enum values the pages do not show are (inferred): recurrence types other than ``weekly``,
termination types other than ``recurrenceCount``, and the month recurrence types. A value
the client does not know parses as None; ``raw`` keeps it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Literal, TypeVar

import httpx

from calendar_gateway.upstreams.calendars import Weekday
from calendar_gateway.upstreams.errors import (
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    UnauthenticatedError,
    UpstreamError,
    UpstreamUnavailableError,
    VendorError,
)
from calendar_gateway.upstreams.xelion_session import (
    UPSTREAM,
    XELION_TIME,
    XelionFailure,
    XelionSession,
    json_object,
)

JsonObject = dict[str, Any]
E = TypeVar("E", bound=Enum)

DEFAULT_LIMIT = 15  # the calendar pages' default page size
_OID = re.compile(r"[0-9]+")


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


# Xelion has one boolean per day, named in English.
WEEKDAY_FIELDS: Mapping[Weekday, str] = {day: day.name.lower() for day in Weekday}


@dataclass(frozen=True)
class Participant:
    oid: str
    name: str
    object_type: str


@dataclass(frozen=True)
class CalendarEntry:
    """A calendar an appointment is on."""

    oid: str
    name: str


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


@dataclass(frozen=True)
class Permissions:
    """Xelion states them as one word, e.g. "ReadWriteRemove"."""

    read: bool
    write: bool
    remove: bool


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
                operations.append(PatchOperation("add", f"/{relation}", _oid(oid)))
            else:
                operations.append(PatchOperation("remove", f"/{relation}/{_oid(oid)}"))
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
            {"person": {"oid": _oid(oid), "objectType": "Person"}} for oid in new.participants
        ],
        "calendars": [{"oid": _oid(oid), "objectType": "XCCCalendar"} for oid in new.calendars],
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
    all_start, all_end = bool(obj.get("allStartDay")), bool(obj.get("allEndDay"))
    comment = obj.get("comment")
    return Appointment(
        oid=str(obj["oid"]),
        subject=str(obj.get("subject") or ""),
        start=_parse_time(obj["starttime"], floating=all_start),
        end=_parse_time(obj["endtime"], floating=all_end),
        all_start_day=all_start,
        all_end_day=all_end,
        internal=bool(obj.get("internal")),
        user_status=_enum(UserStatus, obj.get("userStatus")),
        participants=tuple(
            Participant(str(p["oid"]), str(p.get("commonName") or ""), str(p.get("objectType")))
            for p in obj.get("participants") or ()
        ),
        calendars=tuple(
            CalendarEntry(str(c["oid"]), str(c.get("commonName") or ""))
            for c in obj.get("calendars") or ()
        ),
        comment=str(comment.get("content") or "") if isinstance(comment, dict) else "",
        recurrence=_parse_recurrence(obj),
        permissions=_parse_permissions(str(obj.get("permissions") or "")),
        raw=dict(obj),
    )


def parse_summary(obj: Mapping[str, Any]) -> AppointmentSummary:
    all_start, all_end = bool(obj.get("allStartDay")), bool(obj.get("allEndDay"))
    return AppointmentSummary(
        oid=str(obj["oid"]),
        subject=str(obj.get("subject") or ""),
        start=_parse_time(obj["starttime"], floating=all_start),
        end=_parse_time(obj["endtime"], floating=all_end),
        all_start_day=all_start,
        all_end_day=all_end,
        internal=bool(obj.get("internal")),
        is_recurrence=bool(obj.get("isRecurrence")),
        raw=dict(obj),
    )


def _parse_recurrence(obj: Mapping[str, Any]) -> Recurrence | None:
    kind = _enum(RecurrenceType, obj.get("recurrenceType"))
    if not obj.get("isRecurrence") or kind is None:
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
    parsed = datetime.strptime(str(text), XELION_TIME)
    return parsed if floating else parsed.replace(tzinfo=UTC)


def _optional_time(text: object) -> datetime | None:
    return _parse_time(text, floating=False) if isinstance(text, str) and text else None


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _enum(kind: type[E], value: object) -> E | None:
    try:
        return kind(value)
    except ValueError:
        return None


def _oid(value: str) -> str:
    # Oids go into URL paths: anything but digits could reach another resource.
    if not _OID.fullmatch(value):
        raise BadRequestError(UPSTREAM, f"{value!r} is not a Xelion object id")
    return value


class AppointmentsClient:
    """Appointments over one Xelion session, with Xelion's errors typed.

    A 401 costs one re-login and a retry; a 429 is retried after each of ``backoff``'s delays
    before it becomes RateLimitedError.
    """

    def __init__(self, session: XelionSession, *, backoff: Sequence[float] = (0.1, 0.4, 1.0)):
        self._session = session
        self._backoff = tuple(backoff)

    async def get(self, oid: str) -> Appointment:
        response = await self._call("GET", f"appointments/{_oid(oid)}")
        return parse_appointment(_object(response))

    async def calendar(
        self,
        oid: str,
        *,
        after: date | None = None,
        before: date | None = None,
        count: int = DEFAULT_LIMIT,
    ) -> list[AppointmentSummary]:
        """Appointments of a calendar or user, following the pages until ``count``."""
        return await self._list(f"calendars/{_oid(oid)}", after, before, count)

    async def addressable_calendar(
        self,
        oid: str,
        *,
        after: date | None = None,
        before: date | None = None,
        count: int = DEFAULT_LIMIT,
    ) -> list[AppointmentSummary]:
        """Appointments of an addressable (a person), following the pages until ``count``."""
        return await self._list(f"addressables/{_oid(oid)}/calendar", after, before, count)

    async def create(self, new: NewAppointment) -> Appointment:
        response = await self._call("POST", "appointments", json=to_create_payload(new))
        return parse_appointment(_object(response))

    async def patch(self, oid: str, operations: Iterable[PatchOperation]) -> None:
        body = {"operations": [operation.to_json() for operation in operations]}
        await self._call("PATCH", f"appointments/{_oid(oid)}", json=body)

    async def delete(self, oid: str) -> None:
        await self._call("DELETE", f"appointments/{_oid(oid)}")

    async def aclose(self) -> None:
        await self._session.logout()

    async def _list(
        self, path: str, after: date | None, before: date | None, count: int
    ) -> list[AppointmentSummary]:
        if after is None and before is None:
            # Xelion's undated list is today's; name the day, so later pages keep it.
            after = before = datetime.now(UTC).date()
        params = {"before": before.isoformat()} if before else {}
        cursor = after.isoformat() if after else None
        found: list[AppointmentSummary] = []
        while len(found) < count:
            page = {**params, "limit": str(count - len(found))}
            response = await self._call("GET", path, params=page | _after(cursor))
            body = json_object(response)
            entries = [parse_summary(item) for item in _list_objects(body)]
            found += entries
            next_id = _next_id(body)
            if not entries or next_id is None or next_id == cursor:
                break
            cursor = next_id
        return found[:count]

    async def _call(
        self, method: str, url: str, *, params: Mapping[str, str] | None = None, json: Any = None
    ) -> httpx.Response:
        relogged = False
        delays = iter(self._backoff)
        while True:
            token, response = await self._session.send(method, url, params=params, json=json)
            if response.is_success:
                return response
            failure = XelionFailure.of(response)
            if failure.is_authentication and not relogged:
                relogged = True
                await self._session.replace(token)
                continue
            if _is_throttled(failure):
                delay = next(delays, None)
                if delay is not None:
                    await asyncio.sleep(delay)
                    continue
            raise self._error(failure, response)

    def _error(self, failure: XelionFailure, response: httpx.Response) -> UpstreamError:
        if failure.is_authentication:
            return UnauthenticatedError(UPSTREAM, failure.message)
        if _is_throttled(failure):
            retry_after = _retry_after(response) or (self._backoff[-1] if self._backoff else None)
            return RateLimitedError(UPSTREAM, failure.message, retry_after)
        kind = _KINDS.get(failure.code or 0) or _STATUS_KINDS.get(failure.status)
        if kind is not None:
            return kind(UPSTREAM, failure.message)
        return VendorError(UPSTREAM, failure.message, str(failure.code or failure.status))


_KINDS: dict[int, type[UpstreamError]] = {
    10100: NotFoundError,
    10101: ForbiddenError,
    10200: BadRequestError,
    10202: BadRequestError,
    10203: BadRequestError,
    11000: UpstreamUnavailableError,
}
_STATUS_KINDS: dict[int, type[UpstreamError]] = {
    400: BadRequestError,
    403: ForbiddenError,
    404: NotFoundError,
}


def _is_throttled(failure: XelionFailure) -> bool:
    """429/10400 too many requests in the session, 429/10402 timed out waiting for it."""
    return failure.code in (10400, 10402) or failure.status == 429


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


def _object(response: httpx.Response) -> Mapping[str, Any]:
    found = json_object(response).get("object")
    if not isinstance(found, dict):
        raise UpstreamUnavailableError(UPSTREAM, "Xelion answered without an object")
    return found


def _list_objects(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    data = body.get("data")
    entries = data if isinstance(data, list) else []
    return [
        e["object"] for e in entries if isinstance(e, dict) and isinstance(e.get("object"), dict)
    ]


def _after(cursor: str | None) -> dict[str, str]:
    return {"after": cursor} if cursor else {}


def _next_id(body: Mapping[str, Any]) -> str | None:
    meta = body.get("meta")
    paging = meta.get("paging") if isinstance(meta, dict) else None
    next_id = paging.get("nextId") if isinstance(paging, dict) else None
    return str(next_id) if next_id else None
