"""What every resolver can reach: the domain services and the request."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry
from starlette.requests import Request
from starlette.responses import Response

from calendar_gateway.services.calendars import CalendarService


@dataclass(frozen=True)
class Services:
    """The domain services, made once in the app's lifespan."""

    calendars: CalendarService


@dataclass
class Context:
    """One per GraphQL request."""

    request: Request
    response: Response | None
    services: Services


Info = strawberry.Info[Context, None]
