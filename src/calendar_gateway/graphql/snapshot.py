"""One request's view of each vendor's entities: every read of an entity agrees.

List reads and single reads feed one per-request map: the first state the request sees of
an entity answers every later read of it, ``raw`` included, so a list and a single read in
one response never contradict each other. Single reads wait for the request's list reads,
so a list, which evicts the cached entities older than itself, is what both show.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Generic, TypeVar, cast

from calendar_gateway.graphql.loader import Loader
from calendar_gateway.services.appointments import (
    Appointment,
    AppointmentService,
    AppointmentSummary,
    CalendarView,
    DiaryOwner,
    Listing,
)
from calendar_gateway.services.bookings import Booking, BookingService
from calendar_gateway.services.calendars import BusinessCalendar, CalendarRef, CalendarService
from calendar_gateway.services.occurrences import OccurrenceBudget
from calendar_gateway.services.paging import Window
from calendar_gateway.services.warned import Warned

K = TypeVar("K", bound=Hashable)
S = TypeVar("S")
T = TypeVar("T")

Scope = tuple[str, str]
"""A tenant and a rules package."""

V = TypeVar("V")


def _loader(load: Callable[[list[K]], Awaitable[list[V | BaseException]]]) -> Loader[K, V]:
    """A loader batching into ``load``, a snapshot's method, without holding the snapshot.

    A snapshot holds its loader; a loader holding the snapshot's bound method back would make
    a cycle, which only the garbage collector frees, with every entity the request read. Under
    load those young collections walked every request's leftovers: about a tenth of the
    gateway's CPU. Without the cycle a request's reads are freed when it ends.
    """
    method = weakref.WeakMethod(load)

    async def batch(keys: list[K]) -> list[V | BaseException]:
        bound = method()
        if bound is None:  # the request ended: nothing is left to answer
            raise RuntimeError("the request's snapshot is gone")
        return await bound(keys)

    return Loader(batch)


class Snapshot(Generic[K, S]):
    """The states one request has seen, by entity, and the list reads it has begun."""

    def __init__(self, merge: Callable[[S, S], S]) -> None:
        self._merge = merge
        """The state seen first, with what a later read adds (e.g. fields a list lacks)."""
        self._seen: dict[K, S] = {}
        self._lists: dict[Hashable, asyncio.Future[Any]] = {}

    def agree(self, key: K, state: S) -> S:
        """What this request answers for the entity ``state`` is a read of."""
        seen = self._seen.get(key)
        agreed = state if seen is None else self._merge(seen, state)
        self._seen[key] = agreed
        return agreed

    def replace(self, key: K, state: S) -> None:
        """After a write: the state written answers this request's later reads."""
        self._seen[key] = state

    def list_read(self, scope: Hashable, load: Callable[[], Awaitable[T]]) -> Awaitable[T]:
        """The request's one read of the list ``scope`` names, begun on first ask."""
        listing = self._lists.get(scope)
        if listing is None:
            listing = asyncio.ensure_future(load())
            self._lists[scope] = listing
        return cast("asyncio.Future[T]", listing)

    async def lists_read(self, scopes: set[Hashable] | None = None) -> None:
        """Wait for the list reads begun so far (of ``scopes``, when given); failed or not.

        A loader's batch begins after the resolvers of its tick have started (graphql/loader.py),
        so the list reads of the same request are begun by then.
        """
        listings = [f for s, f in self._lists.items() if scopes is None or s in scopes]
        if listings:  # most requests read no list: gather() would make and settle a future
            await asyncio.gather(*listings, return_exceptions=True)


def first_state(seen: S, later: S) -> S:
    return seen


class CalendarSnapshot:
    """Business calendars: ``businessCalendars`` and ``businessCalendar(id)`` agree."""

    def __init__(self, service: CalendarService) -> None:
        self._service = service
        self._map: Snapshot[tuple[str, str, str], BusinessCalendar] = Snapshot(_calendar_merged)
        # Per request: a calendar asked for by several fields is read once.
        self._bodies = _loader(self._load_bodies)

    async def calendars(self, tenant_id: str, package_id: str) -> list[BusinessCalendar]:
        scope = (tenant_id, package_id)
        listing = self._map.list_read(scope, lambda: self._service.calendars(*scope))
        return [self._agree(scope, calendar) for calendar in await listing]

    async def calendar(self, ref: CalendarRef) -> BusinessCalendar:
        """The calendar with its exceptions, as this request has seen it."""
        return await self._bodies.load(ref)

    async def _load_bodies(self, refs: list[CalendarRef]) -> list[BusinessCalendar | BaseException]:
        await self._map.lists_read({_scope(ref) for ref in refs})
        bodies = await self._service.get_many(refs)
        return [
            body if isinstance(body, BaseException) else self._agree(_scope(ref), body)
            for ref, body in zip(refs, bodies, strict=True)
        ]

    def _agree(self, scope: Scope, calendar: BusinessCalendar) -> BusinessCalendar:
        return self._map.agree((*scope, calendar.id), calendar)


def _calendar_merged(seen: BusinessCalendar, later: BusinessCalendar) -> BusinessCalendar:
    """``seen``'s state, with the exceptions ``later`` may add; ``raw`` agrees with it."""
    exceptions = later.exceptions if seen.exceptions is None else seen.exceptions
    return replace(seen, exceptions=exceptions, raw=_raw_merged(seen.raw, later.raw))


def _raw_merged(seen: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    # The later read's own fields, with the values the request has shown already.
    return {**later, **{k: v for k, v in seen.items() if k in later}}


def _scope(ref: CalendarRef) -> Scope:
    return (ref.tenant_id, ref.package_id)


class BookingSnapshot:
    """Synergist bookings: ``booking(id)``, ``bookings(ids)`` and ``bookingsInRange`` agree.

    Both reads answer whole bookings, so the first one seen answers every later read.
    """

    def __init__(self, service: BookingService) -> None:
        self._service = service
        self._map: Snapshot[str, Booking] = Snapshot(first_state)
        # Per request, so the same booking asked for twice costs one upstream call.
        self.loader = _loader(self._load)

    async def in_range(self, company: str, first: date, last: date) -> Warned[tuple[Booking, ...]]:
        scope = ("range", company, first, last)
        reply = await self._map.list_read(
            scope, lambda: self._service.in_range(company, first, last)
        )
        return Warned(tuple(self._map.agree(b.id, b) for b in reply.value), reply.warnings)

    async def range_window(  # noqa: PLR0917 - the connection's arguments, passed on
        self,
        company: str,
        first: date,
        last: date,
        resource_id: str | None,
        offset: int,
        limit: int,
    ) -> Warned[Window[Booking]]:
        """A page of a company's range, its bookings as this request has seen them."""
        scope = ("range-window", company, first, last, resource_id, offset, limit)
        reply = await self._map.list_read(
            scope,
            lambda: self._service.range_window(
                company, first, last, resource_id, offset=offset, limit=limit
            ),
        )
        items = tuple(self._map.agree(b.id, b) for b in reply.value.items)
        return replace(reply, value=replace(reply.value, items=items))

    async def _load(self, booking_ids: list[str]) -> list[Warned[Booking] | BaseException]:
        await self._map.lists_read()
        replies = await self._service.get_many(booking_ids)
        # Keyed by the diary id, whichever id (or UUID) the read named.
        return [
            r
            if isinstance(r, BaseException)
            else replace(r, value=self._map.agree(r.value.id, r.value))
            for r in replies
        ]


Seen = Appointment | AppointmentSummary
"""What a request has seen of an appointment: a list entry, or the appointment in full."""


class AppointmentSnapshot:
    """Xelion appointments: ``appointment(id)``, ``appointments(...)`` and ``calendarView``'s
    ``appointment`` agree.

    A list entry states fewer fields than the appointment in full: the fields it states are
    the request's from then on, and the rest come with the first full read.
    """

    def __init__(self, service: AppointmentService) -> None:
        self._service = service
        self._map: Snapshot[str, Seen] = Snapshot(appointment_merged)
        self._budget = OccurrenceBudget(service.max_occurrences)
        # Per request: a list's entries and their detail fields share one read each.
        self.loader = _loader(self._load)

    async def calendar(
        self, calendar_id: str, after: date | None, before: date | None, first: int | None
    ) -> list[Seen]:
        scope = ("list", calendar_id, after, before, first)
        listed = await self._map.list_read(
            scope, lambda: self._service.calendar(calendar_id, after, before, first)
        )
        return [self._map.agree(a.oid, a) for a in listed]

    async def page(  # noqa: PLR0917 - the connection's arguments, passed on
        self,
        owner: DiaryOwner,
        owner_id: str,
        after: date | None,
        before: date | None,
        count: int,
        start_after: str | None,
    ) -> tuple[list[Seen], bool]:
        """A page of a diary as this request has seen its entries, and whether more follow."""
        scope = ("page", owner, owner_id, after, before, count, start_after)
        page = await self._map.list_read(
            scope,
            lambda: self._service.page(
                owner, owner_id, after, before, count=count, start_after=start_after
            ),
        )
        return [self._map.agree(a.oid, a) for a in page.items], page.has_more

    async def view(self, calendar_id: str, start: datetime, end: datetime) -> CalendarView:
        """The calendar view; its series expanded as this request has seen them."""
        scope = ("view", calendar_id, start, end)
        view = await self._map.list_read(
            scope,
            # Its own reads in full do not wait for list reads (it is one): _agreed_many.
            lambda: self._service.view(calendar_id, start, end, self._budget, self._agreed_many),
        )
        return replace(view, listing=self._agreed(view.listing))

    def _agreed(self, listing: Listing) -> Listing:
        entries: list[AppointmentSummary] = []
        full = dict(listing.series)
        for summary in listing.appointments:
            agreed = self._map.agree(summary.oid, summary)
            if isinstance(agreed, Appointment):
                full[agreed.oid] = agreed
            entries.append(agreed if isinstance(agreed, AppointmentSummary) else summary)
        return replace(listing, appointments=entries, series=full)

    def written(self, appointment: Appointment) -> None:
        """Later reads in this request (e.g. a batch's next operation) see it as written."""
        self._map.replace(appointment.oid, appointment)
        self.loader.prime(appointment.oid, appointment)

    async def _load(self, oids: list[str]) -> list[Appointment | BaseException]:
        await self._map.lists_read()
        return await self._agreed_many(oids)

    async def _agreed_many(self, oids: list[str]) -> list[Appointment | BaseException]:
        read = await self._service.get_many(oids)
        return [a if isinstance(a, BaseException) else self._agree_full(a) for a in read]

    def _agree_full(self, appointment: Appointment) -> Appointment:
        agreed = self._map.agree(appointment.oid, appointment)
        # A full read merged into anything seen is full (appointment_merged).
        return agreed if isinstance(agreed, Appointment) else appointment


def appointment_merged(seen: Seen, later: Seen) -> Seen:
    """``seen``'s state; a full ``later`` adds the fields a list entry does not state."""
    if isinstance(seen, Appointment) or isinstance(later, AppointmentSummary):
        return seen
    return replace(
        later,
        subject=seen.subject,
        start=seen.start,
        end=seen.end,
        all_start_day=seen.all_start_day,
        all_end_day=seen.all_end_day,
        internal=seen.internal,
        raw=_raw_merged(seen.raw, later.raw),
    )
