"""Business calendars: reads, and edits that run as lock-safe edit sessions."""

from __future__ import annotations

import asyncio
import calendar as gregorian
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from time import perf_counter
from typing import TypeVar

from calendar_gateway import metrics
from calendar_gateway.caching import Codec, ReadCache
from calendar_gateway.locking import Mutex
from calendar_gateway.services.errors import InvalidInputError
from calendar_gateway.services.timezones import UnknownTimeZoneError, resolve_zone
from calendar_gateway.upstreams.calendars import (
    BusinessCalendar,
    CalendarException,
    CalendarRef,
    CalendarsClient,
    CalendarSettings,
    ExceptionType,
    Placement,
    RelativeType,
    Weekday,
    is_uuid,
)
from calendar_gateway.upstreams.errors import (
    CalendarLockedError,
    LockLostError,
    NotFoundError,
    UpstreamError,
    UpstreamUnavailableError,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

LIST = Codec(list[BusinessCalendar])
BODY = Codec(BusinessCalendar)

DRAIN_SECONDS = 30.0
"""How long shutdown waits for running edits: each is a handful of bounded upstream calls."""


@dataclass(frozen=True)
class ExceptionDraft:
    """A new exception as a client states it: a FIXED placement names a calendar date."""

    name: str
    type: ExceptionType
    placement: Placement
    fixed_date: date | None = None
    annual_month: int | None = None
    annual_day: int | None = None
    relative_type: RelativeType | None = None
    relative_day_of_week: Weekday | None = None
    relative_month: int | None = None
    time_change_start: time | None = None
    time_change_stop: time | None = None

    def validate(self) -> None:
        """Apply the rules GRS documents, so bad input costs no lock and no upstream call."""
        if not self.name.strip():
            raise InvalidInputError("name", "name must not be empty")
        if self.placement is Placement.FIXED and self.fixed_date is None:
            raise InvalidInputError("fixedDate", "a FIXED exception needs fixedDate")
        if self.placement is Placement.ANNUAL:
            _validate_annual(self.annual_month, self.annual_day)
        if self.placement is Placement.RELATIVE:
            _validate_relative(self)
        if self.type is ExceptionType.TIME_CHANGE and (
            self.time_change_start is None or self.time_change_stop is None
        ):
            raise InvalidInputError(
                "timeChangeStart", "a TIME_CHANGE needs timeChangeStart and timeChangeStop"
            )

    def resolve(self, time_zone_id: str) -> CalendarException:
        """The stored form: a FIXED date becomes the epoch ms of its local midnight."""
        fixed = None
        if self.fixed_date is not None:
            midnight = datetime.combine(self.fixed_date, time(0), resolve_zone(time_zone_id))
            fixed = int(midnight.timestamp() * 1000)
        return CalendarException(
            name=self.name,
            type=self.type,
            placement=self.placement,
            fixed_date=fixed if self.placement is Placement.FIXED else None,
            annual_month=self.annual_month if self.placement is Placement.ANNUAL else None,
            annual_day=self.annual_day if self.placement is Placement.ANNUAL else None,
            relative_type=self.relative_type,
            relative_day_of_week=self.relative_day_of_week,
            relative_month=self.relative_month,
            time_change_start=self.time_change_start,
            time_change_stop=self.time_change_stop,
        )


def _validate_annual(month: int | None, day: int | None) -> None:
    if month is None or not 1 <= month <= 12:
        raise InvalidInputError("annualMonth", "annualMonth must be between 1 and 12")
    # Feb 29 is allowed: it is a real anniversary in leap years.
    if day is None or not 1 <= day <= gregorian.monthrange(2024, month)[1]:
        raise InvalidInputError("annualDay", "annualDay is not a day of annualMonth")


def _validate_relative(draft: ExceptionDraft) -> None:
    if draft.relative_type is None:
        raise InvalidInputError("relativeType", "a RELATIVE exception needs relativeType")
    if draft.relative_day_of_week is None:
        raise InvalidInputError("relativeDayOfWeek", "a RELATIVE exception needs relativeDayOfWeek")
    if draft.relative_month is None or not 0 <= draft.relative_month <= 12:
        raise InvalidInputError(
            "relativeMonth", "relativeMonth must be between 1 and 12, or 0 for every month"
        )


def validate_settings(settings: CalendarSettings) -> None:
    if settings.name is not None and not settings.name.strip():
        raise InvalidInputError("name", "name must not be empty")
    if settings.time_zone_id is not None:
        try:
            resolve_zone(settings.time_zone_id)
        except UnknownTimeZoneError:
            raise InvalidInputError(
                "timeZone", f"unknown time zone {settings.time_zone_id!r}"
            ) from None


class CalendarService:
    """Reads and edits business calendars in GRS.

    Every edit is one edit session: the gateway's mutex for the calendar, the upstream
    lock, a fresh read, the write, then unlock and release - whatever happens inside.
    """

    def __init__(
        self,
        client: CalendarsClient,
        cache: ReadCache,
        mutex: Mutex,
        tenant_id: str,
        package_id: str,
    ) -> None:
        self._client = client
        self._cache = cache
        self._mutex = mutex
        self._tenant_id = tenant_id
        self._package_id = package_id
        # Edits run detached from the request, so a client that goes away cannot cut
        # one short between lock and unlock; this keeps them referenced until done.
        self._edits: set[asyncio.Task[object]] = set()

    @property
    def mutex(self) -> Mutex:
        """The mutex that edit sessions hold, to see which calendars are being edited."""
        return self._mutex

    def ref(
        self, calendar_id: str, tenant_id: str | None = None, package_id: str | None = None
    ) -> CalendarRef:
        return CalendarRef(
            tenant_id or self._tenant_id, package_id or self._package_id, calendar_id
        )

    async def calendars(
        self, tenant_id: str | None = None, package_id: str | None = None
    ) -> list[BusinessCalendar]:
        tenant, package = tenant_id or self._tenant_id, package_id or self._package_id

        async def load() -> list[BusinessCalendar]:
            listed = await self._client.calendars(tenant, package)
            # Newer than every body cached before it: none of them may be served again.
            await self._cache.forget_group(_bodies(tenant, package))
            return listed

        return await self._cache.read(_list_key(tenant, package), load, LIST)

    async def get(self, ref: CalendarRef) -> BusinessCalendar:
        """The calendar with its exceptions, from the cache when fresh enough."""
        group = _bodies(ref.tenant_id, ref.package_id)
        return await self._cache.read(
            _body_key(ref), lambda: self._fresh_body(ref), BODY, group=group
        )

    async def _fresh_body(self, ref: CalendarRef) -> BusinessCalendar:
        list_key = _list_key(ref.tenant_id, ref.package_id)
        try:
            body = await self._client.calendar(ref)
        except NotFoundError:
            # A cached list that still shows the calendar is older than this answer.
            await self._cache.forget(list_key)
            raise
        listed = await self._cache.peek(list_key, LIST)
        entry = next((c for c in listed or () if c.id == body.id), None)
        if listed is not None and (entry is None or _state(entry) != _state(body)):
            await self._cache.forget(list_key)
        return body

    async def get_many(self, refs: list[CalendarRef]) -> list[BusinessCalendar | BaseException]:
        """Each calendar or the error it failed with, in order (a DataLoader's batch)."""
        return await asyncio.gather(*(self.get(ref) for ref in refs), return_exceptions=True)

    async def create(
        self,
        settings: CalendarSettings,
        tenant_id: str | None = None,
        package_id: str | None = None,
    ) -> BusinessCalendar:
        validate_settings(settings)
        tenant, package = tenant_id or self._tenant_id, package_id or self._package_id
        try:
            created = await self._client.create(tenant, package, settings)
        finally:
            await self._cache.forget(_list_key(tenant, package))
        # GRS answers a create with the external id only; the body has both ids.
        return await self._client.calendar(self.ref(created.id, tenant_id, package_id))

    async def update(self, ref: CalendarRef, settings: CalendarSettings) -> BusinessCalendar:
        validate_settings(settings)

        async def change(current: BusinessCalendar) -> BusinessCalendar:
            await self._client.modify(ref, settings)
            return await self._client.calendar(ref)

        return _released(await self._edit(ref, change))

    async def replace_exceptions(
        self, ref: CalendarRef, drafts: list[ExceptionDraft]
    ) -> BusinessCalendar:
        for draft in drafts:
            draft.validate()
        _require_unique_names(drafts)

        async def change(current: BusinessCalendar) -> BusinessCalendar:
            exceptions = tuple(d.resolve(current.time_zone_id) for d in drafts)
            return _ids_of(current, await self._client.replace_exceptions(ref, exceptions))

        return _released(await self._edit(ref, change))

    async def add_exception(self, ref: CalendarRef, draft: ExceptionDraft) -> BusinessCalendar:
        draft.validate()

        async def change(current: BusinessCalendar) -> BusinessCalendar:
            existing = current.exceptions or ()
            if any(e.name == draft.name for e in existing):
                raise InvalidInputError("name", f"the calendar already has {draft.name!r}")
            added = (*existing, draft.resolve(current.time_zone_id))
            return _ids_of(current, await self._client.replace_exceptions(ref, added))

        return _released(await self._edit(ref, change))

    async def remove_exception(self, ref: CalendarRef, name: str) -> BusinessCalendar:
        async def change(current: BusinessCalendar) -> BusinessCalendar:
            existing = current.exceptions or ()
            kept = tuple(e for e in existing if e.name != name)
            if len(kept) == len(existing):
                raise InvalidInputError("name", f"the calendar has no exception {name!r}")
            return _ids_of(current, await self._client.replace_exceptions(ref, kept))

        return _released(await self._edit(ref, change))

    async def delete(self, ref: CalendarRef) -> str:
        async def change(current: BusinessCalendar) -> str:
            await self._client.delete(ref)
            return current.id

        return await self._edit(ref, change)

    async def _edit(
        self, ref: CalendarRef, change: Callable[[BusinessCalendar], Awaitable[T]]
    ) -> T:
        edit = asyncio.ensure_future(self._noting_news(ref, self._run_edit(ref, change)))
        self._edits.add(edit)
        edit.add_done_callback(self._edits.discard)
        metrics.EDITS_IN_FLIGHT.inc()
        edit.add_done_callback(lambda _: metrics.EDITS_IN_FLIGHT.dec())
        # A cancelled request (client gone) stops waiting; the edit itself runs on.
        return await asyncio.shield(edit)

    async def drain(self) -> None:
        """Wait, a bounded time, for edits whose clients went away to finish and unlock."""
        if self._edits:
            await asyncio.wait(set(self._edits), timeout=DRAIN_SECONDS)

    async def _forget(self, ref: CalendarRef) -> None:
        # The edit may have changed what the list shows (name, hours, lock) and the body,
        # cached under either of the calendar's two ids: the package's bodies go at once.
        await self._cache.forget(_list_key(ref.tenant_id, ref.package_id))
        await self._cache.forget_group(_bodies(ref.tenant_id, ref.package_id))

    async def _noting_news(self, ref: CalendarRef, edit: Awaitable[T]) -> T:
        try:
            return await edit
        except (CalendarLockedError, NotFoundError):
            # GRS showed a lock, or no calendar, newer than what the cache may hold.
            await self._forget(ref)
            raise

    async def _run_edit(
        self, ref: CalendarRef, change: Callable[[BusinessCalendar], Awaitable[T]]
    ) -> T:
        key = await self._mutex_key(ref)
        waiting = perf_counter()
        async with self._mutex.hold(key):
            metrics.LOCK_WAIT.observe(perf_counter() - waiting)
            try:
                return await self._locked(ref, change)
            except LockLostError:
                # Our token expired mid-session and took the lock with it: start over
                # from a fresh lock and read, so the edit applies to what is stored now.
                return await self._locked(ref, change)

    async def _locked(
        self, ref: CalendarRef, change: Callable[[BusinessCalendar], Awaitable[T]]
    ) -> T:
        async with self._upstream_lock(ref):
            # Edits read fresh from GRS, never from the cache.
            current = await self._client.calendar(ref)
            try:
                return await change(current)
            finally:
                await self._forget(ref)

    @contextlib.asynccontextmanager
    async def _upstream_lock(self, ref: CalendarRef) -> AsyncIterator[None]:
        try:
            await self._client.lock(ref)
        except UpstreamUnavailableError:
            # A timeout or a cut connection may have lost only the answer: GRS can hold the
            # lock for us all the same. Unlocking a calendar nobody holds is a no-op.
            with contextlib.suppress(UpstreamError):
                await self._unlock(ref)
            raise
        try:
            yield
        finally:
            await self._unlock(ref)

    async def _unlock(self, ref: CalendarRef, attempts: int = 3) -> None:
        for attempt in range(1, attempts + 1):
            try:
                await self._client.unlock(ref)
                return
            except NotFoundError:
                return  # a deleted calendar has no lock left to give back
            except UpstreamUnavailableError:
                if attempt == attempts:
                    # The lock now lasts until our token idles out; our own next edit
                    # relocks it with the same token, so only other users wait.
                    log.warning("could not unlock calendar %s", ref.calendar_id)
                    return
                await asyncio.sleep(0.1 * 2**attempt)

    async def _mutex_key(self, ref: CalendarRef) -> str:
        # One calendar answers to two ids; the mutex must not see two calendars.
        calendar_id = ref.calendar_id
        if not is_uuid(calendar_id):
            calendar_id = (await self._client.calendar(ref)).id
        return f"calendar:{ref.tenant_id}/{ref.package_id}/{calendar_id}"


def _require_unique_names(drafts: list[ExceptionDraft]) -> None:
    seen: set[str] = set()
    for draft in drafts:
        if draft.name in seen:
            raise InvalidInputError("name", f"two exceptions are named {draft.name!r}")
        seen.add(draft.name)


def _released(calendar: BusinessCalendar) -> BusinessCalendar:
    # The write answered while we held the lock; the session has given it back since.
    return replace(calendar, locked=False, lock_owner=None)


def _ids_of(current: BusinessCalendar, written: BusinessCalendar) -> BusinessCalendar:
    # GRS answers a write with the external id only; the read before it had both.
    return replace(written, id=current.id, external_id=current.external_id)


def _list_key(tenant_id: str, package_id: str) -> str:
    return f"calendars:{tenant_id}/{package_id}"


def _body_key(ref: CalendarRef) -> str:
    return f"calendar:{ref.tenant_id}/{ref.package_id}/{ref.calendar_id}"


def _bodies(tenant_id: str, package_id: str) -> str:
    """The group of a package's cached bodies: a newer list or any edit evicts them all."""
    return f"bodies:{tenant_id}/{package_id}"


def _state(calendar: BusinessCalendar) -> BusinessCalendar:
    # What both the list and the body show of a calendar.
    return replace(calendar, exceptions=None, raw={})
