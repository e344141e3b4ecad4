"""GraphQL over WebSocket (graphql-transport-ws) at /graphql: who connects, and who keeps up.

- A connection authenticates once, in ``connection_init``'s payload, with the key or JWT a
  query sends (``{"Authorization": "Bearer <key>"}``), or in the upgrade request's header.
  Without a valid one it is closed with 4403, as the protocol has it.
- The server pings every SUBSCRIPTION_KEEPALIVE_SECONDS. A client that has not answered the
  last ping by the next one is not reading what it is sent: the connection is closed with
  SLOW_CONSUMER_CLOSE_CODE, so its messages stop piling up in the server's buffers.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from cross_web import AsyncHTTPRequestAdapter
from graphql import GraphQLError, parse
from starlette.authentication import AuthenticationError
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.streaming import HTTPStreamTransport
from strawberry.http.websocket_origin import normalize_allowed_origins
from strawberry.subscriptions import (
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    MULTIPART_SUBSCRIPTION_PROTOCOL,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ErrorMessage,
    PongMessage,
    SubscribeMessage,
)
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType
from strawberry.utils.operation import get_operation_type

from calendar_gateway.graphql.context import Context
from calendar_gateway.graphql.http import HEADER_VALUES_KEPT, GraphQLOverHTTP, bad_request
from calendar_gateway.protection.auth import (
    ApiKeyBackend,
    JwtBackend,
    MissingCredentialsError,
    backend_for,
    client_address,
    client_identity,
)
from calendar_gateway.protection.throttling import Windows
from calendar_gateway.settings import Settings

log = logging.getLogger(__name__)

SLOW_CONSUMER_CLOSE_CODE = 4008
SLOW_CONSUMER_REASON = "Slow consumer: the last ping went unanswered"
OVER_HTTP = "Only subscriptions run over WebSocket: send queries and mutations over HTTP."
_ACK: UnsetType = UNSET
"""connection_ack without a payload."""
INIT_WAIT = timedelta(seconds=10)
"""How long a new connection may take to send connection_init."""


class KeepAliveHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's graphql-transport-ws handler, with pings from the server."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answered = True

    async def handle(self) -> None:
        interval = getattr(self.view, "keepalive_seconds", None)
        pinging = asyncio.create_task(self._ping(interval)) if interval else None
        try:
            await super().handle()
        finally:
            if pinging is not None:
                pinging.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pinging

    async def handle_pong(self, message: PongMessage) -> None:
        self._answered = True

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        # Queries and mutations go over HTTP, where rate limits count them.
        payload = message.get("payload")
        if self.connection_acknowledged and isinstance(payload, dict):
            kind = _operation_type(payload.get("query"), payload.get("operationName"))
            if kind in (OperationType.QUERY, OperationType.MUTATION):
                await self.send_message(_refusal(message["id"], OVER_HTTP))
                return
        await super().handle_subscribe(message)

    async def _ping(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            if not self._answered:
                log.info("closing a WebSocket whose client stopped reading")
                await self._close_slow_consumer(interval)
                return
            self._answered = False
            try:
                await asyncio.wait_for(self.send_message({"type": "ping"}), interval)
            except TimeoutError:
                await self._close_slow_consumer(interval)
                return

    async def _close_slow_consumer(self, interval: float) -> None:
        # A client that reads nothing may not read the close frame either: bounded.
        with contextlib.suppress(Exception):
            close = self.websocket.close(SLOW_CONSUMER_CLOSE_CODE, SLOW_CONSUMER_REASON)
            await asyncio.wait_for(close, interval)


class TextFrames(ASGIWebSocketAdapter):
    """graphql-transport-ws messages go in text frames; the view encodes JSON as bytes."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(self.view.encode_json_string(message))
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected from error


class GraphQLOverWebSocket(GraphQLOverHTTP):
    """The GraphQL view, also over graphql-transport-ws: authenticated, with keep-alive."""

    graphql_transport_ws_handler_class = KeepAliveHandler
    websocket_adapter_class = TextFrames  # type: ignore[assignment]  # Strawberry's own says so
    keepalive_seconds: float | None = None
    auth_failures: Windows | None = None
    """AUTH_FAILURE_LIMIT's windows: set by the app, shared with HTTP authentication."""
    _backend: ApiKeyBackend | JwtBackend | None = None

    def configure_websocket(self, settings: Settings) -> None:
        # graphql-transport-ws, and Apollo's multipart HTTP subscriptions.
        self.protocols = (GRAPHQL_TRANSPORT_WS_PROTOCOL, MULTIPART_SUBSCRIPTION_PROTOCOL)
        self.connection_init_wait_timeout = INIT_WAIT
        # Counted per connection and per client by the subscriptions themselves, with a code.
        self.max_subscriptions_per_connection = None
        self.keepalive_seconds = settings.subscription_keepalive_seconds
        # Browsers send Origin on a handshake: the pages that may call over HTTP may connect.
        self.allowed_origins = normalize_allowed_origins(settings.cors_origins)
        backend = backend_for(settings)
        self._backend = backend if isinstance(backend, ApiKeyBackend | JwtBackend) else None

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        transport = self._transport_accepted(request.headers.get("accept", ""))
        if transport is None or isinstance(data, list):
            return data
        # The strict parse above reads the body only: the Accept header picks the transport.
        return replace(data, protocol=transport.protocol)

    # Strawberry parses Accept with email.message on every request: 1.3% of the gateway's
    # CPU under the fan-out load, for a value that hardly ever changes.
    @functools.cached_property
    def _transport_accepted(self) -> Callable[[str], HTTPStreamTransport | None]:
        """The stream transport an Accept header asks for, if any."""

        @functools.lru_cache(maxsize=HEADER_VALUES_KEPT)
        def accepted(accept: str) -> HTTPStreamTransport | None:
            return self._get_stream_transport_from_headers({"accept": accept})

        return accepted

    async def execute_operation(  # noqa: PLR0917 - Strawberry's signature
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Response,
    ) -> Any:
        if _plain_subscription(request_data):
            raise bad_request(
                "A subscription runs over graphql-transport-ws (a WebSocket to /graphql) or"
                ' multipart HTTP (Accept: multipart/mixed;subscriptionSpec="1.0").'
            )
        return await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        if self._backend is None:
            context.client = client_identity(context.request.scope)
            return _ACK
        address = client_address(context.request.scope)
        if self.auth_failures is not None and await self.auth_failures.blocked(address):
            raise ConnectionRejectionError({"code": "RATE_LIMITED"})
        try:
            token = _token(context.connection_params, context.request)
            if token is None:
                raise MissingCredentialsError("no bearer token in connection_init")
            _, client = self._backend.identify(token, context.request)
        except AuthenticationError as error:
            log.info("WebSocket authentication refused: %s", error)
            if self.auth_failures is not None:
                await self.auth_failures.hit(address)
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"}) from None
        context.client = client.identity
        return _ACK


def _plain_subscription(data: GraphQLRequestData | list[GraphQLRequestData]) -> bool:
    """A subscription asked for without a transport that can stream its events."""
    # The text is looked at first, so most requests are not parsed twice.
    return any(
        one.protocol == "http"
        and "subscription" in (one.query or "")
        and _operation_type(one.query, one.operation_name) is OperationType.SUBSCRIPTION
        for one in (data if isinstance(data, list) else [data])
    )


def _operation_type(query: object, operation_name: object) -> OperationType | None:
    """None when the document does not say: it is refused, coded, where it is run."""
    if not isinstance(query, str) or not isinstance(operation_name, str | None):
        return None
    try:
        return get_operation_type(parse(query), operation_name)
    except (GraphQLError, RuntimeError):
        return None


def _refusal(operation_id: str, message: str) -> ErrorMessage:
    error = GraphQLError(message, extensions={"code": "BAD_REQUEST"})
    return {"id": operation_id, "type": "error", "payload": [error.formatted]}


def _token(params: dict[str, object] | None, conn: HTTPConnection) -> str | None:
    """The bearer token of connection_init's payload, else of the upgrade request."""
    given = (params or {}).get("Authorization", (params or {}).get("authorization"))
    header = given if isinstance(given, str) else conn.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
