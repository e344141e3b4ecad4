"""The ASGI application: GraphQL, GraphiQL's files, and the upstream clients' lifespan."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator
from functools import cached_property

import orjson
from cross_web import AsyncHTTPRequestAdapter
from graphql.execution import ExperimentalIncrementalExecutionResults
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.http import GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.types import ExecutionResult

from calendar_gateway import caching, feeds, graphiql, health, logs, memory, metrics, tracing
from calendar_gateway.gateway import start_gateway
from calendar_gateway.graphql.context import Context
from calendar_gateway.graphql.persisted_queries import PersistedQueries, PersistedQueryError
from calendar_gateway.graphql.schema import create_schema
from calendar_gateway.graphql.snapshot import (
    AppointmentSnapshot,
    BookingSnapshot,
    CalendarSnapshot,
)
from calendar_gateway.graphql.websocket import GraphQLOverWebSocket
from calendar_gateway.http_pipeline import DirectRoute, HttpPipeline
from calendar_gateway.protection import Protection
from calendar_gateway.protection.rejection import http_error, internal_error
from calendar_gateway.services.container import Services
from calendar_gateway.services.feeds import FeedService
from calendar_gateway.settings import Settings
from calendar_gateway.shutdown import Shutdown
from calendar_gateway.upstreams.transport import Transport


class GraphQLEndpoint(GraphQLOverWebSocket):
    """The GraphQL endpoint, with our context, persisted queries and GraphiQL."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(create_schema(settings), get_cache_control=settings.get_cache_control)
        self.settings = settings
        self.configure_websocket(settings)
        self.services: Services | None = None
        self.persisted_queries: PersistedQueries | None = None

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> Context:
        if self.services is None:
            raise RuntimeError("GraphQL only once the lifespan has started")
        # Set in the request's own task, which runs the operation after this returns.
        caching.read_through.set(wants_fresh_reads(request.headers.get("cache-control")))
        return Context(
            request=request,
            response=response if isinstance(response, Response) else None,
            services=self.services,
            calendars=CalendarSnapshot(self.services.calendars),
            bookings=BookingSnapshot(self.services.bookings),
            appointments=AppointmentSnapshot(self.services.appointments),
        )

    async def execute_single(  # noqa: PLR0917 - Strawberry's signature
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response | None,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        if self.persisted_queries is None:
            return await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        try:
            request_data = await self.persisted_queries.resolve(request_data)
        except PersistedQueryError as error:
            return ExecutionResult(data=None, errors=[error])
        result = await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )
        # Errors without a path came before execution: the document did not pass. With @defer
        # the result is incremental, and its first part has them.
        first = (
            result.initial_result
            if isinstance(result, ExperimentalIncrementalExecutionResults)
            else result
        )
        if all(error.path is not None for error in first.errors or ()):
            await self.persisted_queries.keep(request_data)
        return result

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        return self.settings.graphiql and super().should_render_graphql_ide(request)

    @cached_property
    def ide_html(self) -> str:
        return graphiql.page(self.settings)

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(self.ide_html, headers={"Cache-Control": "no-cache"})

    def encode_json(self, data: object) -> bytes:
        # About 14 x faster than json.dumps on a large answer (docs/benchmarks.md).
        return orjson.dumps(data)


def wants_fresh_reads(cache_control: str | None) -> bool:
    """Whether a request's ``Cache-Control`` asks for answers revalidated at the origin."""
    directives = {d.strip().lower() for d in (cache_control or "").split(",")}
    return "no-cache" in directives or "max-age=0" in directives


# The paths /metrics counts requests by; any other is "other".
ROUTES = frozenset({"/graphql", "/healthz", "/readyz", "/metrics", graphiql.MOUNT})


def create_app(settings: Settings) -> Starlette:
    endpoint = GraphQLEndpoint(settings)
    upstreams: dict[str, Transport] = {}
    readiness = health.Readiness(upstreams, settings.readiness_cache_seconds)
    lifecycle = health.Lifecycle(Shutdown(settings.shutdown_drain_seconds))
    registry = metrics.registry_for(upstreams, settings.prometheus_multiproc_dir)
    protection = Protection(settings)
    reclaimer = memory.Reclaimer()
    # A WebSocket's refused credentials count as a request's do.
    endpoint.auth_failures = protection.failures

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            stack.enter_context(lifecycle.shutdown.on_sigterm())
            stack.push_async_callback(protection.aclose)
            await stack.enter_async_context(memory.reclaiming(reclaimer))
            gateway = start_gateway(settings, stack)
            endpoint.services = gateway.services
            endpoint.persisted_queries = gateway.persisted_queries
            # Tests reach the running services here, e.g. to see which mutexes are held.
            app.state.services = gateway.services
            upstreams.update(gateway.transports)
            readiness.redis = _redis_probe(settings.redis_url, stack)
            lifecycle.started = True
            yield
            lifecycle.started = False
            endpoint.services = None
            upstreams.clear()

    async def metrics_endpoint(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    # First, so that the router would lead its requests to it as the pipeline does.
    graphql = Route("/graphql", endpoint, methods=["GET", "POST"])
    direct = DirectRoute(graphql, on_http_error=http_error)
    return Starlette(
        routes=[
            graphql,
            WebSocketRoute("/graphql", endpoint),
            Route("/healthz", health.healthz),
            Route(
                "/readyz",
                health.readyz(readiness, lifecycle, settings.readiness_requires_upstreams),
            ),
            Route("/metrics", metrics_endpoint),
            Route(feeds.PATH, feeds.feed_endpoint(lambda: _feeds(endpoint)), methods=["GET"]),
            *(graphiql.routes() if settings.graphiql else []),
        ],
        middleware=[
            Middleware(
                HttpPipeline,
                routes=ROUTES,
                reclaimer=reclaimer,
                protection=protection,
                direct=direct,
            ),
        ],
        # Every refusal, even of a path or a method no route takes, is a coded GraphQL error.
        # The direct route's refusals too: the same handler.
        exception_handlers={HTTPException: http_error, Exception: internal_error},
        lifespan=lifespan,
    )


def _redis_probe(url: str | None, stack: contextlib.AsyncExitStack) -> Redis | None:
    # A client of its own: readiness must not wait behind the cache's or the locks' pool.
    if url is None:
        return None
    redis = Redis.from_url(url, socket_timeout=health.REDIS_PROBE_SECONDS)
    stack.push_async_callback(redis.aclose)
    return redis


def _feeds(endpoint: GraphQLEndpoint) -> FeedService | None:
    return None if endpoint.services is None else endpoint.services.feeds


def create_app_from_env() -> Starlette:
    """The factory ``serve`` hands to uvicorn, so each worker reads the environment."""
    settings = Settings()  # type: ignore[call-arg]
    logs.configure(settings)
    tracing.configure(settings.otel_traces_exporter)
    memory.return_large_blocks()
    app = create_app(settings)
    _freeze_start_up_objects()
    return app


def _freeze_start_up_objects() -> None:
    # The modules and the schema live as long as the process. Left to the collector, each
    # full collection walks all of them again: about a third of the CPU under make bench's
    # load went to collections. Frozen, they are skipped; only what requests made is walked.
    gc.collect()
    gc.freeze()
    # Every request allocates thousands of objects that die with it, and refcounting frees
    # them: under make bench's fan-out load young collections found nothing to free. Each
    # walked every live object of the requests in flight instead: at 64 connections one took
    # 8 ms, and at a threshold of 10,000 they ran five times a second, 6% of the CPU. At
    # 50,000 they run every few seconds. Cycles (a write leaves some, ~270 objects) wait
    # longer: at most 50,000 objects, a few MB. The older generations keep their ratios.
    gc.set_threshold(50_000, 10, 10)
