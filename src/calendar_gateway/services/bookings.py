"""Synergist bookings: input rules checked before any upstream call, and batched reads."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import TypeVar

from calendar_gateway.caching import Codec, ReadCache
from calendar_gateway.services.errors import InvalidInputError
from calendar_gateway.services.warned import Warned
from calendar_gateway.upstreams.bookings import (
    Allocation,
    Booking,
    BookingChange,
    BookingsClient,
    NewBooking,
    Reply,
    Requisition,
)

__all__ = [
    "Allocation",
    "Booking",
    "BookingChange",
    "BookingService",
    "NewBooking",
    "Requisition",
]

# A booking's allocation figures (booked, remaining hours) are shared by every booking of
# its job phase and charge code, so any write may change bookings it did not touch: writes
# invalidate every cached booking and every cached range, not just their own.
BOOKINGS = "bookings"
RANGES = "ranges"

BOOKING = Codec(Reply[Booking])
RANGE = Codec(Reply[tuple[Booking, ...]])
T = TypeVar("T")


class BookingService:
    """What the GraphQL layer may do with bookings."""

    def __init__(
        self, client: BookingsClient, cache: ReadCache, batch_concurrency: int = 8
    ) -> None:
        self._client = client
        self._cache = cache
        self._batch_concurrency = batch_concurrency

    async def get_many(self, booking_ids: list[str]) -> list[Warned[Booking] | BaseException]:
        """Each booking or the error it failed with, in order; at most a few calls at once."""
        # One request may ask for many ids: bound them, so it cannot take every upstream slot.
        slots = asyncio.Semaphore(self._batch_concurrency)

        async def one(booking_id: str) -> Warned[Booking]:
            async with slots:
                return _warned(
                    await self._cache.read(
                        f"booking:{booking_id}",
                        lambda: self._client.refresh(booking_id),
                        BOOKING,
                        group=BOOKINGS,
                    )
                )

        return await asyncio.gather(*(one(i) for i in booking_ids), return_exceptions=True)

    async def in_range(self, company: str, first: date, last: date) -> Warned[tuple[Booking, ...]]:
        if not company.strip():
            raise InvalidInputError("company", "company must not be empty")
        if last < first:
            raise InvalidInputError("to", "to is before from")
        return _warned(
            await self._cache.read(
                f"range:{company}:{first}:{last}",
                lambda: self._client.display(company, first, last),
                RANGE,
                group=RANGES,
            )
        )

    async def create(self, request: NewBooking) -> Warned[tuple[Booking, ...]]:
        """Every booking Synergist made of the request, and its warnings."""
        _validate_new(request)
        try:
            return _warned(await self._client.create([request]))
        finally:
            await self._forget_all()

    async def update(self, change: BookingChange) -> Warned[Booking]:
        _validate_change(change)
        try:
            reply = await self._client.update([change])
        finally:
            await self._forget_all()
        if not reply.value:
            # Synergist answered success without the booking: read it back.
            return _warned(await self._client.refresh(change.booking_id))
        return Warned(reply.value[0], reply.warnings)

    async def delete(self, booking_id: str) -> Warned[str]:
        try:
            reply = await self._client.delete([booking_id])
        finally:
            await self._forget_all()
        return Warned(reply.value[0], reply.warnings)

    async def _forget_all(self) -> None:
        # Also after a failed write: a timeout does not tell whether it landed.
        await self._cache.forget_group(BOOKINGS)
        await self._cache.forget_group(RANGES)


def _warned(reply: Reply[T]) -> Warned[T]:
    """Synergist's envelope stays here: the layers above see a result and its warnings."""
    return Warned(reply.value, reply.warnings)


def _validate_new(request: NewBooking) -> None:
    _require_local(request.start, "start")
    if (request.end is None) == (request.number_of_days is None):
        raise InvalidInputError("end", "give either end or numberOfDays")
    if request.end is not None:
        _require_local(request.end, "end")
        if request.end.date() < request.start.date():
            raise InvalidInputError("end", "end is before start")
    if request.number_of_days is not None and request.number_of_days < 1:
        raise InvalidInputError("numberOfDays", "numberOfDays must be at least 1")


def _validate_change(change: BookingChange) -> None:
    changes = (change.resource_id, change.start, change.end, change.all_day)
    if all(value is None for value in changes):
        raise InvalidInputError("input", "give at least one of resourceId, start, end, allDay")
    for name, moment in (("start", change.start), ("end", change.end)):
        if moment is not None:
            _require_local(moment, name)
    if change.start and change.end and change.end < change.start:
        raise InvalidInputError("end", "end is before start")


def _require_local(moment: datetime, field: str) -> None:
    # Synergist's times are local to its server and carry no zone: an offset cannot be honoured.
    if moment.tzinfo is not None:
        raise InvalidInputError(field, f"{field} must be a local date-time without an offset")
