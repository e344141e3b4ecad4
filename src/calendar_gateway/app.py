"""The ASGI application: GraphQL, GraphiQL's files, and the upstream clients' lifespan."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar
from functools import cached_property

import httpx
import orjson
from aiocache.base import BaseCache
from cross_web import AsyncHTTPRequestAdapter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.dataloader import DataLoader
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from calendar_gateway import graphiql, health, logs, metrics, tracing
from calendar_gateway.caching import ReadCache, close_store, open_store
from calendar_gateway.correlation import RequestIdMiddleware
from calendar_gateway.graphql.context import Context, Services
from calendar_gateway.graphql.persisted_queries import (
    PersistedQueries,
    PersistedQueryNotFoundError,
)
from calendar_gateway.graphql.schema import create_schema
from calendar_gateway.locking import LocalMutex, Mutex, RedisMutex
from calendar_gateway.protection import Protection
from calendar_gateway.services.appointments import AppointmentService
from calendar_gateway.services.bookings import BookingService
from calendar_gateway.services.calendars import CalendarService
from calendar_gateway.services.timezones import resolve_zone
from calendar_gateway.settings import Settings
from calendar_gateway.upstreams.appointments import AppointmentsClient
from calendar_gateway.upstreams.bookings import BookingsClient
from calendar_gateway.upstreams.calendars import CalendarsClient
from calendar_gateway.upstreams.circuit import CircuitBreaker
from calendar_gateway.upstreams.retry import RetryPolicy
from calendar_gateway.upstreams.transport import Transport
from calendar_gateway.upstreams.xelion_session import XelionCredentials, XelionSession

# The transports made while the services start, by upstream: readiness and metrics watch
# them without each service having to hand its transport back.
_made_transports: ContextVar[dict[str, Transport] | None] = ContextVar(
    "made_transports", default=None
)


class GraphQLEndpoint(GraphQL[Context, None]):
    """Strawberry's ASGI view, with our context and an offline GraphiQL."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(create_schema(settings))
        self.settings = settings
        self.services: Services | None = None
        self.persisted_queries: PersistedQueries | None = None

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        if self.services is None or not isinstance(request, Request):
            raise RuntimeError("GraphQL over HTTP only, once the lifespan has started")
        return Context(
            request=request,
            response=response if isinstance(response, Response) else None,
            services=self.services,
            booking_loader=DataLoader(load_fn=self.services.bookings.get_many),
            appointment_loader=DataLoader(load_fn=self.services.appointments.get_many),
        )

    async def execute_single(  # noqa: PLR0917 - Strawberry's signature
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        if self.persisted_queries is not None:
            try:
                request_data = await self.persisted_queries.resolve(request_data)
            except PersistedQueryNotFoundError as error:
                return ExecutionResult(data=None, errors=[error])
        return await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )

    @cached_property
    def offline_ide_html(self) -> str:
        return graphiql.offline_page(self.graphql_ide_html)

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(self.offline_ide_html)

    def encode_json(self, data: object) -> bytes:
        # About 14 x faster than json.dumps on a large answer (docs/benchmarks.md).
        return orjson.dumps(data)


def create_app(settings: Settings) -> Starlette:
    endpoint = GraphQLEndpoint(settings)
    upstreams: dict[str, Transport] = {}
    readiness = health.Readiness(upstreams, settings.readiness_cache_seconds)
    registry = metrics.registry_for(upstreams)
    protection = Protection(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(protection.aclose)
            with _collecting_transports() as made:
                store = open_store(settings.redis_url, settings.redis_key_prefix)
                stack.push_async_callback(close_store, store)
                endpoint.persisted_queries = PersistedQueries(store)
                endpoint.services = await _start_services(settings, stack, store)
                # Tests reach the running services here, e.g. to see which mutexes are held.
                app.state.services = endpoint.services
            upstreams.update(made)
            yield
            endpoint.services = None
            upstreams.clear()

    async def metrics_endpoint(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/graphql", endpoint, methods=["GET", "POST"]),
            Route("/healthz", health.healthz),
            Route("/readyz", health.readyz(readiness)),
            Route("/metrics", metrics_endpoint),
            Mount(graphiql.MOUNT, app=graphiql.assets(), name="graphiql-assets"),
        ],
        middleware=[Middleware(RequestIdMiddleware), *protection.middleware],
        lifespan=lifespan,
    )


@contextlib.contextmanager
def _collecting_transports() -> Iterator[dict[str, Transport]]:
    made: dict[str, Transport] = {}
    token = _made_transports.set(made)
    try:
        yield made
    finally:
        _made_transports.reset(token)


def _transport(settings: Settings, upstream: str, base_url: str) -> Transport:
    read = getattr(settings, f"{upstream}_timeout_seconds") or settings.upstream_timeout_seconds
    transport = Transport(
        upstream,
        base_url,
        timeout=httpx.Timeout(
            read,
            connect=settings.upstream_connect_timeout_seconds,
            pool=settings.upstream_pool_timeout_seconds,
        ),
        max_concurrency=settings.upstream_max_concurrency,
        retry=RetryPolicy(
            attempts=settings.upstream_retry_attempts,
            base_delay=settings.upstream_retry_base_seconds,
            max_delay=settings.upstream_retry_max_seconds,
            max_retry_after=settings.upstream_retry_after_max_seconds,
        ),
        circuit=CircuitBreaker(settings.circuit_failure_threshold, settings.circuit_reset_seconds),
    )
    made = _made_transports.get()
    if made is not None:
        made[upstream] = transport
    return transport


async def _start_services(
    settings: Settings, stack: contextlib.AsyncExitStack, store: BaseCache
) -> Services:
    calendars_transport = _transport(settings, "calendars", settings.calendars_url)
    stack.push_async_callback(calendars_transport.aclose)
    calendars = CalendarsClient(
        calendars_transport,
        settings.calendars_user,
        settings.calendars_password.get_secret_value(),
    )
    bookings_transport = _transport(settings, "bookings", settings.bookings_url)
    stack.push_async_callback(bookings_transport.aclose)
    bookings = BookingsClient(
        bookings_transport,
        settings.bookings_user,
        settings.bookings_password.get_secret_value(),
        settings.bookings_version,
    )
    return Services(
        calendars=CalendarService(
            calendars,
            _read_cache(
                store, settings, "calendars", settings.calendars_url, settings.calendars_user
            ),
            _mutex(settings, stack),
            settings.calendars_tenant,
            settings.calendars_package,
        ),
        bookings=BookingService(
            bookings,
            _read_cache(store, settings, "bookings", settings.bookings_url, settings.bookings_user),
        ),
        appointments=AppointmentService(
            _appointments_client(settings, stack),
            _read_cache(
                store,
                settings,
                "appointments",
                settings.appointments_url,
                settings.appointments_user,
            ),
            resolve_zone(settings.appointments_timezone),
        ),
    )


def _own_user_space(configured: str) -> str:
    # Xelion refuses a second login into one userSpace (10005) until the first session
    # ends: each worker process, and a restart before the old token expires, needs its own.
    return f"{configured}-{secrets.token_hex(4)}"


def _appointments_client(
    settings: Settings, stack: contextlib.AsyncExitStack
) -> AppointmentsClient:
    transport = _transport(settings, "appointments", settings.appointments_url)
    stack.push_async_callback(transport.aclose)
    credentials = XelionCredentials(
        settings.appointments_user,
        settings.appointments_password.get_secret_value(),
        _own_user_space(settings.appointments_userspace),
    )
    session = XelionSession(
        transport, credentials, max_in_flight=settings.appointments_max_in_flight
    )
    client = AppointmentsClient(session)
    # Pushed after the transport, so it runs first: log out while the transport is open.
    stack.push_async_callback(client.aclose)
    return client


def _read_cache(
    store: BaseCache, settings: Settings, upstream: str, url: str, user: str
) -> ReadCache:
    # Scoped by who we are upstream: no answer crosses credentials.
    return ReadCache(store, upstream, f"{upstream}|{url}|{user}", settings.cache_ttl_seconds)


def _mutex(settings: Settings, stack: contextlib.AsyncExitStack) -> Mutex:
    if settings.redis_url is None:
        return LocalMutex()
    redis = Redis.from_url(settings.redis_url)
    stack.push_async_callback(redis.aclose)
    # Gateways in front of different GRS servers may share one Redis.
    return RedisMutex(redis, f"{settings.redis_key_prefix}:{settings.calendars_url}")


def create_app_from_env() -> Starlette:
    """The factory ``serve`` hands to uvicorn, so each worker reads the environment."""
    settings = Settings()  # type: ignore[call-arg]
    logs.configure(settings)
    tracing.configure(settings.otel_traces_exporter)
    return create_app(settings)
