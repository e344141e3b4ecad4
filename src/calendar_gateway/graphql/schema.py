"""The one schema over all three vendors."""

from __future__ import annotations

import strawberry
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig

from calendar_gateway.graphql.appointments import AppointmentMutation, AppointmentQuery
from calendar_gateway.graphql.availability import AvailabilityQuery
from calendar_gateway.graphql.bookings import BookingMutation, BookingQuery
from calendar_gateway.graphql.calendars import CalendarMutation, CalendarQuery
from calendar_gateway.graphql.errors import ErrorContract
from calendar_gateway.graphql.limits import limits
from calendar_gateway.graphql.observability import OperationObserver
from calendar_gateway.graphql.scalars import SCALARS
from calendar_gateway.graphql.warnings import UpstreamWarnings
from calendar_gateway.settings import Settings


@strawberry.type
class Query(CalendarQuery, BookingQuery, AppointmentQuery, AvailabilityQuery):
    pass


@strawberry.type
class Mutation(CalendarMutation, BookingMutation, AppointmentMutation):
    pass


class Schema(strawberry.federation.Schema):
    """A Federation v2 subgraph: its entities can be joined from other subgraphs."""

    def process_errors(self, errors: object, execution_context: object = None) -> None:
        # ErrorContract logs what deserves it; expected upstream failures are not stack traces.
        return None


def create_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema; with ``settings``, also their limits on operations (the SDL is the same)."""
    return Schema(
        query=Query,
        mutation=Mutation,
        # The newest version that both composition libraries in tests/e2e understand.
        federation_version="2.9",
        # OperationObserver first: it leaves last, after ErrorContract has coded the errors.
        extensions=[
            OperationObserver,
            ErrorContract,
            UpstreamWarnings,
            ParserCache,
            ValidationCache,
            *(limits(settings) if settings else []),
        ],
        config=StrawberryConfig(scalar_map=SCALARS),
    )
