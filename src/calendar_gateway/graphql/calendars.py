"""Business calendars and their exceptions, over the GRS API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, TypeVar

import strawberry
from strawberry.scalars import JSON

from calendar_gateway.graphql import working_time
from calendar_gateway.graphql.connections import (
    AfterArg,
    Connection,
    FirstArg,
    page_size,
    start_offset,
    window_connection,
)
from calendar_gateway.graphql.context import Info
from calendar_gateway.graphql.enums import ExceptionType, Placement, RelativeType, Weekday
from calendar_gateway.graphql.maybe import given
from calendar_gateway.graphql.scalars import LocalTime
from calendar_gateway.services import calendars as grs
from calendar_gateway.services.paging import slice_window

T = TypeVar("T")
FromArg = Annotated[T, strawberry.argument(name="from")]


@strawberry.type(description="A holiday or a day with other working hours.")
class CalendarException:
    name: str
    type: ExceptionType
    placement: Placement
    fixed_date: date | None = strawberry.field(
        description="FIXED: the date, read in the calendar's time zone."
    )
    annual_month: int | None
    annual_day: int | None
    relative_type: RelativeType | None
    relative_day_of_week: Weekday | None
    relative_month: int | None = strawberry.field(description="RELATIVE: 1-12, 0 = every month.")
    time_change_start: LocalTime | None
    time_change_stop: LocalTime | None

    exception: strawberry.Private[grs.CalendarException]

    @strawberry.field(description="The dates from `from` to `to` (both included) it falls on.")
    def occurrences(self, from_: FromArg[date], to: date) -> list[date]:
        return working_time.occurrences(self.exception, from_, to)

    @classmethod
    def from_domain(cls, exception: grs.CalendarException) -> CalendarException:
        return cls(
            name=exception.name,
            type=exception.type,
            placement=exception.placement,
            fixed_date=exception.fixed_date,
            annual_month=exception.annual_month,
            annual_day=exception.annual_day,
            relative_type=exception.relative_type,
            relative_day_of_week=exception.relative_day_of_week,
            relative_month=exception.relative_month,
            time_change_start=_local(exception.time_change_start),
            time_change_stop=_local(exception.time_change_stop),
            exception=exception,
        )


@strawberry.type(description="A GRS tenant (Query Tenants).")
class CalendarTenant:
    id: strawberry.ID = strawberry.field(description="The tenant's nodeId: a tenantId.")
    name: str


@strawberry.type(description="What the gateway's GRS user may do with a tenant's calendars.")
class CalendarPermissions:
    view: bool
    create: bool
    modify: bool
    delete: bool

    @classmethod
    def from_domain(cls, permissions: grs.Permissions) -> CalendarPermissions:
        return cls(
            view=permissions.can_view,
            create=permissions.can_create,
            modify=permissions.can_modify,
            delete=permissions.can_delete,
        )


@strawberry.federation.type(
    keys=["tenantId packageId id"], description="A Genesys Rules System business calendar."
)
class BusinessCalendar:
    id: strawberry.ID = strawberry.field(description="The GRS calendarId (a UUID).")
    external_id: str | None = strawberry.field(description='GRS\'s other id, e.g. "Calendar_117".')
    tenant_id: strawberry.ID
    package_id: strawberry.ID
    name: str
    locked: bool
    lock_owner: str | None
    week_starts: Weekday
    week_ends: Weekday
    day_starts: LocalTime
    day_ends: LocalTime
    time_zone: str = strawberry.field(description="A Java TimeZone id, as GRS stores it.")
    raw: JSON = strawberry.field(description="The calendar as GRS sent it.")

    calendar: strawberry.Private[grs.BusinessCalendar]

    @strawberry.field(
        description="What the gateway may do with this calendar: its tenant's permissions "
        "(cached), so a UI can leave out what would be FORBIDDEN. A calendar someone else "
        "has locked still cannot be modified: see `locked`."
    )
    async def viewer_can(self, info: Info) -> CalendarPermissions | None:
        permissions = await info.context.services.calendars.permissions(self.tenant_id)
        return CalendarPermissions.from_domain(permissions)

    @strawberry.field(description="Holidays and changed hours; read from the calendar's body.")
    async def exceptions(self, info: Info) -> list[CalendarException]:
        calendar = await self._body(info)
        return [CalendarException.from_domain(e) for e in calendar.exceptions or ()]

    @strawberry.field(description=f"Whether `at` is working time. {working_time.NAIVE}")
    async def is_working_time(self, info: Info, at: datetime) -> bool:
        return working_time.is_working_time(await self._body(info), at)

    @strawberry.field(
        description=f"The working time from `from` to `to`, at most a year. {working_time.NAIVE}"
    )
    async def working_windows(
        self, info: Info, from_: FromArg[datetime], to: datetime
    ) -> list[working_time.TimeWindow]:
        return working_time.working_windows(await self._body(info), from_, to)

    @strawberry.field(
        description=f"The first working instant at or after `after` (itself when working), "
        f"in UTC; null when there is none within a year. {working_time.NAIVE}"
    )
    async def next_working_time(self, info: Info, after: datetime) -> datetime | None:
        return working_time.next_working_time(await self._body(info), after)

    @strawberry.field(
        description="Elapsed working hours from `from` to `to`, at most a year. "
        + working_time.NAIVE
    )
    async def working_hours_between(
        self, info: Info, from_: FromArg[datetime], to: datetime
    ) -> float:
        return working_time.working_hours_between(await self._body(info), from_, to)

    async def _body(self, info: Info) -> grs.BusinessCalendar:
        if self.calendar.exceptions is not None:
            return self.calendar
        # The list has no exceptions; the body does.
        ref = info.context.services.calendars.ref(self.id, self.tenant_id, self.package_id)
        return await info.context.calendars.calendar(ref)

    @classmethod
    async def resolve_reference(cls, info: Info, **key: str) -> BusinessCalendar:
        """Federation: the calendar another subgraph names by its key fields."""
        service = info.context.services.calendars
        ref = service.ref(key["id"], key["tenantId"], key["packageId"])
        return cls.from_domain(await info.context.calendars.calendar(ref), ref)

    @classmethod
    def from_domain(cls, calendar: grs.BusinessCalendar, ref: grs.CalendarRef) -> BusinessCalendar:
        return cls(
            id=strawberry.ID(calendar.id),
            external_id=calendar.external_id,
            tenant_id=strawberry.ID(ref.tenant_id),
            package_id=strawberry.ID(ref.package_id),
            name=calendar.name,
            locked=calendar.locked,
            lock_owner=calendar.lock_owner,
            week_starts=calendar.week_starts,
            week_ends=calendar.week_ends,
            day_starts=LocalTime(calendar.day_starts),
            day_ends=LocalTime(calendar.day_ends),
            time_zone=calendar.time_zone_id,
            raw=JSON(calendar.raw),
            calendar=calendar,
        )


def _local(value: object) -> LocalTime | None:
    return None if value is None else LocalTime(value)  # type: ignore[arg-type]


@strawberry.input(description="A holiday or changed hours; fields apply per placement.")
class CalendarExceptionInput:
    name: str
    type: ExceptionType
    placement: Placement
    fixed_date: date | None = None
    annual_month: int | None = None
    annual_day: int | None = None
    relative_type: RelativeType | None = None
    relative_day_of_week: Weekday | None = None
    relative_month: int | None = strawberry.field(
        default=None, description="1-12, or 0 for every month."
    )
    time_change_start: LocalTime | None = None
    time_change_stop: LocalTime | None = None

    def to_domain(self) -> grs.CalendarException:
        return grs.CalendarException(
            name=self.name,
            type=self.type,
            placement=self.placement,
            fixed_date=self.fixed_date,
            annual_month=self.annual_month,
            annual_day=self.annual_day,
            relative_type=self.relative_type,
            relative_day_of_week=self.relative_day_of_week,
            relative_month=self.relative_month,
            time_change_start=self.time_change_start,
            time_change_stop=self.time_change_stop,
        )


@strawberry.input
class CreateBusinessCalendarInput:
    name: str
    week_starts: Weekday
    week_ends: Weekday
    day_starts: LocalTime
    day_ends: LocalTime
    time_zone: str = strawberry.field(description='A Java TimeZone id: IANA, or e.g. "EST".')

    def to_settings(self) -> grs.CalendarSettings:
        return grs.CalendarSettings(
            name=self.name,
            week_starts=self.week_starts,
            week_ends=self.week_ends,
            day_starts=self.day_starts,
            day_ends=self.day_ends,
            time_zone_id=self.time_zone,
        )


@strawberry.input(description="Only the fields given change.")
class UpdateBusinessCalendarInput:
    name: strawberry.Maybe[str]
    week_starts: strawberry.Maybe[Weekday]
    week_ends: strawberry.Maybe[Weekday]
    day_starts: strawberry.Maybe[LocalTime]
    day_ends: strawberry.Maybe[LocalTime]
    time_zone: strawberry.Maybe[str]

    def to_settings(self) -> grs.CalendarSettings:
        return grs.CalendarSettings(
            name=given(self.name),
            week_starts=given(self.week_starts),
            week_ends=given(self.week_ends),
            day_starts=given(self.day_starts),
            day_ends=given(self.day_ends),
            time_zone_id=given(self.time_zone),
        )


def _ref(
    info: Info, id: strawberry.ID, tenant_id: str | None, package_id: str | None
) -> grs.CalendarRef:
    return info.context.services.calendars.ref(id, tenant_id, package_id)


TenantArg = Annotated[
    strawberry.ID | None, strawberry.argument(description="Defaults to CALENDARS_TENANT.")
]
PackageArg = Annotated[
    strawberry.ID | None, strawberry.argument(description="Defaults to CALENDARS_PACKAGE.")
]


CALENDARS_CURSOR = "calendars"


@strawberry.type
class CalendarQuery:
    @strawberry.field(description="The GRS tenants the gateway's user may see.")
    async def calendar_tenants(self, info: Info) -> list[CalendarTenant] | None:
        tenants = await info.context.services.calendars.tenants()
        return [CalendarTenant(id=strawberry.ID(t.id), name=t.name) for t in tenants]

    @strawberry.field(description="What the gateway's GRS user may do with a tenant's calendars.")
    async def calendar_permissions(
        self, info: Info, tenant_id: TenantArg = None
    ) -> CalendarPermissions | None:
        permissions = await info.context.services.calendars.permissions(tenant_id)
        return CalendarPermissions.from_domain(permissions)

    @strawberry.field(
        description="The business calendars of a tenant's rules package, a page at a time."
    )
    async def business_calendars_connection(
        self,
        info: Info,
        tenant_id: TenantArg = None,
        package_id: PackageArg = None,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[BusinessCalendar] | None:
        size, offset = page_size(first), start_offset(CALENDARS_CURSOR, after)
        service = info.context.services.calendars
        scope = service.ref("", tenant_id, package_id)
        # Through the request's snapshot: a page agrees with businessCalendar(id) beside it.
        calendars = await info.context.calendars.calendars(scope.tenant_id, scope.package_id)
        window = slice_window(calendars, offset, size)
        return window_connection(
            CALENDARS_CURSOR, window, lambda c: BusinessCalendar.from_domain(c, scope)
        )

    @strawberry.field(
        description="The business calendars of a tenant's rules package.",
        deprecation_reason="Use businessCalendarsConnection: it pages.",
    )
    async def business_calendars(
        self, info: Info, tenant_id: TenantArg = None, package_id: PackageArg = None
    ) -> list[BusinessCalendar] | None:
        service = info.context.services.calendars
        scope = service.ref("", tenant_id, package_id)
        calendars = await info.context.calendars.calendars(scope.tenant_id, scope.package_id)
        return [BusinessCalendar.from_domain(c, scope) for c in calendars]

    @strawberry.field(description="One business calendar, by calendarId or external id.")
    async def business_calendar(
        self,
        info: Info,
        id: strawberry.ID,
        tenant_id: TenantArg = None,
        package_id: PackageArg = None,
    ) -> BusinessCalendar | None:
        ref = _ref(info, id, tenant_id, package_id)
        return BusinessCalendar.from_domain(await info.context.calendars.calendar(ref), ref)


@strawberry.type
class CalendarMutation:
    @strawberry.mutation
    async def create_business_calendar(
        self,
        info: Info,
        input: CreateBusinessCalendarInput,
        tenant_id: TenantArg = None,
        package_id: PackageArg = None,
    ) -> BusinessCalendar:
        service = info.context.services.calendars
        scope = service.ref("", tenant_id, package_id)
        created = await service.create(input.to_settings(), scope.tenant_id, scope.package_id)
        return BusinessCalendar.from_domain(created, scope)

    @strawberry.mutation(description="Changes the given settings under the calendar's lock.")
    async def update_business_calendar(
        self,
        info: Info,
        id: strawberry.ID,
        input: UpdateBusinessCalendarInput,
        tenant_id: TenantArg = None,
        package_id: PackageArg = None,
    ) -> BusinessCalendar:
        ref = _ref(info, id, tenant_id, package_id)
        updated = await info.context.services.calendars.update(ref, input.to_settings())
        return BusinessCalendar.from_domain(updated, ref)

    @strawberry.mutation(description="Replaces all of the calendar's exceptions.")
    async def replace_calendar_exceptions(
        self,
        info: Info,
        id: strawberry.ID,
        exceptions: list[CalendarExceptionInput],
        tenant_id: TenantArg = None,
        package_id: PackageArg = None,
    ) -> BusinessCalendar:
        ref = _ref(info, id, tenant_id, package_id)
        wanted = [e.to_domain() for e in exceptions]
        updated = await info.context.services.calendars.replace_exceptions(ref, wanted)
        return BusinessCalendar.from_domain(updated, ref)

    @strawberry.mutation(description="Adds one exception, keeping the others.")
    async def add_calendar_exception(
        self,
        info: Info,
        id: strawberry.ID,
        exception: CalendarExceptionInput,
        tenant_id: TenantArg = None,
        package_id: PackageArg = None,
    ) -> BusinessCalendar:
        ref = _ref(info, id, tenant_id, package_id)
        updated = await info.context.services.calendars.add_exception(ref, exception.to_domain())
        return BusinessCalendar.from_domain(updated, ref)

    @strawberry.mutation(description="Removes the exception with this name.")
    async def remove_calendar_exception(
        self,
        info: Info,
        id: strawberry.ID,
        name: str,
        tenant_id: TenantArg = None,
        package_id: PackageArg = None,
    ) -> BusinessCalendar:
        ref = _ref(info, id, tenant_id, package_id)
        updated = await info.context.services.calendars.remove_exception(ref, name)
        return BusinessCalendar.from_domain(updated, ref)

    @strawberry.mutation(description="Deletes the calendar; answers its calendarId.")
    async def delete_business_calendar(
        self,
        info: Info,
        id: strawberry.ID,
        tenant_id: TenantArg = None,
        package_id: PackageArg = None,
    ) -> strawberry.ID:
        ref = _ref(info, id, tenant_id, package_id)
        return strawberry.ID(await info.context.services.calendars.delete(ref))
