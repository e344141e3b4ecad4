"""The Synergist JSON API (``calendar.json``): typed results and the client.

Every call is a form POST, so the password travels in the body and never in a URL
(GET would put it in the upstream's access logs); see docs/vendors/synergist.md, Requests.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar

import httpx

from calendar_gateway.settings import DEFAULT_NOT_FOUND_CODES, NotFoundEntity
from calendar_gateway.upstreams.errors import (
    NotFoundError,
    UnauthenticatedError,
    UpstreamUnavailableError,
    VendorError,
)
from calendar_gateway.upstreams.json_body import json_body
from calendar_gateway.upstreams.json_object import JsonObject
from calendar_gateway.upstreams.records import quick_init
from calendar_gateway.upstreams.transport import Transport

UPSTREAM = "bookings"
ENDPOINT = "/jsonapi/calendar.json"
# Reads, though POSTed (see above): the transport may send them again after a failure.
READ_ACTIONS = frozenset({"calendarrefresh", "calendardisplay", "unallocated"})
T = TypeVar("T")
R = TypeVar("R")

# The ErrorIDs of the XML 404 body that mean our credentials were refused.
CREDENTIAL_ERRORS = {
    "404001": "Synergist received no credentials",
    "404002": "Synergist refused the gateway's credentials",
    "404003": "the gateway's Synergist account is disabled",
}
# What an unknown id in a request names: configured (BOOKINGS_NOT_FOUND_CODES), since
# Synergist documents no errorcode values (docs/vendors/synergist.md, Answers).
BOOKING: NotFoundEntity = "booking"
TIME_SUMMARY: NotFoundEntity = "time_summary"
RESOURCE: NotFoundEntity = "resource"

_ERROR_ID = re.compile(r"""<Error\s+ErrorID\s*=\s*["']?(\d+)""", re.IGNORECASE)
_ERROR_TEXT = re.compile(r"<ErrorText>(.*?)</ErrorText>", re.IGNORECASE | re.DOTALL)


@quick_init
@dataclass(frozen=True)
class Reply(Generic[T]):
    """What an action returned, with the ``warningmessage`` lines that came with it."""

    value: T
    warnings: tuple[str, ...] = ()


@quick_init
@dataclass(frozen=True)
class Resource:
    id: str
    name: str


@quick_init
@dataclass(frozen=True)
class Client:
    code: str
    name: str


@quick_init
@dataclass(frozen=True)
class JobPhase:
    number: str
    description: str


@quick_init
@dataclass(frozen=True)
class Job:
    number: str
    description: str
    handler: str
    phase: JobPhase


@quick_init
@dataclass(frozen=True)
class ChargeCode:
    code: str
    description: str


@quick_init
@dataclass(frozen=True)
class Requisition:
    id: str
    subject: str
    details: str


@quick_init
@dataclass(frozen=True)
class Allocation:
    """The estimate a booking draws on, in hours (Synergist's "unallocated" figures)."""

    estimated_hours: float
    booked_hours: float
    remaining_hours: float
    timesheet_hours: float
    draft_hours: float
    initials: str


@quick_init
@dataclass(frozen=True)
class BookingDay:
    """One day's slot of a booking: Synergist repeats a booking's times on each of its days."""

    date: date
    start: datetime
    end: datetime
    hours: float


@quick_init
@dataclass(frozen=True)
class Booking:
    """A diary entry; ``start`` and ``end`` are the vendor's local times, without zone.

    ``start`` is the first day's start and ``end`` the last day's end; ``days`` are the slots.
    """

    id: str
    uuid: str | None
    time_summary_id: str
    resource: Resource
    client: Client
    job: Job
    charge_code: ChargeCode
    start: datetime
    end: datetime
    all_day: bool
    number_of_days: int
    hours_per_day: float
    duration_description: str
    colour: str | None
    status: str
    requisition: Requisition | None
    allocation: Allocation | None
    raw: JsonObject
    days: tuple[BookingDay, ...] = ()
    notes: str = ""
    description: str = ""
    task: str = ""
    stage: str = ""
    request_status: str = ""
    record_version: int | None = None


@dataclass(frozen=True)
class Listing(Generic[T]):
    """One page of a paged action: how many rows the whole list has, and if more follow."""

    items: tuple[T, ...]
    total: int | None
    has_more: bool


@dataclass(frozen=True)
class Estimate:
    """A time summary with hours not yet booked (the ``unallocated`` action)."""

    time_summary_id: str
    client: Client
    job: Job
    charge_code: ChargeCode
    allocation: Allocation
    raw: JsonObject


@dataclass(frozen=True)
class NewBooking:
    """A create request: an end, or a number of (working) days, must be given.

    ``all_day`` sends the dates without times, which is how Synergist is told.
    """

    time_summary_id: str
    resource_id: str
    start: datetime
    end: datetime | None = None
    number_of_days: int | None = None
    duration_hours: float | None = None
    all_day: bool = False


@dataclass(frozen=True)
class BookingChange:
    """An update of one booking (by id or UUID); None leaves a field alone."""

    booking_id: str
    resource_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    all_day: bool | None = None


@dataclass(frozen=True)
class _Page:
    rows: list[JsonObject]
    warnings: tuple[str, ...]
    total_pages: int
    total_rows: int | None


class BookingsClient:
    """The Synergist ``calendar.json`` actions, with the envelope and both failure shapes."""

    def __init__(
        self,
        transport: Transport,
        user: str,
        password: str,
        version: str = "3.9",
        *,
        page_size: int = 100,
        not_found_codes: Mapping[str, NotFoundEntity] = DEFAULT_NOT_FOUND_CODES,
    ) -> None:
        self._transport = transport
        self._not_found_codes = dict(not_found_codes)
        self._credentials = {"user": user, "password": password, "version": version}
        self._password = password
        self._page_size = page_size

    async def refresh(self, booking_id: str) -> Reply[Booking]:
        """One booking by diary id or UUID."""
        page = await self._call("calendarrefresh", {"diary": booking_id})
        if not page.rows:
            raise NotFoundError(UPSTREAM, f"Synergist has no booking {booking_id}", entity=BOOKING)
        return Reply(_parsed_one(page.rows[0], parse_booking), page.warnings)

    async def create(self, bookings: Sequence[NewBooking]) -> Reply[tuple[Booking, ...]]:
        """Every booking Synergist made of the requests (one per working day, or more)."""
        page = await self._call("create", {"input": _input(create_item(b) for b in bookings)})
        return Reply(_parsed(page.rows, parse_booking), page.warnings)

    async def update(self, changes: Sequence[BookingChange]) -> Reply[tuple[Booking, ...]]:
        page = await self._call("update", {"input": _input(update_item(c) for c in changes)})
        return Reply(_parsed(page.rows, parse_booking), page.warnings)

    async def delete(self, booking_ids: Sequence[str]) -> Reply[tuple[str, ...]]:
        """The diary ids of the deleted bookings (the ids asked for, if none are echoed)."""
        items = ({"calDiaryInternal": booking_id} for booking_id in booking_ids)
        page = await self._call("delete", {"input": _input(items)})
        echoed = tuple(_text(row.get("calDiaryInternal")) for row in page.rows)
        return Reply(tuple(i for i in echoed if i) or tuple(booking_ids), page.warnings)

    async def display(
        self, company: str, date_from: date, date_to: date
    ) -> Reply[tuple[Booking, ...]]:
        """All bookings of a company in a date range, every page of them."""
        fields = {
            "company": company,
            "datefrom": date_from.isoformat(),
            "dateto": date_to.isoformat(),
        }
        rows, warnings = await self._all_pages("calendardisplay", fields)
        return Reply(_unique(_parsed(rows, parse_booking)), warnings)

    async def display_page(
        self, company: str, date_from: date, date_to: date, page: int, rows: int
    ) -> Reply[Listing[Booking]]:
        """One page (from 0) of ``rows`` bookings of a company in a date range."""
        fields = {
            "company": company,
            "datefrom": date_from.isoformat(),
            "dateto": date_to.isoformat(),
        }
        return await self._listing("calendardisplay", fields, page, rows, parse_booking)

    async def unallocated(self, filters: Mapping[str, str]) -> Reply[tuple[Estimate, ...]]:
        """Estimates not yet booked; ``filters`` are the vendor's (company, client, job, ...)."""
        rows, warnings = await self._all_pages("unallocated", dict(filters))
        return Reply(_parsed(rows, parse_estimate), warnings)

    async def unallocated_page(
        self, filters: Mapping[str, str], page: int, rows: int
    ) -> Reply[Listing[Estimate]]:
        """One page (from 0) of estimates not yet booked; ``filters`` also sort and direction."""
        return await self._listing("unallocated", dict(filters), page, rows, parse_estimate)

    async def _listing(
        self,
        action: str,
        fields: dict[str, str],
        page: int,
        rows: int,
        parse: Callable[[JsonObject], R],
    ) -> Reply[Listing[R]]:
        found = await self._call(action, {**fields, "page": str(page), "rows": str(rows)})
        more = page + 1 < found.total_pages
        listing = Listing(_parsed(found.rows, parse), found.total_rows, more)
        return Reply(listing, found.warnings)

    async def _all_pages(
        self, action: str, fields: dict[str, str]
    ) -> tuple[list[JsonObject], tuple[str, ...]]:
        first = await self._call(action, self._paging(fields, 0))
        # The remaining pages are independent: ask for them at once (the transport bounds it).
        rest = await asyncio.gather(
            *(self._call(action, self._paging(fields, n)) for n in range(1, first.total_pages))
        )
        pages = [first, *rest]
        warnings = tuple(dict.fromkeys(w for page in pages for w in page.warnings))
        return [row for page in pages for row in page.rows], warnings

    def _paging(self, fields: dict[str, str], page: int) -> dict[str, str]:
        return {**fields, "page": str(page), "rows": str(self._page_size)}

    async def _call(self, action: str, fields: dict[str, str]) -> _Page:
        form = {**self._credentials, "action": action, **fields}
        idempotent = action in READ_ACTIONS
        response = await self._transport.request("POST", ENDPOINT, data=form, idempotent=idempotent)
        try:
            return _read(response, self._scrub)
        except VendorError as error:
            raise self._not_found(error) or error from None

    def _not_found(self, error: VendorError) -> NotFoundError | None:
        entity = self._not_found_codes.get(error.upstream_code)
        if entity is None:
            return None  # a code we were not told of stays the vendor's own
        return NotFoundError(UPSTREAM, error.message, entity=entity)

    def _scrub(self, vendor_text: str) -> str:
        # Vendor messages may echo what we sent; the password must not reach a log.
        return vendor_text.replace(self._password, "***") if self._password else vendor_text


def _read(response: httpx.Response, scrub: Callable[[str], str]) -> _Page:
    if response.status_code == 404:
        raise _xml_error(scrub(response.text))
    if response.status_code != 200:
        raise UpstreamUnavailableError(UPSTREAM, f"Synergist answered HTTP {response.status_code}")
    try:
        body = json_body(response)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise UpstreamUnavailableError(UPSTREAM, "Synergist answered without a JSON envelope")
    if not _flag(body.get("success")):
        raise _vendor_error(body, scrub)
    data = body.get("data") or []
    if not isinstance(data, list):
        raise UpstreamUnavailableError(UPSTREAM, "Synergist answered with data that is no list")
    return _Page(
        rows=[row for row in data if isinstance(row, dict)],
        warnings=tuple(map(scrub, _warnings(body.get("warningmessage")))),
        total_pages=_parsed_one(body, _total_pages),
        total_rows=_parsed_one(body, _total_rows),
    )


def _total_pages(body: JsonObject) -> int:
    return _whole(body.get("totalpages"), default=1)


def _total_rows(body: JsonObject) -> int | None:
    text = _text(body.get("totalrows"))
    return int(float(text)) if text else None


def _xml_error(body: str) -> Exception:
    """The HTTP 404 shape: ``<Error ErrorID="404002"><ErrorText>...</ErrorText></Error>``."""
    found = _ERROR_ID.search(body)
    if found is None:
        # No Synergist error: the URL leads somewhere else (is BOOKINGS_URL right?).
        return UpstreamUnavailableError(UPSTREAM, "Synergist's calendar.json was not found")
    error_id = found.group(1)
    text = _ERROR_TEXT.search(body)
    message = html.unescape(text.group(1)).strip() if text else f"Synergist error {error_id}"
    if error_id in CREDENTIAL_ERRORS:
        return UnauthenticatedError(UPSTREAM, f"{CREDENTIAL_ERRORS[error_id]}: {message}")
    return VendorError(UPSTREAM, message, upstream_code=error_id)


def _vendor_error(body: JsonObject, scrub: Callable[[str], str]) -> Exception:
    code = _text(body.get("errorcode")) or "unknown"
    message = scrub(_text(body.get("errormessage"))) or f"Synergist error {code}"
    return VendorError(UPSTREAM, message, upstream_code=code)


def _warnings(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()  # the usual: nothing to split
    return tuple(line.strip() for line in _text(value).splitlines() if line.strip())


def _input(items: Iterable[JsonObject]) -> str:
    return json.dumps({"data": list(items)})


def create_item(booking: NewBooking) -> JsonObject:
    """A create input item; strings throughout, as the vendor's examples send them."""
    item: JsonObject = {
        "calTimeSummaryInternal": booking.time_summary_id,
        "calResourceId": booking.resource_id,
        "calIsoDateTimeStart": _iso(booking.start, booking.all_day),
    }
    if booking.end is not None:
        item["calIsoDateTimeEnd"] = _iso(booking.end, booking.all_day)
    if booking.number_of_days is not None:
        item["calNumberOfDays"] = str(booking.number_of_days)
    if booking.duration_hours is not None:
        item["calDurationDecimalHours"] = f"{booking.duration_hours:g}"
    return item


def update_item(change: BookingChange) -> JsonObject:
    item: JsonObject = {"calDiaryInternal": change.booking_id}
    if change.resource_id is not None:
        item["calResourceId"] = change.resource_id
    if change.start is not None:
        item["calIsoDateTimeStart"] = _iso(change.start, date_only=False)
    if change.end is not None:
        item["calIsoDateTimeEnd"] = _iso(change.end, date_only=False)
    if change.all_day is not None:
        item["calAllDay"] = change.all_day
    return item


def _iso(moment: datetime, date_only: bool) -> str:
    # Synergist: "All day" is inferred when the ISO fields carry no time.
    return moment.date().isoformat() if date_only else moment.isoformat(timespec="seconds")


def _parsed(rows: list[JsonObject], parse: Callable[[JsonObject], R]) -> tuple[R, ...]:
    try:
        return tuple(map(parse, rows))
    except (KeyError, ValueError, TypeError) as error:
        raise _unreadable(error) from None


def _parsed_one(row: JsonObject, parse: Callable[[JsonObject], R]) -> R:
    try:
        return parse(row)
    except (KeyError, ValueError, TypeError) as error:
        raise _unreadable(error) from None


def _unreadable(error: Exception) -> UpstreamUnavailableError:
    return UpstreamUnavailableError(UPSTREAM, f"unreadable Synergist answer: {error}")


def parse_booking(row: JsonObject) -> Booking:
    """Read a booking as any action returns it, whatever the types of its fields."""
    start, end = _moment(row["calIsoDateTimeStart"]), _moment(row["calIsoDateTimeEnd"])
    number_of_days = _whole(row.get("calNumberOfDays"), default=1)
    hours_per_day = _number(row.get("calHoursPerDay"))
    version = _text(row.get("calRecordVersionNumber"))
    return Booking(
        id=_text(row["calDiaryInternal"]),
        uuid=_text(row.get("calUuid")) or None,
        time_summary_id=_text(row.get("calTimeSummaryInternal")),
        resource=Resource(_text(row.get("calResourceId")), _text(row.get("calResourceName"))),
        client=_client(row),
        job=_job(row),
        charge_code=_charge_code(row),
        start=start,
        end=end,
        all_day=_flag(row.get("calAllDay")),
        number_of_days=number_of_days,
        hours_per_day=hours_per_day,
        duration_description=_text(row.get("calDurationDescription")),
        colour=_colour(row.get("calColourHex")),
        status=_text(row.get("calStatus")),
        requisition=_requisition(row),
        allocation=_allocation(row) if "calendarunallocatedunique" in row else None,
        days=booking_days(start, end, number_of_days, hours_per_day),
        notes=_text(row.get("calNotes")),
        description=_text(row.get("calDescription")),
        task=_text(row.get("calTaskDescription")),
        stage=_text(row.get("calStageCode")),
        request_status=_text(row.get("calRequestStatus")),
        record_version=int(float(version)) if version else None,
        raw=row,
    )


def booking_days(
    start: datetime, end: datetime, number_of_days: int, hours_per_day: float
) -> tuple[BookingDay, ...]:
    """The slots of a booking: its first day's times repeated on each of its days.

    Synergist sends the first start, the last end and a count of (working) days, not the days
    themselves. They are every date from start to end when that many; else the dates that are
    not a Saturday or Sunday (Synergist's default working week); else, unknowable, every date.
    """
    first = start.date()
    if number_of_days == 1 and end.date() == first and start.tzinfo is end.tzinfo is None:
        # Most bookings: one slot, start to end as they are (3 us a booking less).
        return (BookingDay(date=first, start=start, end=end, hours=hours_per_day),)
    dates = [first + timedelta(days=n) for n in range((end.date() - first).days + 1)]
    if len(dates) != number_of_days:
        weekdays = [d for d in dates if d.weekday() < 5]
        dates = weekdays if len(weekdays) == number_of_days else dates
    starts, ends, hours = start.time(), end.time(), hours_per_day
    combine = datetime.combine
    return tuple(
        BookingDay(date=day, start=combine(day, starts), end=combine(day, ends), hours=hours)
        for day in dates
    )


def parse_estimate(row: JsonObject) -> Estimate:
    return Estimate(
        time_summary_id=_text(row.get("calTimeSummaryInternal")),
        client=_client(row),
        job=_job(row),
        charge_code=_charge_code(row),
        allocation=_allocation(row),
        raw=row,
    )


def _client(row: JsonObject) -> Client:
    return Client(_text(row.get("calClientCode")), _text(row.get("calClientName")))


def _job(row: JsonObject) -> Job:
    return Job(
        number=_text(row.get("calJobNumber")),
        description=_text(row.get("calJobDescription1stLine")),
        handler=_text(row.get("calJobHandlerName")),
        phase=JobPhase(
            _text(row.get("calJobAndPhase")), _text(row.get("calPhaseDescription1stLine"))
        ),
    )


def _charge_code(row: JsonObject) -> ChargeCode:
    return ChargeCode(_text(row.get("calChargeCode")), _text(row.get("calChargeCodeDescription")))


def _requisition(row: JsonObject) -> Requisition | None:
    requisition_id = _text(row.get("calRequisitionId"))
    if requisition_id in ("", "0"):
        return None
    return Requisition(
        requisition_id,
        _text(row.get("calRequisitionSubject")),
        _text(row.get("calRequisitionDetails")),
    )


def _allocation(row: JsonObject) -> Allocation:
    return Allocation(
        estimated_hours=_number(row.get("calendarunallocatedestimated")),
        booked_hours=_number(row.get("calendarunallocatedbooked")),
        remaining_hours=_number(row.get("calendarunallocatedremaining")),
        timesheet_hours=_number(row.get("calendarunallocatedtimesheets")),
        draft_hours=_number(row.get("calendarunallocateddraft")),
        initials=_text(row.get("calendarunallocatedinitials")),
    )


def _unique(bookings: Iterable[Booking]) -> tuple[Booking, ...]:
    # Rows can shift between pages fetched at once; a booking is listed once.
    return tuple({b.id: b for b in bookings}.values())


# Synergist's types drift (ids int or string, numbers as strings): read by meaning.


def _text(value: object) -> str:
    if type(value) is str:
        return value.strip()  # the usual type: asked first, no isinstance() for it
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: object) -> float:
    text = _text(value)
    return float(text) if text else 0.0


def _whole(value: object, default: int) -> int:
    text = _text(value)
    return int(float(text)) if text else default


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return _text(value).lower() in {"1", "true", "yes"}


def _moment(value: object) -> datetime:
    moment = datetime.fromisoformat(_text(value))
    # Synergist's local times carry no offset: replace() would copy them for nothing.
    return moment if moment.tzinfo is None else moment.replace(tzinfo=None)


def _colour(value: object) -> str | None:
    text = _text(value).lstrip("#")
    return f"#{text.upper()}" if text else None
