"""The error contract: typed failures become ``errors[].extensions`` in one place."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from calendar_gateway.services.errors import InvalidInputError
from calendar_gateway.upstreams.errors import (
    BadRequestError,
    CalendarLockedError,
    ForbiddenError,
    LockLostError,
    NotFoundError,
    RateLimitedError,
    UnauthenticatedError,
    UpstreamError,
    UpstreamUnavailableError,
    ValidationFailedError,
    VendorError,
)

log = logging.getLogger(__name__)

INTERNAL_MESSAGE = "Internal server error."


def extensions_for(error: Exception) -> dict[str, Any] | None:
    """The ``extensions`` of a known failure, or None for one we did not expect."""
    if isinstance(error, InvalidInputError):
        return {"code": "BAD_USER_INPUT", "field": error.field}
    if isinstance(error, UpstreamError):
        return {"code": _upstream_code(error), "upstream": error.upstream, **_details(error)}
    return None


def _upstream_code(error: UpstreamError) -> str:
    codes: list[tuple[type[UpstreamError], str]] = [
        (ValidationFailedError, "VALIDATION_FAILED"),
        (NotFoundError, "NOT_FOUND"),
        (CalendarLockedError, "CALENDAR_LOCKED"),
        (LockLostError, "CALENDAR_LOCKED"),
        (UnauthenticatedError, "UNAUTHENTICATED"),
        (ForbiddenError, "FORBIDDEN"),
        (RateLimitedError, "RATE_LIMITED"),
        (UpstreamUnavailableError, "UPSTREAM_UNAVAILABLE"),
        (BadRequestError, "BAD_USER_INPUT"),
        (VendorError, "UPSTREAM_ERROR"),
    ]
    return next((code for kind, code in codes if isinstance(error, kind)), "UPSTREAM_ERROR")


def _details(error: UpstreamError) -> dict[str, Any]:
    if isinstance(error, ValidationFailedError):
        fields = [
            {"field": f.field, "code": f.code, "message": f.message} for f in error.field_errors
        ]
        return {"fieldErrors": fields}
    if isinstance(error, CalendarLockedError):
        return {"lockOwner": error.lock_owner}
    if isinstance(error, LockLostError):
        return {"lockOwner": None}
    if isinstance(error, RateLimitedError):
        return {"retryAfter": error.retry_after}
    if isinstance(error, VendorError):
        return {"upstreamCode": error.upstream_code}
    return {}


def present(error: GraphQLError) -> GraphQLError:
    """The error as a client may see it: typed, or masked when unexpected."""
    original = error.original_error
    if error.path is None:
        # Raised before execution: about the client's own document or variables.
        return _rebuild(error, error.message, {"code": _document_code(error.message)})
    if original is None or isinstance(original, GraphQLError):
        return error
    extensions = extensions_for(original)
    if extensions is None:
        log.error("unexpected error in %s", error.path, exc_info=original)
        return _rebuild(error, INTERNAL_MESSAGE, {"code": "INTERNAL_SERVER_ERROR"})
    return _rebuild(error, str(original), {**(error.extensions or {}), **extensions})


def _document_code(message: str) -> str:
    if message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if message.startswith("Variable '$"):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def _rebuild(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


class ErrorContract(SchemaExtension):
    """Applies the error contract to every result before it leaves the schema."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if isinstance(result, (GraphQLExecutionResult, ExecutionResult)) and result.errors:
            result.errors = [present(error) for error in result.errors]
