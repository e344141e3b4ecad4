"""One request's view of the business calendars: every read of a calendar agrees."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from strawberry.dataloader import DataLoader

from calendar_gateway.services.calendars import BusinessCalendar, CalendarRef, CalendarService

Scope = tuple[str, str]
"""A tenant and a rules package."""


class CalendarSnapshot:
    """Per request: the first state seen of a calendar answers every read of it.

    List reads and single reads feed one map, so ``businessCalendars`` and
    ``businessCalendar(id)`` in one response never contradict each other. Single reads
    wait for the request's list read of their package, so the list, which evicts the
    cached bodies older than itself, is what both show.
    """

    def __init__(self, service: CalendarService) -> None:
        self._service = service
        self._seen: dict[tuple[str, str, str], BusinessCalendar] = {}
        self._lists: dict[Scope, asyncio.Future[list[BusinessCalendar]]] = {}
        # Per request: a calendar asked for by several fields is read once.
        self._bodies = DataLoader(load_fn=self._load_bodies)

    async def calendars(self, tenant_id: str, package_id: str) -> list[BusinessCalendar]:
        scope = (tenant_id, package_id)
        listing = self._lists.get(scope)
        if listing is None:
            listing = asyncio.ensure_future(self._service.calendars(tenant_id, package_id))
            self._lists[scope] = listing
        return [self._agree(scope, calendar) for calendar in await listing]

    async def calendar(self, ref: CalendarRef) -> BusinessCalendar:
        """The calendar with its exceptions, as this request has seen it."""
        return await self._bodies.load(ref)

    async def _load_bodies(self, refs: list[CalendarRef]) -> list[BusinessCalendar | BaseException]:
        # A batch is dispatched after the resolvers of its tick have started, so a list
        # read of the same request is registered by now.
        scopes = {(ref.tenant_id, ref.package_id) for ref in refs}
        listings = [self._lists[scope] for scope in scopes if scope in self._lists]
        await asyncio.gather(*listings, return_exceptions=True)
        bodies = await self._service.get_many(refs)
        return [
            body if isinstance(body, BaseException) else self._agree(_scope(ref), body)
            for ref, body in zip(refs, bodies, strict=True)
        ]

    def _agree(self, scope: Scope, calendar: BusinessCalendar) -> BusinessCalendar:
        key = (*scope, calendar.id)
        seen = self._seen.get(key)
        agreed = calendar if seen is None else _merged(seen, calendar)
        self._seen[key] = agreed
        return agreed


def _merged(seen: BusinessCalendar, later: BusinessCalendar) -> BusinessCalendar:
    """``seen``'s state, with the exceptions ``later`` may add; ``raw`` agrees with it."""
    exceptions = later.exceptions if seen.exceptions is None else seen.exceptions
    # The later read's own fields, with the values the request has shown already.
    raw = {**later.raw, **{k: v for k, v in seen.raw.items() if k in later.raw}}
    return replace(seen, exceptions=exceptions, raw=raw)


def _scope(ref: CalendarRef) -> Scope:
    return (ref.tenant_id, ref.package_id)
