"""The Genesys Rules System (GRS) business-calendar API: typed results and the client."""

from __future__ import annotations

import asyncio
import base64
import copy
import re
from collections import Counter
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import Enum
from typing import Any

import httpx

from calendar_gateway.timezones import UnknownTimeZoneError, resolve_zone
from calendar_gateway.upstreams import wire
from calendar_gateway.upstreams.errors import (
    CalendarLockedError,
    FieldError,
    ForbiddenError,
    LockLostError,
    NotFoundError,
    RateLimitedError,
    UnauthenticatedError,
    UpstreamError,
    UpstreamUnavailableError,
    ValidationFailedError,
    VendorError,
)
from calendar_gateway.upstreams.json_body import json_body
from calendar_gateway.upstreams.json_object import JsonObject
from calendar_gateway.upstreams.records import quick_init
from calendar_gateway.upstreams.retry import parse_retry_after
from calendar_gateway.upstreams.transport import Transport
from calendar_gateway.upstreams.weekday import Weekday

_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HALF_DAY = timedelta(hours=12)


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


@quick_init
@dataclass(frozen=True)
class CalendarException:
    """A holiday or changed working hours, placed on a fixed, annual or relative date."""

    name: str
    type: ExceptionType
    placement: Placement
    fixed_date: date | None = None
    """FIXED: the date in the calendar's zone (GRS sends epoch ms; see ``decode_fixed_date``)."""
    annual_month: int | None = None
    annual_day: int | None = None
    relative_type: RelativeType | None = None
    relative_day_of_week: Weekday | None = None
    relative_month: int | None = None
    """RELATIVE: 1-12, or 0 for every month."""
    time_change_start: time | None = None
    time_change_stop: time | None = None


@quick_init
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


@quick_init
@dataclass(frozen=True)
class CalendarRef:
    """Where a calendar lives: GRS scopes every calendar by tenant and package."""

    tenant_id: str
    package_id: str
    calendar_id: str

    def path(self, endpoint: str) -> str:
        calendar = wire.segment(self.calendar_id)
        return f"{_package_path(self.tenant_id, self.package_id)}/{endpoint}/{calendar}"

    def matches(self, calendar: BusinessCalendar) -> bool:
        return self.calendar_id in (calendar.id, calendar.external_id)


@dataclass(frozen=True)
class CalendarSettings:
    """The fields GRS lets a create or modify set; None leaves a field alone on modify."""

    name: str | None = None
    week_starts: Weekday | None = None
    week_ends: Weekday | None = None
    day_starts: time | None = None
    day_ends: time | None = None
    time_zone_id: str | None = None


@dataclass(frozen=True)
class Tenant:
    id: str
    name: str


@dataclass(frozen=True)
class Permissions:
    can_view: bool
    can_create: bool
    can_modify: bool
    can_delete: bool


def _package_path(tenant_id: str, package_id: str) -> str:
    return f"/grs/v1/tenant/{wire.segment(tenant_id)}/package/{wire.segment(package_id)}"


UPSTREAM = "calendars"


class CalendarsClient:
    """The GRS business-calendar API, with its token lifecycle.

    GRS hands out an API token at login and expires it after 30 idle minutes; every
    call sends HTTP Basic ``user:apiToken``. A 401 costs one re-login and one retry.
    """

    def __init__(self, transport: Transport, user: str, password: str) -> None:
        self._transport = transport
        self._user = user
        self._login = _Login(transport, user, password)
        self._pinned: str | None = None

    async def token(self) -> str:
        """The API token calls are sent with now, logging in when there is none."""
        return await self._login.current()

    def retire(self, token: str) -> None:
        """Send nothing more with ``token``: the next call logs in for a fresh one.

        GRS cannot revoke a token, but a lock belongs to one: a write sent with a retired
        token that lands late finds no lock of its token and is refused (412).
        """
        self._login.retire(token)

    def pinned(self, token: str) -> CalendarsClient:
        """This client sending only ``token``, for an edit session: its lock is the token's.

        A 401 on it raises ``LockLostError``: the token expired, and the lock went with it.
        """
        view = copy.copy(self)
        view._pinned = token
        return view

    async def tenants(self) -> list[Tenant]:
        """The tenants the user may see (Query Tenants: ``{"tenants": [{nodeId, name}]}``)."""
        response = await self._call("GET", "/grs/v1/tenants")
        _raise_for_status(response)
        body = json_body(response)
        items = body.get("tenants") if isinstance(body, dict) else body
        if not isinstance(items, list):
            raise UpstreamUnavailableError(UPSTREAM, "GRS answered tenants without a list")
        return [
            Tenant(str(item["nodeId"]), str(item.get("name") or ""))
            for item in items
            if isinstance(item, dict) and "nodeId" in item
        ]

    async def permissions(self, tenant_id: str) -> Permissions:
        response = await self._call("GET", f"/grs/v1/permissions/{wire.segment(tenant_id)}")
        _raise_for_status(response)
        body = json_body(response)
        return Permissions(
            can_view=bool(body.get("canViewCalendar")),
            can_create=bool(body.get("canCreateCalendar")),
            can_modify=bool(body.get("canModifyCalendar")),
            can_delete=bool(body.get("canDeleteCalendar")),
        )

    async def calendars(self, tenant_id: str, package_id: str) -> list[BusinessCalendar]:
        response = await self._call("GET", f"{_package_path(tenant_id, package_id)}/calendars")
        _raise_for_status(response)
        return [parse_calendar(item) for item in json_body(response)["calendars"]]

    async def calendar(self, ref: CalendarRef) -> BusinessCalendar:
        """The calendar with its exceptions (the "body")."""
        response = await self._call("GET", ref.path("businesscalendarbody"))
        _raise_for_status(response)
        return parse_calendar(json_body(response))

    async def create(
        self, tenant_id: str, package_id: str, settings: CalendarSettings
    ) -> BusinessCalendar:
        path = f"{_package_path(tenant_id, package_id)}/calendar"
        response = await self._call("POST", path, json=settings_payload(settings))
        _raise_for_status(response)
        return parse_calendar(json_body(response))

    async def modify(self, ref: CalendarRef, settings: CalendarSettings) -> BusinessCalendar:
        response = await self._call("PUT", ref.path("calendar"), json=settings_payload(settings))
        _raise_for_write_status(response)
        return parse_calendar(json_body(response))

    async def replace_exceptions(
        self, ref: CalendarRef, exceptions: tuple[CalendarException, ...], current: BusinessCalendar
    ) -> BusinessCalendar:
        """Make ``exceptions`` all of ``current``'s (read under the lock: its zone dates them)."""
        # GRS: the body PUT replaces every exception; there is no add or remove.
        payload = {"exceptions": exceptions_payload(exceptions, current)}
        response = await self._call("PUT", ref.path("businesscalendarbody"), json=payload)
        _raise_for_write_status(response)
        return parse_calendar(json_body(response))

    async def delete(self, ref: CalendarRef) -> None:
        response = await self._call("DELETE", ref.path("calendar"))
        _raise_for_write_status(response)

    async def lock(self, ref: CalendarRef) -> None:
        # Lock and unlock are GETs that change state: never sent twice by the transport.
        response = await self._call("GET", ref.path("lockcalendar"), idempotent=False)
        if response.status_code == 412:
            # 412 means another token holds it; the list tells us who.
            raise CalendarLockedError(
                UPSTREAM, "the calendar is locked by another user", await self._lock_owner(ref)
            )
        _raise_for_status(response)

    async def unlock(self, ref: CalendarRef) -> None:
        response = await self._call("GET", ref.path("unlockcalendar"), idempotent=False)
        if response.status_code == 412:
            raise CalendarLockedError(UPSTREAM, "another user holds the calendar's lock", None)
        _raise_for_status(response)

    async def _lock_owner(self, ref: CalendarRef) -> str | None:
        listed = await self.calendars(ref.tenant_id, ref.package_id)
        return next((c.lock_owner for c in listed if ref.matches(c)), None)

    async def _call(
        self, method: str, path: str, json: Any = None, *, idempotent: bool | None = None
    ) -> httpx.Response:
        if self._pinned is not None:
            response = await self._send(method, path, self._pinned, json, idempotent)
            if response.status_code == 401:
                raise LockLostError(UPSTREAM, "the edit session's API token expired")
            return response
        token = await self._login.current()
        response = await self._send(method, path, token, json, idempotent)
        if response.status_code != 401:
            return response
        token = await self._login.renew(stale=token)
        response = await self._send(method, path, token, json, idempotent)
        if response.status_code == 401:
            raise UnauthenticatedError(UPSTREAM, "GRS rejected the renewed API token")
        return response

    def _send(
        self, method: str, path: str, token: str, json: Any, idempotent: bool | None
    ) -> Awaitable[httpx.Response]:
        # The transport's coroutine itself: no frame of ours to resume each time it does.
        headers = {"Authorization": _basic(self._user, token)}
        return self._transport.request(
            method, path, headers=headers, json=json, idempotent=idempotent
        )


class _Login:
    """The API token of one GRS user, shared by a client and its pinned views."""

    def __init__(self, transport: Transport, user: str, password: str) -> None:
        self._transport = transport
        self._user = user
        self._password = password
        self._token: str | None = None
        self._lock = asyncio.Lock()

    async def current(self) -> str:
        return self._token or await self.renew(stale=None)

    def retire(self, token: str) -> None:
        if self._token == token:
            self._token = None

    async def renew(self, stale: str | None) -> str:
        async with self._lock:
            # Concurrent callers that saw the same stale token log in once between them.
            if self._token is not None and self._token != stale:
                return self._token
            headers = {"Authorization": _basic(self._user, self._password)}
            response = await self._transport.request("GET", "/grs/v1/login", headers=headers)
            if response.status_code in (401, 422):
                # 422 code 1000 at login means the password must be changed first.
                raise UnauthenticatedError(UPSTREAM, "GRS refused the gateway's login")
            _raise_for_status(response)
            token: str = json_body(response)["apiToken"]
            self._token = token
            return token


def _basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode("ascii")


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    if status == 403:
        raise ForbiddenError(UPSTREAM, "GRS denied the gateway's user this operation")
    if status == 404:
        raise NotFoundError(UPSTREAM, "GRS has no such tenant, package or calendar")
    if status == 422:
        raise _validation_error(response)
    if status == 429:
        # Still throttled after the transport's bounded backoff (reads) or at once (writes).
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise RateLimitedError(UPSTREAM, "GRS is throttling the gateway", retry_after)
    raise VendorError(UPSTREAM, f"GRS answered HTTP {status}", upstream_code=str(status))


def _raise_for_write_status(response: httpx.Response) -> None:
    if response.status_code == 412:
        # We took the lock before writing, so the lock went with an expired token.
        raise LockLostError(UPSTREAM, "GRS no longer holds our lock on the calendar")
    _raise_for_status(response)


def _validation_error(response: httpx.Response) -> ValidationFailedError:
    try:
        body = json_body(response)
        errors = [
            FieldError(field=str(e["field"]), code=str(e["code"]), message=str(e["message"]))
            for e in body.get("errors", [])
        ]
    except (ValueError, KeyError, TypeError, AttributeError):
        errors = []
    return ValidationFailedError(UPSTREAM, "GRS rejected the calendar", errors)


def parse_calendar(data: JsonObject) -> BusinessCalendar:
    """Read a calendar from the list, the body, or a create/modify answer.

    GRS: the list says calendarId/extCalendarId, the body calendarId/externalId, and
    create, modify and body replacement answer with the external id in calendarId.
    """
    exceptions = data.get("exceptions")
    time_zone_id = str(data["timeZoneId"])
    calendar_id = str(data["calendarId"])
    external_id = data.get("extCalendarId") or data.get("externalId")
    if external_id is None and not is_uuid(calendar_id):
        external_id = calendar_id  # a write's answer: the external id is all it gives
    return BusinessCalendar(
        id=calendar_id,
        external_id=external_id,
        name=str(data["name"]),
        locked=bool(data.get("locked")),
        lock_owner=data.get("lockOwner"),
        week_starts=Weekday(int(data["weekStarts"])),
        week_ends=Weekday(int(data["weekEnds"])),
        day_starts=time(int(data["dayStartsHour"]), int(data["dayStartsMin"])),
        day_ends=time(int(data["dayEndsHour"]), int(data["dayEndsMin"])),
        time_zone_id=time_zone_id,
        exceptions=None if exceptions is None else _parse_exceptions(exceptions, time_zone_id),
        raw=data,
    )


def _parse_exceptions(items: list[JsonObject], time_zone_id: str) -> tuple[CalendarException, ...]:
    zone = _Zone(time_zone_id)
    return tuple(parse_exception(item, zone) for item in items)


def parse_exception(data: JsonObject, zone: _Zone) -> CalendarException:
    placement = Placement(data["placement"])
    kind = ExceptionType(data["type"])
    fixed, relative = placement is Placement.FIXED, placement is Placement.RELATIVE
    changes_hours = kind is ExceptionType.TIME_CHANGE
    return CalendarException(
        name=str(data["name"]),
        type=kind,
        placement=placement,
        fixed_date=_fixed_date(data.get("fixedDate"), zone) if fixed else None,
        annual_month=int(data["annualMonth"]) if placement is Placement.ANNUAL else None,
        annual_day=int(data["annualDay"]) if placement is Placement.ANNUAL else None,
        relative_type=RelativeType(data["relativeType"]) if relative else None,
        relative_day_of_week=Weekday(int(data["relativeDayOfWeek"])) if relative else None,
        relative_month=int(data["relativeMonth"]) if relative else None,
        time_change_start=_time_change(data, "Start") if changes_hours else None,
        time_change_stop=_time_change(data, "Stop") if changes_hours else None,
    )


def _time_change(data: JsonObject, side: str) -> time:
    return time(int(data[f"timeChange{side}Hour"]), int(data[f"timeChange{side}Min"]))


def is_uuid(calendar_id: str) -> bool:
    return _UUID.match(calendar_id) is not None


class _Zone:
    """A calendar's zone, resolved when a FIXED date is first read or written in it."""

    def __init__(self, time_zone_id: str, resolved: tzinfo | None = None) -> None:
        self.id = time_zone_id
        self._zone = resolved

    def get(self) -> tzinfo:
        if self._zone is None:
            try:
                self._zone = resolve_zone(self.id)
            except UnknownTimeZoneError:
                # GRS keeps Java's zones; one we cannot resolve leaves its dates unreadable.
                raise UpstreamError(
                    UPSTREAM, f"GRS dates a calendar in time zone {self.id!r}, which we do not know"
                ) from None
        return self._zone


def _fixed_date(value: Any, zone: _Zone) -> date | None:
    return None if value is None else decode_fixed_date(int(value), zone.get())


def decode_fixed_date(epoch_ms: int, zone: tzinfo) -> date:
    """The date of the local midnight nearest to a FIXED exception's instant.

    GRS means the instant as a local midnight, but its own tc3 example is midnight in New York
    daylight time and 23:00 in Java's fixed EST, so we round on the wall clock of ``zone``:
    before 12:00 it is that date, from 12:00 the next (docs/vendors/grs.md, Fields and time).
    """
    local = (_EPOCH + timedelta(milliseconds=epoch_ms)).astimezone(zone)
    return (local.replace(tzinfo=None) + _HALF_DAY).date()


def encode_fixed_date(day: date, zone: tzinfo) -> int:
    """The epoch milliseconds of the date's midnight in ``zone``, as GRS stores a FIXED date."""
    return int(datetime.combine(day, time(0), zone).timestamp() * 1000)


def exceptions_payload(
    exceptions: tuple[CalendarException, ...], current: BusinessCalendar
) -> list[JsonObject]:
    """The wire form of a calendar's exceptions; ``current`` is the calendar as GRS stores it.

    A FIXED date an exception already has in GRS goes back as the instant GRS stores for it
    (it may be a midnight of another zone, as in the vendor's tc3), so a write changes nothing
    of the exceptions it keeps; a new date is sent as its midnight in the calendar's zone.
    """
    zone = _Zone(current.time_zone_id)
    stored: dict[tuple[str, date], int] = {}
    for item in current.raw.get("exceptions") or ():
        kept = parse_exception(item, zone)
        if kept.fixed_date is not None:
            stored[kept.name, kept.fixed_date] = int(item["fixedDate"])
    return [exception_payload(e, zone, stored) for e in exceptions]


def exception_payload(
    exception: CalendarException, zone: _Zone, stored: Mapping[tuple[str, date], int]
) -> JsonObject:
    """The wire form, with GRS's zeros and nulls for the fields a placement does not use."""
    start = exception.time_change_start or time(0)
    stop = exception.time_change_stop or time(0)
    annual = exception.placement is Placement.ANNUAL
    fixed = exception.fixed_date if exception.placement is Placement.FIXED else None
    return {
        "name": exception.name,
        "type": exception.type.value,
        "placement": exception.placement.value,
        "fixedDate": None if fixed is None else _fixed_ms(exception.name, fixed, zone, stored),
        "annualMonth": (exception.annual_month if annual else None) or 0,
        "annualDay": (exception.annual_day if annual else None) or 0,
        "relativeType": exception.relative_type.value if exception.relative_type else None,
        "relativeDayOfWeek": int(exception.relative_day_of_week or 0),
        "relativeMonth": exception.relative_month or 0,
        "timeChangeStartHour": start.hour,
        "timeChangeStartMin": start.minute,
        "timeChangeStopHour": stop.hour,
        "timeChangeStopMin": stop.minute,
    }


def _fixed_ms(name: str, day: date, zone: _Zone, stored: Mapping[tuple[str, date], int]) -> int:
    kept = stored.get((name, day))
    return encode_fixed_date(day, zone.get()) if kept is None else kept


def settings_payload(settings: CalendarSettings) -> JsonObject:
    """Only the fields given: GRS modify leaves the others as they are."""
    payload: JsonObject = {}
    if settings.name is not None:
        payload["name"] = settings.name
    if settings.week_starts is not None:
        payload["weekStarts"] = int(settings.week_starts)
    if settings.week_ends is not None:
        payload["weekEnds"] = int(settings.week_ends)
    if settings.day_starts is not None:
        payload["dayStartsHour"] = settings.day_starts.hour
        payload["dayStartsMin"] = settings.day_starts.minute
    if settings.day_ends is not None:
        payload["dayEndsHour"] = settings.day_ends.hour
        payload["dayEndsMin"] = settings.day_ends.minute
    if settings.time_zone_id is not None:
        payload["timeZoneId"] = settings.time_zone_id
    return payload


def same_exceptions(
    ours: tuple[CalendarException, ...], stored: tuple[CalendarException, ...]
) -> bool:
    """Do two lists hold the same exceptions as GRS stores them (unused fields dropped)?"""
    # A date survives the trip through any one zone unchanged.
    utc = _Zone("UTC", UTC)

    def stored_form(exceptions: tuple[CalendarException, ...]) -> Counter[CalendarException]:
        return Counter(parse_exception(exception_payload(e, utc, {}), utc) for e in exceptions)

    return stored_form(ours) == stored_form(stored)
