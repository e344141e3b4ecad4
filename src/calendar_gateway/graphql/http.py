"""GraphQL over HTTP, to the letter: what a request may be, and what each answer looks like.

Strawberry's view runs the operations; this one owns the edges of the protocol
(https://graphql.github.io/graphql-over-http/draft/):

- a request is read strictly: a JSON object (or a batch of them) with typed members, or GET
  parameters; anything else is refused with a coded GraphQL error, never text/plain or a 500;
- the answer is ``application/graphql-response+json`` to a client that prefers it, where a
  request that never ran (unparsable, invalid, bad variables) is a 400 without ``data``;
  legacy ``application/json`` clients keep their 200;
- a mutation over GET is 405 with ``Allow: POST``; GET answers carry ``Cache-Control``.
"""

from __future__ import annotations

import functools
from typing import Any, TypeGuard, TypeVar

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException, StarletteRequestAdapter
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.base import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from calendar_gateway.graphql.context import Context
from calendar_gateway.protection.rejection import (
    GRAPHQL_RESPONSE_JSON,
    code_for,
    rejection,
    response_media_type,
)

MAX_JSON_DEPTH = 64
"""Nesting a request's JSON may have: deep enough for any input here, and far from the depth
at which walking a value (coercion, logging, errors) would exhaust Python's stack."""

HEADER_VALUES_KEPT = 64
"""Distinct values of a header (Accept, Content-Type) whose reading is remembered: clients
send a handful."""

# Codes of errors in a result that are answered 200 even to graphql-response+json clients.
# Apollo's rule: the client is about to send the query, and must read this answer to do so.
_ANSWERED_OK = frozenset({"PERSISTED_QUERY_NOT_FOUND"})

T = TypeVar("T")

_QUERIES = frozenset({OperationType.QUERY})
_OPERATIONS_OVER_POST = frozenset(OperationType.from_http("POST"))


class RequestError(HTTPException):
    """A request refused before any operation ran, with its GraphQL error code."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status, message)
        self.code = code
        self.headers = headers or {}


def bad_request(message: str) -> RequestError:
    return RequestError(400, "BAD_REQUEST", message)


class GraphQLOverHTTP(GraphQL[Context, None]):
    """Strawberry's ASGI view, with the protocol's edges made strict and coded."""

    def __init__(self, schema: BaseSchema, *, get_cache_control: str) -> None:
        super().__init__(schema)
        self.get_cache_control = get_cache_control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        body = await read_body(receive) if scope["method"] == "POST" else None
        request = Request(scope, receive if body is None else _replaying(body, receive))
        try:
            response = await (self.run(request) if body is None else self._answer(request, body))
        except HTTPException as error:
            response = self._refusal(request, error)
        await response(scope, receive, send)

    async def _answer(self, request: Request, body: bytes) -> Response:
        """Strawberry's ``run``, shortened for the common request: a POST of one operation.

        Its checks for WebSockets, the IDE, other methods, batches and streams answer
        nothing to such a request; nor do the layers between the view's ``execute_operation``
        and ``execute_single``, or a sub-response nothing sets (no resolver here touches
        ``Context.response``). The body, read already, is handed to Strawberry's parsing as
        it is. Any other request is left to ``run``, which reads the body again. The root
        value is None, as ``get_root_value`` says.
        """
        adapter = _BodyRead(request, body)
        request_data = await self.parse_http_body(adapter)
        if not answered_whole(request_data):
            return await self.run(request)
        media_type = _media_type(request.headers.get("accept"))
        context = await self.get_context(request, response=None)
        result = await self.execute_single(request, adapter, None, context, None, request_data)
        return Response(
            self.encode_json(await self.process_result(request, result)),
            status_code=400 if _refused(result, media_type) else 200,
            media_type=media_type,
        )

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> Context:
        """The operation's context, the app's to make (``GraphQLEndpoint``); ``response`` is
        None where the answer is built from the result alone (``_answer``)."""
        raise NotImplementedError

    def _refusal(self, request: Request, error: HTTPException) -> Response:
        code = error.code if isinstance(error, RequestError) else code_for(error.status_code)
        headers = dict(getattr(error, "headers", None) or {})
        if error.status_code == 405:
            headers.setdefault("Allow", "GET, POST")  # Strawberry's refusal of other methods
        if request.method == "GET":
            headers["Cache-Control"] = self.get_cache_control
        return rejection(error.status_code, code, error.reason, headers=headers)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        # Read back by create_response: Strawberry's hook has no request to negotiate with.
        sub_response.media_type = _media_type(request.headers.get("accept"))
        if isinstance(request, Request) and request.method == "GET":
            sub_response.headers["Cache-Control"] = self.get_cache_control
        return sub_response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        # Strawberry's, with the negotiated media type given at once rather than set after.
        response = Response(
            self.encode_json(response_data),
            status_code=sub_response.status_code or 200,
            media_type=sub_response.media_type or "application/json",
        )
        response.raw_headers.extend(sub_response.raw_headers)  # the lists headers.raw wraps
        response.background = sub_response.background
        return response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        answer = await super().process_result(request, result)
        if never_ran(result):
            # GraphQL spec, "Response": an error before execution leaves no data entry.
            answer.pop("data", None)
        return answer

    async def execute_operation(  # noqa: PLR0917 - Strawberry's signature
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Response,
    ) -> Any:
        result = await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )
        # A batch is not in the protocol: its answer is 200, each operation with its errors.
        if isinstance(result, ExecutionResult) and _refused(result, sub_response.media_type):
            sub_response.status_code = 400
        return result

    async def execute_single(  # noqa: PLR0917 - Strawberry's signature
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response | None,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        method = request_adapter.method
        # Over GET only queries: a subscription needs a streaming transport, none here.
        allowed = _QUERIES if method == "GET" else _OPERATIONS_OVER_POST
        try:
            return await self.schema.execute(
                request_data.query,
                variable_values=request_data.variables,
                context_value=context,
                root_value=root_value,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except MissingQueryError:
            raise bad_request("The request has no GraphQL query.") from None
        except CannotGetOperationTypeError as error:
            raise bad_request(error.as_http_error_reason()) from None
        except InvalidOperationTypeError as error:
            # Only a query may run over GET (GraphQL over HTTP, "GET").
            raise RequestError(
                405,
                "METHOD_NOT_ALLOWED",
                f"{error.as_http_error_reason('GET')}: send it with POST.",
                headers={"Allow": "POST"},
            ) from None

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        if request.method == "GET":
            return operation_from(get_parameters(request.query_params))
        if not _json_utf8(request.content_type or ""):
            raise RequestError(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                "Send the request as Content-Type: application/json (UTF-8).",
            )
        body = decode_json(await request.get_body())
        if not isinstance(body, list):
            return operation_from(body)
        batching = self.schema.config.batching_config
        if batching is None:
            raise bad_request("Batching is off: send one operation, a JSON object.")
        if not body or len(body) > batching["max_operations"]:
            raise bad_request(
                f"A batch has from 1 to {batching['max_operations']} operations;"
                f" this one has {len(body)}."
            )
        return [operation_from(item) for item in body]


class _BodyRead(StarletteRequestAdapter):
    """Strawberry's view of a request whose body has been read already."""

    def __init__(self, request: Request, body: bytes) -> None:
        super().__init__(request)
        self._read = body

    async def get_body(self) -> bytes:
        return self._read


async def read_body(receive: Receive) -> bytes:
    """A request's whole body, as Starlette's ``Request.body`` reads it.

    Without its stream of chunks, an async generator: 0.6% of a fan-out request's
    instructions (#17). The body's cap is the pipeline's, on ``receive``.
    """
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        if message["type"] == "http.request":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """``receive``, with the body it gave first given again: for whatever reads it later."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


_media_type = functools.lru_cache(maxsize=HEADER_VALUES_KEPT)(response_media_type)
"""response_media_type, remembered by Accept header: negotiated on every request otherwise."""


def is_json_utf8(content_type: str) -> bool:
    """Whether a Content-Type says JSON in UTF-8 (the charset, if given, must say so too)."""
    media_type, *parameters = content_type.lower().split(";")
    charsets = [
        value.strip().strip('"')
        for name, _, value in (p.partition("=") for p in parameters)
        if name.strip() == "charset"
    ]
    return media_type.strip() == "application/json" and all(c == "utf-8" for c in charsets)


def answered_whole(
    data: GraphQLRequestData | list[GraphQLRequestData],
) -> TypeGuard[GraphQLRequestData]:
    """One operation whose answer is one JSON document: no batch, no stream of events.

    Without an ``@`` in its text the operation has no directive, so no ``@defer`` or
    ``@stream`` either; without the word, it is no subscription (which plain HTTP refuses,
    coded, on Strawberry's path); without a text (a persisted query's hash) it is not known
    yet.
    """
    return (
        isinstance(data, GraphQLRequestData)
        and data.protocol == "http"
        and data.query is not None
        and "@" not in data.query
        and "subscription" not in data.query
    )


_json_utf8 = functools.lru_cache(maxsize=HEADER_VALUES_KEPT)(is_json_utf8)
"""is_json_utf8, remembered by Content-Type: clients send one or two."""


def never_ran(result: ExecutionResult) -> bool:
    """Refused before execution: parse, validation or variable errors, with no data at all."""
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or ())
    )


def _refused(result: ExecutionResult, media_type: str | None) -> bool:
    """Whether the answer is a 400: to a graphql-response+json client, an operation that
    never ran, unless its error is one a client acts on."""
    return media_type == GRAPHQL_RESPONSE_JSON and never_ran(result) and not _answered_ok(result)


def _answered_ok(result: ExecutionResult) -> bool:
    return any((e.extensions or {}).get("code") in _ANSWERED_OK for e in result.errors or ())


def decode_json(text: bytes | str) -> object:
    """A request's JSON, strictly: UTF-8, no lone surrogates, bounded nesting."""
    if not text or not text.strip():
        raise bad_request("The request body is empty: send a JSON object with a query.")
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise bad_request(f"The request is not valid JSON: {error}.") from None
    if _may_nest_deeper(text, MAX_JSON_DEPTH) and _depth(value) > MAX_JSON_DEPTH:
        raise bad_request(f"The request's JSON is nested more than {MAX_JSON_DEPTH} levels deep.")
    return value


def _may_nest_deeper(text: bytes | str, levels: int) -> bool:
    """Whether a JSON text has brackets enough to nest deeper than ``levels``.

    Every level but the innermost value opens with a bracket, so a text with fewer than
    ``levels`` of them cannot: counting them (in C) spares most requests the walk.
    """
    if isinstance(text, str):
        opened = text.count("{") + text.count("[")
    else:
        opened = text.count(b"{") + text.count(b"[")
    return opened >= levels


def _depth(value: object) -> int:
    # Iterative: a recursive walk would fail on the very input it measures.
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            pending.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, level + 1) for child in item)
    return deepest


def get_parameters(parameters: Any) -> dict[str, object]:
    """A GET request's parameters, ``variables`` and ``extensions`` decoded from JSON."""
    decoded: dict[str, object] = dict(parameters)
    for name in ("variables", "extensions"):
        text = decoded.get(name)
        if isinstance(text, str):
            decoded[name] = decode_json(text) if text else None
    return decoded


def operation_from(data: object) -> GraphQLRequestData:
    """One operation's request, each member of its documented type or refused."""
    if not isinstance(data, dict):
        raise bad_request("A GraphQL request is a JSON object (or, for a batch, an array of them).")
    return GraphQLRequestData(
        query=_member(data, "query", str, "a string"),
        variables=_member(data, "variables", dict, "an object"),
        operation_name=_member(data, "operationName", str, "a string"),
        extensions=_member(data, "extensions", dict, "an object"),
    )


def _member(data: dict[str, object], name: str, kind: type[T], described: str) -> T | None:
    value = data.get(name)
    if value is None or isinstance(value, kind):
        return value
    raise bad_request(f"The request's `{name}` must be {described} or null.")
