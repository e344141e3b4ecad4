"""Business calendars: reads, and edits that run as lock-safe edit sessions."""

from __future__ import annotations

import asyncio
import calendar as gregorian
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from time import perf_counter
from urllib.parse import quote, unquote

from calendar_gateway import metrics
from calendar_gateway.caching import Codec, ReadCache
from calendar_gateway.locking import (
    LockHolders,
    LockStoreUnavailableError,
    Mutex,
    MutexTimeoutError,
)
from calendar_gateway.services.batches import settled
from calendar_gateway.services.errors import (
    EditStoreUnavailableError,
    EditTimeoutError,
    InvalidInputError,
)
from calendar_gateway.timezones import UnknownTimeZoneError, resolve_zone
from calendar_gateway.upstreams.calendars import (
    UPSTREAM,
    BusinessCalendar,
    CalendarException,
    CalendarRef,
    CalendarsClient,
    CalendarSettings,
    ExceptionType,
    Permissions,
    Placement,
    RelativeType,
    Tenant,
    is_uuid,
    same_exceptions,
)
from calendar_gateway.upstreams.errors import (
    CalendarLockedError,
    LockLostError,
    NotFoundError,
    UpstreamError,
    UpstreamUnavailableError,
)
from calendar_gateway.upstreams.weekday import Weekday

# The calendar model the GRS client returns is the domain's: the GraphQL layer names it here.
__all__ = [
    "BusinessCalendar",
    "CalendarException",
    "CalendarRef",
    "CalendarService",
    "CalendarSettings",
    "ExceptionType",
    "Permissions",
    "Placement",
    "RelativeType",
    "Tenant",
    "Weekday",
]

log = logging.getLogger(__name__)

SESSIONS = 3
"""Edit sessions one edit may take: a token found expired at the lock, then one mid-session."""

LIST = Codec(list[BusinessCalendar])
BODY = Codec(BusinessCalendar)
TENANTS = Codec(list[Tenant])
PERMISSIONS = Codec(Permissions)

DRAIN_SECONDS = 30.0
"""How long shutdown waits for running edits: each is a handful of bounded upstream calls."""


def validate_exception(exception: CalendarException) -> None:
    """Apply the rules GRS documents, so bad input costs no lock and no upstream call."""
    if not exception.name.strip():
        raise InvalidInputError("name", "name must not be empty")
    if exception.placement is Placement.FIXED and exception.fixed_date is None:
        raise InvalidInputError("fixedDate", "a FIXED exception needs fixedDate")
    if exception.placement is Placement.ANNUAL:
        _validate_annual(exception.annual_month, exception.annual_day)
    if exception.placement is Placement.RELATIVE:
        _validate_relative(exception)
    if exception.type is ExceptionType.TIME_CHANGE and (
        exception.time_change_start is None or exception.time_change_stop is None
    ):
        raise InvalidInputError(
            "timeChangeStart", "a TIME_CHANGE needs timeChangeStart and timeChangeStop"
        )


def _validate_annual(month: int | None, day: int | None) -> None:
    if month is None or not 1 <= month <= 12:
        raise InvalidInputError("annualMonth", "annualMonth must be between 1 and 12")
    # Feb 29 is allowed: it is a real anniversary in leap years.
    if day is None or not 1 <= day <= gregorian.monthrange(2024, month)[1]:
        raise InvalidInputError("annualDay", "annualDay is not a day of annualMonth")


def _validate_relative(exception: CalendarException) -> None:
    if exception.relative_type is None:
        raise InvalidInputError("relativeType", "a RELATIVE exception needs relativeType")
    if exception.relative_day_of_week is None:
        raise InvalidInputError("relativeDayOfWeek", "a RELATIVE exception needs relativeDayOfWeek")
    if exception.relative_month is None or not 0 <= exception.relative_month <= 12:
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


@dataclass(frozen=True)
class EditBudget:
    """How long an edit may take, from the request to its answer.

    The write, the unlock and the read of the result each take at most one GRS call
    timeout; what comes before them (the wait for the calendar's mutex, the lock, the
    fresh read) must be over by ``total`` less those three, or the edit stops unwritten.
    """

    total: float
    call: float

    @property
    def before_write(self) -> float:
        return self.total - 3 * self.call


@dataclass(frozen=True)
class _Write:
    """An edit's one write, and how a later read tells whether it landed (None: gone)."""

    send: Callable[[CalendarsClient], Awaitable[BusinessCalendar | None]]
    landed: Callable[[BusinessCalendar | None], bool]


@dataclass(frozen=True)
class _Outcome:
    before: BusinessCalendar
    after: BusinessCalendar | None
    """The calendar once the session gave its lock back; None when it is gone."""


Plan = Callable[[BusinessCalendar], _Write]


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
        *,
        holders: LockHolders,
        budget: EditBudget,
    ) -> None:
        self._client = client
        self._cache = cache
        self._mutex = mutex
        self._holders = holders
        self._budget = budget
        self._tenant_id = tenant_id
        self._package_id = package_id
        # Edits run detached from the request, so a client that goes away cannot cut
        # one short between lock and unlock; this keeps them referenced until done.
        self._edits: set[asyncio.Task[None]] = set()

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

    async def tenants(self) -> list[Tenant]:
        return await self._cache.read("tenants", self._client.tenants, TENANTS)

    async def permissions(self, tenant_id: str | None = None) -> Permissions:
        """What the gateway's GRS user may do with a tenant's calendars."""
        tenant = tenant_id or self._tenant_id
        return await self._cache.read(
            f"permissions:{tenant}", lambda: self._client.permissions(tenant), PERMISSIONS
        )

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
        if listed is None:
            return body
        entry = next((c for c in listed if c.id == body.id), None)
        if entry is None or _state(entry) != _state(body):
            await self._cache.forget(list_key)
        return body

    async def get_many(self, refs: list[CalendarRef]) -> list[BusinessCalendar | BaseException]:
        """Each calendar or the error it failed with, in order (a DataLoader's batch)."""
        return await settled([self.get(ref) for ref in refs])

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

        def plan(current: BusinessCalendar) -> _Write:
            return _Write(
                send=lambda grs: grs.modify(ref, settings),
                landed=lambda after: after is not None and _has_settings(after, settings),
            )

        return _calendar_after(await self._edit(ref, plan))

    async def replace_exceptions(
        self, ref: CalendarRef, exceptions: list[CalendarException]
    ) -> BusinessCalendar:
        for exception in exceptions:
            validate_exception(exception)
        _require_unique_names(exceptions)

        def plan(current: BusinessCalendar) -> _Write:
            return _replacing(ref, current, tuple(exceptions))

        return _calendar_after(await self._edit(ref, plan))

    async def add_exception(
        self, ref: CalendarRef, exception: CalendarException
    ) -> BusinessCalendar:
        validate_exception(exception)

        def plan(current: BusinessCalendar) -> _Write:
            existing = current.exceptions or ()
            if any(e.name == exception.name for e in existing):
                raise InvalidInputError("name", f"the calendar already has {exception.name!r}")
            return _replacing(ref, current, (*existing, exception))

        return _calendar_after(await self._edit(ref, plan))

    async def remove_exception(self, ref: CalendarRef, name: str) -> BusinessCalendar:
        def plan(current: BusinessCalendar) -> _Write:
            existing = current.exceptions or ()
            kept = tuple(e for e in existing if e.name != name)
            if len(kept) == len(existing):
                raise InvalidInputError("name", f"the calendar has no exception {name!r}")
            return _replacing(ref, current, kept)

        return _calendar_after(await self._edit(ref, plan))

    async def delete(self, ref: CalendarRef) -> str:
        async def send(grs: CalendarsClient) -> None:
            await grs.delete(ref)

        def plan(current: BusinessCalendar) -> _Write:
            return _Write(send=send, landed=lambda after: after is None)

        return (await self._edit(ref, plan)).before.id

    async def _edit(self, ref: CalendarRef, plan: Plan) -> _Outcome:
        answer: asyncio.Future[_Outcome] = asyncio.get_running_loop().create_future()
        # Nobody may be waiting any more: the client went away.
        answer.add_done_callback(lambda f: f.cancelled() or f.exception())
        edit = asyncio.ensure_future(self._run_edit(ref, plan, answer))
        self._edits.add(edit)
        edit.add_done_callback(self._edits.discard)
        metrics.EDITS_IN_FLIGHT.inc()
        edit.add_done_callback(lambda _: metrics.EDITS_IN_FLIGHT.dec())
        # A cancelled request (client gone) stops waiting; the edit itself runs on, and may
        # go on after the answer: an unlock that failed is retried before the mutex is let go.
        return await asyncio.shield(answer)

    async def drain(self) -> None:
        """Wait, a bounded time, for edits whose clients went away to finish and unlock."""
        if self._edits:
            await asyncio.wait(set(self._edits), timeout=DRAIN_SECONDS)

    async def _forget(self, ref: CalendarRef) -> None:
        # The edit may have changed what the list shows (name, hours, lock) and the body,
        # cached under either of the calendar's two ids: the package's bodies go at once.
        try:
            await self._cache.forget(_list_key(ref.tenant_id, ref.package_id))
            await self._cache.forget_group(_bodies(ref.tenant_id, ref.package_id))
        except Exception as error:
            log.warning(
                "could not evict calendar %s from the read cache: %r", ref.calendar_id, error
            )

    async def _note(self, ref: CalendarRef, error: Exception) -> None:
        if isinstance(error, CalendarLockedError | NotFoundError):
            # GRS showed a lock, or no calendar, newer than what the cache may hold: evict
            # before the client hears, so its next read shows it.
            await self._forget(ref)

    async def _run_edit(
        self, ref: CalendarRef, plan: Plan, answer: asyncio.Future[_Outcome]
    ) -> None:
        loop = asyncio.get_running_loop()
        write_by = loop.time() + self._budget.before_write
        try:
            async with _before(write_by):
                key = await self._mutex_key(ref)
            waiting = perf_counter()
            async with self._mutex.hold(key, write_by - loop.time()):
                metrics.LOCK_WAIT.observe(perf_counter() - waiting)
                for _ in range(SESSIONS - 1):
                    try:
                        await self._session(ref, key, plan, write_by, answer)
                        return
                    except LockLostError:
                        # Our token expired (before or during the session) and took the lock
                        # with it: start over from a fresh token, lock and read, so the
                        # edit applies to what is stored now.
                        continue
                await self._session(ref, key, plan, write_by, answer)
        except Exception as error:
            _settle(answer, error)

    async def _session(
        self,
        ref: CalendarRef,
        key: str,
        plan: Plan,
        write_by: float,
        answer: asyncio.Future[_Outcome],
    ) -> None:
        """One lock of the calendar with one token; settles ``answer``, but for LockLost."""
        token = await self._client.token()
        grs = self._client.pinned(token)
        lock_sent = lock_unknown = written = False
        current: BusinessCalendar | None = None
        try:
            async with _before(write_by):
                await self._take_over(ref, key, token)
                await self._holders.record(key, token)  # before the lock: a crash leaves it
                lock_sent = True
                try:
                    await grs.lock(ref)
                except UpstreamUnavailableError:
                    lock_unknown = True  # GRS may yet lock it late: the record stays
                    raise
                current = await grs.calendar(ref)
                write = plan(current)
            sent, unknown = await self._send(write, grs, token)
            written = True
        except LockLostError:
            self._client.retire(token)  # expired, or its lock taken over: a fresh one next
            raise
        except Exception as error:
            await self._note(ref, error)
            _settle(answer, error)  # the client hears now; the unlock goes on after
            raise
        finally:
            unlocked = await self._unlock(grs, ref) if lock_sent else True
            if current is not None:
                await self._forget(ref)
            if not written:
                await self._clean_up(grs, ref, key, unlocked=unlocked, keep=lock_unknown)
        try:
            _settle(
                answer,
                await self._outcome(
                    ref, write, before=current, sent=sent, unknown=unknown, unlocked=unlocked
                ),
            )
        finally:
            await self._clean_up(grs, ref, key, unlocked=unlocked, keep=False)

    async def _send(
        self, write: _Write, grs: CalendarsClient, token: str
    ) -> tuple[BusinessCalendar | None, UpstreamUnavailableError | None]:
        """The write's answer, or the failure that left its outcome unknown."""
        try:
            return await write.send(grs), None
        except UpstreamUnavailableError as error:
            # No answer is not no write: GRS may apply it late. Retired, the token's lock
            # ends with our unlock, and a late write meets none: GRS refuses it (412).
            self._client.retire(token)
            return None, error

    async def _clean_up(
        self, grs: CalendarsClient, ref: CalendarRef, key: str, *, unlocked: bool, keep: bool
    ) -> None:
        if not unlocked:
            unlocked = await self._give_back(grs, ref)
        if unlocked and not keep:
            await self._let_go(key)

    async def _outcome(
        self,
        ref: CalendarRef,
        write: _Write,
        *,
        before: BusinessCalendar,
        sent: BusinessCalendar | None,
        unknown: UpstreamUnavailableError | None,
        unlocked: bool,
    ) -> _Outcome:
        """The calendar once unlocked, read afresh: what the client is told."""
        if unknown is not None and not unlocked:
            raise UpstreamUnavailableError(
                unknown.upstream, "GRS did not answer the write; it may still be applied"
            )
        try:
            after = await self._read_after(ref)
        except UpstreamError:
            if unknown is not None:
                raise UpstreamUnavailableError(
                    unknown.upstream, "GRS did not answer the write; whether it applied is unknown"
                ) from None
            return _Outcome(before, sent and _released(sent) if unlocked else sent)
        if unknown is not None and not write.landed(after):
            # Unlocked with a retired token: the write can no longer land.
            raise UpstreamUnavailableError(unknown.upstream, f"{unknown.message}; nothing changed")
        return _Outcome(before, after)

    async def _read_after(self, ref: CalendarRef) -> BusinessCalendar | None:
        try:
            return await self._client.calendar(ref)
        except NotFoundError:
            return None

    async def _take_over(self, ref: CalendarRef, key: str, token: str) -> None:
        """Give back a GRS lock that another token took and could not return.

        We hold the calendar's mutex, so no edit session of any replica holds its lock:
        a recorded holder that is not us died mid-edit, or its token was retired.
        """
        holder = await self._holders.holder(key)
        if holder is None or holder == token:
            return
        if await self._unlock(self._client.pinned(holder), ref):
            log.info("gave back calendar %s's lock, left by an earlier session", ref.calendar_id)
            await self._holders.forget(key)

    async def sweep(self, limit: int) -> int:
        """Give back up to ``limit`` recorded GRS locks that no edit session holds; how many.

        A recorded holder whose calendar's mutex is free belongs to no running session: its
        replica died mid-edit, or its unlock failed. The give-back holds that mutex, so it
        never races an edit; a calendar whose mutex is taken is left to its session.
        """
        given = 0
        for key in await self._holders.recorded(limit):
            try:
                given += await self._sweep(key)
            except LockStoreUnavailableError:
                raise  # the store is down: so is every other record of this sweep
            except Exception as error:
                log.warning("could not give back the lock of %s: %r", key, error)
        return given

    async def _sweep(self, key: str) -> bool:
        ref = _ref_of(key)
        if ref is None:
            # Not a key this gateway makes: planted, and never sent to GRS.
            log.warning("dropped a lock holder record under a foreign key")
            await self._holders.forget(key)
            return False
        try:
            async with self._mutex.hold(key, 0):
                holder = await self._holders.holder(key)
                if holder is not None and not await self._unlock(self._client.pinned(holder), ref):
                    return False  # GRS did not answer: the next sweep tries again
                await self._holders.forget(key)
        except MutexTimeoutError:
            return False  # a running session holds the calendar: it gives its lock back
        if holder is None:
            return False
        log.info("gave back calendar %s's lock, left by a session that ended", ref.calendar_id)
        await self._forget(ref)  # reads show the lock gone at once
        return True

    async def _let_go(self, key: str) -> None:
        try:
            await self._holders.forget(key)
        except LockStoreUnavailableError:
            # The record outlives the lock: whoever edits next unlocks a lock that is not there.
            log.warning("could not forget the lock holder of %s", key)

    async def _unlock(self, grs: CalendarsClient, ref: CalendarRef) -> bool:
        """Give the lock back; True unless GRS may still hold it for ``grs``'s token."""
        try:
            await grs.unlock(ref)
        except (NotFoundError, CalendarLockedError, LockLostError):
            return True  # deleted, another token's, or gone with its expired token
        except UpstreamError:
            return False
        return True

    async def _give_back(self, grs: CalendarsClient, ref: CalendarRef, attempts: int = 2) -> bool:
        for attempt in range(1, attempts + 1):
            await asyncio.sleep(0.1 * 2**attempt)
            if await self._unlock(grs, ref):
                return True
        # The lock lasts until a later edit's take-over (or GRS idles the token out).
        log.warning("could not unlock calendar %s", ref.calendar_id)
        return False

    async def _mutex_key(self, ref: CalendarRef) -> str:
        # One calendar answers to two ids; the mutex must not see two calendars.
        calendar_id = ref.calendar_id
        if not is_uuid(calendar_id):
            calendar_id = (await self._client.calendar(ref)).id
        # Quoted, so a sweep reads the calendar back from the key (see _ref_of).
        tenant, package = quote(ref.tenant_id, safe=""), quote(ref.package_id, safe="")
        return f"{_MUTEX_PREFIX}{tenant}/{package}/{calendar_id}"


_MUTEX_PREFIX = "calendar:"


def _ref_of(key: str) -> CalendarRef | None:
    """The calendar of a mutex key, or None for a key ``_mutex_key`` does not make."""
    if not key.startswith(_MUTEX_PREFIX):
        return None
    parts = key.removeprefix(_MUTEX_PREFIX).split("/")
    if len(parts) != 3 or not all(parts) or not is_uuid(parts[2]):
        return None
    return CalendarRef(unquote(parts[0]), unquote(parts[1]), parts[2])


@contextlib.asynccontextmanager
async def _before(deadline: float) -> AsyncIterator[None]:
    """The steps before an edit's write, which must be over by ``deadline``."""
    try:
        async with asyncio.timeout_at(deadline) as scope:
            yield
    except TimeoutError:
        if not scope.expired():
            raise
        raise EditTimeoutError("the edit ran out of time before its write") from None


def _settle(answer: asyncio.Future[_Outcome], outcome: _Outcome | Exception) -> None:
    if answer.done():
        return
    if isinstance(outcome, MutexTimeoutError):
        outcome = EditTimeoutError("the calendar is being edited; try again")
    if isinstance(outcome, LockStoreUnavailableError):
        outcome = EditStoreUnavailableError("calendar edits are unavailable; try again")
    if isinstance(outcome, Exception):
        answer.set_exception(outcome)
    else:
        answer.set_result(outcome)


def _calendar_after(outcome: _Outcome) -> BusinessCalendar:
    if outcome.after is None:
        raise NotFoundError(UPSTREAM, "the calendar was deleted meanwhile")
    return _with_ids(outcome.before, outcome.after)


def _replacing(
    ref: CalendarRef, current: BusinessCalendar, exceptions: tuple[CalendarException, ...]
) -> _Write:
    return _Write(
        send=lambda grs: grs.replace_exceptions(ref, exceptions, current),
        landed=lambda after: (
            after is not None and same_exceptions(exceptions, after.exceptions or ())
        ),
    )


def _has_settings(calendar: BusinessCalendar, settings: CalendarSettings) -> bool:
    wanted = {
        "name": settings.name,
        "week_starts": settings.week_starts,
        "week_ends": settings.week_ends,
        "day_starts": settings.day_starts,
        "day_ends": settings.day_ends,
        "time_zone_id": settings.time_zone_id,
    }
    return all(v is None or getattr(calendar, k) == v for k, v in wanted.items())


def _require_unique_names(exceptions: list[CalendarException]) -> None:
    seen: set[str] = set()
    for exception in exceptions:
        if exception.name in seen:
            raise InvalidInputError("name", f"two exceptions are named {exception.name!r}")
        seen.add(exception.name)


def _released(calendar: BusinessCalendar) -> BusinessCalendar:
    # A write's answer, from while we held the lock; the session has given it back since.
    raw = {**calendar.raw, "locked": False, "lockOwner": None}
    return replace(calendar, locked=False, lock_owner=None, raw=raw)


def _with_ids(before: BusinessCalendar, after: BusinessCalendar) -> BusinessCalendar:
    # GRS answers a write with the external id only; the read before it had both.
    return replace(after, id=before.id, external_id=before.external_id or after.external_id)


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
