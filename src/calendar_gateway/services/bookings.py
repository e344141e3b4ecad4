"""Synergist bookings: input rules checked before any upstream call, and batched reads."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from enum import Enum
from typing import TypeVar

from calendar_gateway.caching import Codec, ReadCache
from calendar_gateway.services.batches import settled
from calendar_gateway.services.errors import (
    CONFLICT,
    OUT_OF_RANGE,
    REQUIRED,
    UNKNOWN,
    FieldProblems,
    InvalidInputError,
)
from calendar_gateway.services.paging import MAX_PAGE_SIZE, Window, read_window, slice_window
from calendar_gateway.services.sightings import Sightings, digest
from calendar_gateway.services.warned import Warned
from calendar_gateway.upstreams import bookings as synergist
from calendar_gateway.upstreams.bookings import (
    Allocation,
    Booking,
    BookingChange,
    BookingDay,
    BookingsClient,
    ChargeCode,
    Estimate,
    Job,
    Listing,
    NewBooking,
    Reply,
    Requisition,
)
from calendar_gateway.upstreams.errors import NotFoundError

__all__ = [
    "Allocation",
    "Booking",
    "BookingChange",
    "BookingDay",
    "BookingService",
    "ChargeCode",
    "Estimate",
    "Job",
    "NewBooking",
    "Requisition",
    "WorkFilter",
    "WorkSort",
]

# A booking's allocation figures (booked, remaining hours) are shared by every booking of
# its job phase and charge code, so any write may change bookings it did not touch: writes
# invalidate every cached booking and every cached range, not just their own. A fresh range
# is newer than every booking cached before it: it evicts them all too.
BOOKINGS = "bookings"
RANGES = "ranges"
ESTIMATES = "estimates"
PAGE_SIZE = MAX_PAGE_SIZE
"""Rows per Synergist page the gateway reads: a client's page is on at most two of them."""
MAX_FILTERED = 2000
"""Bookings of a range read at most to filter them by resource (Synergist cannot)."""


class WorkSort(Enum):
    """The orders Synergist's ``unallocated`` sorts by (its ``sort`` values)."""

    CLIENT = "client"
    JOB = "job"
    JOB_PHASE = "jobphase"
    ESTIMATED = "estimated"
    BOOKED = "booked"
    REMAINING = "remaining"


@dataclass(frozen=True)
class WorkFilter:
    """Which unallocated estimates to list, and in which order; None means any."""

    company: str | None = None
    client: str | None = None
    job: str | None = None
    job_phase: str | None = None
    sort: WorkSort = WorkSort.JOB_PHASE
    descending: bool = False

    def fields(self) -> dict[str, str]:
        chosen = {
            "company": self.company,
            "client": self.client,
            "job": self.job,
            "jobphase": self.job_phase,
        }
        given = {name: value for name, value in chosen.items() if value}
        return given | {"sort": self.sort.value, "direction": "desc" if self.descending else "asc"}


BOOKING = Codec(Reply[Booking])
RANGE = Codec(Reply[tuple[Booking, ...]])
RANGE_PAGE = Codec(Reply[Listing[Booking]])
WORK_PAGE = Codec(Reply[Listing[Estimate]])
T = TypeVar("T")


class BookingService:
    """What the GraphQL layer may do with bookings."""

    def __init__(
        self, client: BookingsClient, cache: ReadCache, batch_concurrency: int = 8
    ) -> None:
        self._client = client
        self._cache = cache
        self._batch_concurrency = batch_concurrency
        self._sightings = Sightings(cache, "booking")

    async def get_many(self, booking_ids: list[str]) -> list[Warned[Booking] | BaseException]:
        """Each booking or the error it failed with, in order; at most a few calls at once."""
        if len(booking_ids) <= self._batch_concurrency:
            # No more reads than slots: none would wait for one.
            return await settled([self._one(i) for i in booking_ids])
        # One request may ask for many ids: bound them, so it cannot take every upstream slot.
        slots = asyncio.Semaphore(self._batch_concurrency)

        async def bounded(booking_id: str) -> Warned[Booking]:
            async with slots:
                return await self._one(booking_id)

        return await settled([bounded(i) for i in booking_ids])

    async def _one(self, booking_id: str) -> Warned[Booking]:
        try:
            reply = await self._cache.read(
                f"booking:{booking_id}", lambda: self._fresh(booking_id), BOOKING, group=BOOKINGS
            )
        except NotFoundError as error:
            raise _in_input_terms(error, READ_REFERENCES) from error
        return _warned(reply)

    async def _fresh(self, booking_id: str) -> Reply[Booking]:
        try:
            reply = await self._client.refresh(booking_id)
        except NotFoundError:
            # A range cached before may still show it: it is older than this answer.
            await self._cache.forget_group(RANGES)
            raise
        seen = await self._sightings.seen(booking_id)
        if seen is not None and seen != state(reply.value):
            await self._cache.forget_group(RANGES)
        return reply

    async def in_range(self, company: str, first: date, last: date) -> Warned[tuple[Booking, ...]]:
        _check_range(company, first, last)

        async def load() -> Reply[tuple[Booking, ...]]:
            reply = await self._client.display(company, first, last)
            await self._listed(reply.value)
            return reply

        return _warned(
            await self._cache.read(f"range:{company}:{first}:{last}", load, RANGE, group=RANGES)
        )

    async def range_window(
        self,
        company: str,
        first: date,
        last: date,
        resource_id: str | None,
        *,
        offset: int,
        limit: int,
    ) -> Warned[Window[Booking]]:
        """``limit`` bookings from ``offset`` of a company's range, of one resource if given."""
        _check_range(company, first, last)
        key = f"range-page:{company}:{first}:{last}"

        async def load(page: int) -> Reply[Listing[Booking]]:
            reply = await self._client.display_page(company, first, last, page, PAGE_SIZE)
            await self._listed(reply.value.items)
            return reply

        def read(page: int) -> Awaitable[Reply[Listing[Booking]]]:
            return self._cache.read(f"{key}:{page}", lambda: load(page), RANGE_PAGE, group=RANGES)

        if resource_id is None:
            return await read_window(read, PAGE_SIZE, offset, limit)
        every = await read_window(read, PAGE_SIZE, 0, MAX_FILTERED)
        if every.value.has_more:
            raise InvalidInputError(
                "resourceId",
                f"the range holds more than {MAX_FILTERED} bookings to filter by resource: "
                "narrow from and to",
            )
        mine = [b for b in every.value.items if b.resource.id == resource_id]
        return Warned(slice_window(mine, offset, limit), every.warnings)

    async def unallocated_window(
        self, wanted: WorkFilter, offset: int, limit: int
    ) -> Warned[Window[Estimate]]:
        """``limit`` estimates with hours left to book, from ``offset``."""
        fields = wanted.fields()
        key = "unallocated:" + ":".join(f"{k}={v}" for k, v in sorted(fields.items()))

        def read(page: int) -> Awaitable[Reply[Listing[Estimate]]]:
            return self._cache.read(
                f"{key}:{page}",
                lambda: self._client.unallocated_page(fields, page, PAGE_SIZE),
                WORK_PAGE,
                group=ESTIMATES,
            )

        return await read_window(read, PAGE_SIZE, offset, limit)

    async def _listed(self, bookings: Iterable[Booking]) -> None:
        # Newer than every booking cached before it: none of them may be served again.
        await self._cache.forget_group(BOOKINGS)
        await self._sightings.listed(
            (key, state(b)) for b in bookings for key in (b.id, b.uuid) if key
        )

    async def create(self, request: NewBooking) -> Warned[tuple[Booking, ...]]:
        """Every booking Synergist made of the request, and its warnings."""
        _validate_new(request)
        try:
            return _warned(await self._client.create([request]))
        except NotFoundError as error:
            raise _in_input_terms(error, CREATE_REFERENCES) from error
        finally:
            await self._forget_all()

    async def update(self, change: BookingChange) -> Warned[Booking]:
        _validate_change(change)
        try:
            reply = await self._client.update([change])
        except NotFoundError as error:
            raise _in_input_terms(error, UPDATE_REFERENCES) from error
        finally:
            await self._forget_all()
        if not reply.value:
            # Synergist answered success without the booking: read it back.
            return _warned(await self._client.refresh(change.booking_id))
        return Warned(reply.value[0], reply.warnings)

    async def delete(self, booking_id: str) -> Warned[str]:
        try:
            reply = await self._client.delete([booking_id])
        except NotFoundError as error:
            raise _in_input_terms(error, DELETE_REFERENCES) from error
        finally:
            await self._forget_all()
        return Warned(reply.value[0], reply.warnings)

    async def _forget_all(self) -> None:
        # Also after a failed write: a timeout does not tell whether it landed.
        await self._cache.forget_group(BOOKINGS)
        await self._cache.forget_group(RANGES)
        await self._cache.forget_group(ESTIMATES)


def _check_range(company: str, first: date, last: date) -> None:
    if not company.strip():
        raise InvalidInputError("company", "company must not be empty")
    if last < first:
        raise InvalidInputError("to", "to is before from")


# The input field that names each kind of id a write may find unknown; the booking itself
# is what the operation is about (NOT_FOUND), the others are references in its input.
CREATE_REFERENCES: Mapping[str, str] = {
    synergist.TIME_SUMMARY: "timeSummaryId",
    synergist.RESOURCE: "resourceId",
}
UPDATE_REFERENCES: Mapping[str, str] = {synergist.BOOKING: "id", synergist.RESOURCE: "resourceId"}
DELETE_REFERENCES: Mapping[str, str] = {synergist.BOOKING: "id"}
READ_REFERENCES = DELETE_REFERENCES


def state(booking: Booking) -> str:
    """The booking's digest, as a list and a single read compare it (``raw`` aside)."""
    fields = asdict(booking)
    del fields["raw"]
    return digest(fields)


def _in_input_terms(error: NotFoundError, fields: Mapping[str, str]) -> Exception:
    field = fields.get(error.entity or "")
    if field is None:
        return error
    if error.entity == synergist.BOOKING:
        return NotFoundError(error.upstream, error.message, entity=error.entity, field=field)
    return InvalidInputError(field, error.message, UNKNOWN)


def _warned(reply: Reply[T]) -> Warned[T]:
    """Synergist's envelope stays here: the layers above see a result and its warnings."""
    return Warned(reply.value, reply.warnings)


def _validate_new(request: NewBooking) -> None:
    problems = FieldProblems()
    _require_id(problems, request.time_summary_id, "timeSummaryId")
    _require_id(problems, request.resource_id, "resourceId")
    _require_local(problems, request.start, "start")
    if request.end is None and request.number_of_days is None:
        problems.add("end", "give either end or numberOfDays", REQUIRED)
    if request.end is not None and request.number_of_days is not None:
        problems.add("numberOfDays", "give either end or numberOfDays, not both", CONFLICT)
    if request.end is not None:
        _require_local(problems, request.end, "end")
        if request.end.date() < request.start.date():
            problems.add("end", "end is before start", OUT_OF_RANGE)
    if request.number_of_days is not None and request.number_of_days < 1:
        problems.add("numberOfDays", "numberOfDays must be at least 1", OUT_OF_RANGE)
    problems.raise_any()


def _validate_change(change: BookingChange) -> None:
    changes = (change.resource_id, change.start, change.end, change.all_day)
    if all(value is None for value in changes):
        raise InvalidInputError(
            "input", "give at least one of resourceId, start, end, allDay", REQUIRED
        )
    problems = FieldProblems()
    if change.resource_id is not None:
        _require_id(problems, change.resource_id, "resourceId")
    for name, moment in (("start", change.start), ("end", change.end)):
        if moment is not None:
            _require_local(problems, moment, name)
    if change.start and change.end and change.end < change.start:
        problems.add("end", "end is before start", OUT_OF_RANGE)
    problems.raise_any()


def _require_id(problems: FieldProblems, value: str, field: str) -> None:
    if not value.strip():
        problems.add(field, f"{field} must not be empty", REQUIRED)


def _require_local(problems: FieldProblems, moment: datetime, field: str) -> None:
    # Synergist's times are local to its server and carry no zone: an offset cannot be honoured.
    if moment.tzinfo is not None:
        problems.add(field, f"{field} must be a local date-time without an offset")
