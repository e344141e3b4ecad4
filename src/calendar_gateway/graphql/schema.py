"""The one schema over all three vendors."""

from __future__ import annotations

import strawberry
from graphql.error import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from calendar_gateway.graphql.appointments import AppointmentMutation, AppointmentQuery
from calendar_gateway.graphql.availability import AvailabilityQuery
from calendar_gateway.graphql.bookings import BookingMutation, BookingQuery
from calendar_gateway.graphql.calendars import CalendarMutation, CalendarQuery
from calendar_gateway.graphql.errors import apply_contract
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

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Instead of Strawberry's logging of every error: the contract codes them, and logs
        # only the unexpected; an upstream saying no is not a stack trace.
        apply_contract(errors)


def create_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema; with ``settings``, also their limits and batching (the SDL is the same)."""
    return Schema(
        query=Query,
        mutation=Mutation,
        # The newest version that both composition libraries in tests/e2e understand.
        federation_version="2.9",
        extensions=[
            OperationObserver,
            UpstreamWarnings,
            ParserCache,
            ValidationCache,
            *(limits(settings) if settings else []),
        ],
        config=StrawberryConfig(
            scalar_map=SCALARS,
            batching_config=(
                {"max_operations": settings.max_batch_operations} if settings else None
            ),
        ),
    )
