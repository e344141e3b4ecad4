"""Mutations that mint iCalendar feed links: a signed, read-only URL per feed."""

from __future__ import annotations

import strawberry

from calendar_gateway.graphql.calendars import PackageArg, TenantArg
from calendar_gateway.graphql.context import Info
from calendar_gateway.services.feeds import FeedKind, FeedScope

strawberry.enum(FeedKind, description="What a feed lists.")


@strawberry.type(description="A feed link: anyone holding the URL can read this one feed.")
class FeedLink:
    url: str = strawberry.field(
        description="The feed, `text/calendar`; a calendar app subscribes to it as it is."
    )
    kind: FeedKind
    days_back: int = strawberry.field(description="Days before today that the feed lists.")
    days_ahead: int = strawberry.field(description="Days after today that the feed lists.")


async def _link(info: Info, scope: FeedScope) -> FeedLink:
    feeds = info.context.services.feeds
    token = await feeds.mint(scope)
    return FeedLink(
        url=feeds.url(token, str(info.context.request.base_url)),
        kind=scope.kind,
        days_back=feeds.window.days_back,
        days_ahead=feeds.window.days_ahead,
    )


@strawberry.type
class FeedMutation:
    @strawberry.mutation(
        description="A link to the iCalendar feed of one Synergist resource's bookings"
        " (of one company). Times are Synergist's wall clock, as floating times."
    )
    async def create_bookings_feed(
        self, info: Info, company: str, resource_id: strawberry.ID
    ) -> FeedLink:
        return await _link(info, FeedScope(FeedKind.BOOKINGS, (company, resource_id)))

    @strawberry.mutation(
        description="A link to the iCalendar feed of a Xelion calendar's appointments: a series"
        " once, with its RRULE, in APPOINTMENTS_TIMEZONE."
    )
    async def create_appointments_feed(self, info: Info, calendar_id: strawberry.ID) -> FeedLink:
        return await _link(info, FeedScope(FeedKind.APPOINTMENTS, (calendar_id,)))

    @strawberry.mutation(
        description="A link to the iCalendar feed of a business calendar's holidays,"
        " each date a day event. Fails NOT_FOUND for an unknown calendar."
    )
    async def create_holidays_feed(
        self,
        info: Info,
        id: strawberry.ID,
        tenant_id: TenantArg = None,
        package_id: PackageArg = None,
    ) -> FeedLink:
        ref = info.context.services.calendars.ref(id, tenant_id, package_id)
        scope = FeedScope(FeedKind.HOLIDAYS, (ref.tenant_id, ref.package_id, ref.calendar_id))
        return await _link(info, scope)
