"""Refusals made before any GraphQL runs, in the shape GraphQL clients read errors from.

Every refusal is a GraphQL response: ``{"errors": [{"message", "extensions": {"code"}}]}``,
as ``application/graphql-response+json`` to a client that prefers it, else ``application/json``
(GraphQL over HTTP, "Accept"). Never text/plain: a client reads every refusal the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

log = logging.getLogger(__name__)

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"

CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
}
"""The code of a refusal known only by its status, e.g. Starlette's own 404 and 405."""


def response_media_type(accept: str | None) -> str:
    """``application/graphql-response+json`` if the client prefers it, else ``application/json``.

    GraphQL over HTTP: a client that accepts the new type means it; a legacy client (no
    Accept, ``*/*``, or JSON preferred) keeps ``application/json`` and its 200 statuses.
    """
    weights = _weights(accept or "")
    preferred = weights.get(GRAPHQL_RESPONSE_JSON, 0.0)
    return GRAPHQL_RESPONSE_JSON if preferred > 0 and preferred >= weights.get(JSON, 0.0) else JSON


def _weights(accept: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for item in accept.split(","):
        media_type, *parameters = item.split(";")
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                weight = _quality(value.strip())
        weights[media_type.strip().lower()] = weight
    return weights


def _quality(value: str) -> float:
    try:
        weight = float(value)
    except ValueError:
        return 0.0
    return weight if 0.0 <= weight <= 1.0 else 0.0


class Rejection(Response):
    """A GraphQL error response whose media type follows the request's Accept header."""

    media_type = JSON

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            accept = Headers(scope=scope).get("accept")
            self.headers["content-type"] = response_media_type(accept)
        await super().__call__(scope, receive, send)


def rejection(
    status: int,
    code: str,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Response:
    error = {"message": message, "extensions": {"code": code, **(extensions or {})}}
    return Rejection({"errors": [error]}, status_code=status, headers=headers)


def code_for(status: int) -> str:
    return CODES.get(status, "BAD_REQUEST" if status < 500 else "INTERNAL_SERVER_ERROR")


async def http_error(request: Request, error: Exception) -> Response:
    """Starlette's own refusals (an unknown path, a method a route does not take), coded."""
    if not isinstance(error, HTTPException):
        return await internal_error(request, error)
    return rejection(
        error.status_code, code_for(error.status_code), error.detail, headers=error.headers
    )


async def internal_error(request: Request, error: Exception) -> Response:
    # Starlette re-raises the exception after this answer, so the server logs it once.
    return rejection(500, "INTERNAL_SERVER_ERROR", "Internal server error.")
