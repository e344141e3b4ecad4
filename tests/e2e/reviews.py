"""A second subgraph for the federation tests: reviewers' notes on calendar-gateway's entities.

It knows the entities only by their keys, as another team's service would, so every other
field of them has to come from calendar-gateway through the supergraph.
"""

from __future__ import annotations

import strawberry
from strawberry.asgi import GraphQL

DADS_CALENDAR = ("default", "default", "dcc4a39b-3442-4408-a907-b85c44663681")
EGONS_BOOKING = "137463"
CAKE_APPOINTMENT = "1758831"


@strawberry.federation.type(keys=["id"])
class Booking:
    id: strawberry.ID

    @strawberry.field
    def review_note(self) -> str:
        return f"booking {self.id} reviewed"

    @classmethod
    def resolve_reference(cls, **key: str) -> Booking:
        return cls(id=strawberry.ID(key["id"]))


@strawberry.federation.type(keys=["tenantId packageId id"])
class BusinessCalendar:
    tenant_id: strawberry.ID
    package_id: strawberry.ID
    id: strawberry.ID

    @strawberry.field
    def review_note(self) -> str:
        return f"calendar {self.id} reviewed"

    @classmethod
    def resolve_reference(cls, **key: str) -> BusinessCalendar:
        return cls(
            tenant_id=strawberry.ID(key["tenantId"]),
            package_id=strawberry.ID(key["packageId"]),
            id=strawberry.ID(key["id"]),
        )


@strawberry.federation.type(keys=["id"])
class Appointment:
    id: strawberry.ID

    @strawberry.field
    def review_note(self) -> str:
        return f"appointment {self.id} reviewed"

    @classmethod
    def resolve_reference(cls, **key: str) -> Appointment:
        return cls(id=strawberry.ID(key["id"]))


@strawberry.type
class Query:
    @strawberry.field
    def appointments_under_review(self) -> list[Appointment]:
        return [Appointment(id=strawberry.ID(CAKE_APPOINTMENT))]

    @strawberry.field
    def bookings_under_review(self) -> list[Booking]:
        return [Booking(id=strawberry.ID(EGONS_BOOKING))]

    @strawberry.field
    def calendars_under_review(self) -> list[BusinessCalendar]:
        tenant_id, package_id, calendar_id = DADS_CALENDAR
        return [
            BusinessCalendar(
                tenant_id=strawberry.ID(tenant_id),
                package_id=strawberry.ID(package_id),
                id=strawberry.ID(calendar_id),
            )
        ]


def create_app() -> GraphQL[None, None]:
    schema = strawberry.federation.Schema(query=Query, federation_version="2.9")
    return GraphQL(schema)
