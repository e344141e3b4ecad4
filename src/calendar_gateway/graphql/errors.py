"""The error contract: typed failures become ``errors[].extensions`` in one place."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    ListValueNode,
    ObjectValueNode,
    ValueNode,
    Visitor,
    parse,
    visit,
)
from graphql.error import GraphQLError
from strawberry.exceptions import StrawberryInputCoercionError

from calendar_gateway.services.errors import (
    EditStoreUnavailableError,
    EditTimeoutError,
    InvalidInputError,
)
from calendar_gateway.services.feeds import FeedsDisabledError
from calendar_gateway.upstreams.errors import (
    BadRequestError,
    CalendarLockedError,
    FieldError,
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
        return {"code": "BAD_USER_INPUT", **_field_errors(error.problems)}
    if isinstance(error, EditTimeoutError):
        return {"code": "EDIT_TIMEOUT"}
    if isinstance(error, EditStoreUnavailableError):
        return {"code": "EDIT_UNAVAILABLE"}
    if isinstance(error, FeedsDisabledError):
        return {"code": "FEEDS_DISABLED"}
    if isinstance(error, UpstreamError):
        code = _upstream_code(error)
        return {"code": code, "upstream": error.upstream, **_details(error), **_named(error)}
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


def _field_errors(problems: Sequence[FieldError]) -> dict[str, Any]:
    """``field`` names the first; ``fieldErrors`` all of them, for a form to mark at once."""
    return {"field": problems[0].field, "fieldErrors": _listed(problems)}


def _listed(problems: Sequence[FieldError]) -> list[dict[str, str]]:
    return [{"field": p.field, "code": p.code, "message": p.message} for p in problems]


def _named(error: UpstreamError) -> dict[str, Any]:
    """The input field that named an unknown id, when the service could tell."""
    if isinstance(error, NotFoundError) and error.field is not None:
        return {"field": error.field}
    return {}


def _details(error: UpstreamError) -> dict[str, Any]:
    if isinstance(error, ValidationFailedError | BadRequestError):
        # GRS may send a 422 that lists no field, and Xelion's 400 names none: the list a form
        # reads is then empty, never an error.
        listed = error.field_errors if isinstance(error, ValidationFailedError) else ()
        return {"fieldErrors": _listed(listed)}
    if isinstance(error, CalendarLockedError):
        return {"lockOwner": error.lock_owner}
    if isinstance(error, LockLostError):
        return {"lockOwner": None}
    if isinstance(error, RateLimitedError):
        return {"retryAfter": error.retry_after}
    if isinstance(error, VendorError):
        return {"upstreamCode": error.upstream_code}
    return {}


def apply_contract(errors: list[GraphQLError]) -> None:
    """Give every error its code, in place, masking the ones we did not expect.

    Strawberry hands every error list of every path (parse, validation, execution)
    to ``Schema.process_errors``, which calls this: no error leaves uncoded.
    """
    for error in errors:
        _apply(error)
    _list_variable_fields(errors)


# graphql-core reports each invalid value of a variable as an error of its own, e.g.
# "Variable '$input' has invalid value at .start: ...".
_VARIABLE_VALUE = re.compile(r"Variable '\$(\w+)' has invalid value(?: at \.([^:]+))?:")


def _list_variable_fields(errors: list[GraphQLError]) -> None:
    """Give each refused input value its ``field``, and every field of that argument's.

    ``field`` is the path within the argument (``start``, ``recurrence.first``), as services
    name the fields of an input; a scalar argument is named itself. A value written in the
    document, refused by its scalar, is the client's input as a variable's is: BAD_USER_INPUT.
    """
    by_variable: dict[str, list[tuple[GraphQLError, FieldError]]] = {}
    literals = _Literals()
    for error in errors:
        if error.path is not None:
            continue
        found = _VARIABLE_VALUE.match(error.message)
        if found is not None:
            variable, where = found.groups()
        elif _refused_literal(error) and (named := literals.find(error)) is not None:
            variable, where = named
            error.extensions = {"code": "BAD_USER_INPUT"}
        else:
            continue
        problem = FieldError(where or variable, "INVALID", error.message)
        by_variable.setdefault(variable, []).append((error, problem))
    for refused in by_variable.values():
        listed = _listed([problem for _, problem in refused])
        for error, problem in refused:
            error.extensions = {**(error.extensions or {}), "field": problem.field}
            error.extensions["fieldErrors"] = listed


def _refused_literal(error: GraphQLError) -> bool:
    # A scalar of ours refuses with ValueError; graphql-core's own (Int, ...) raise
    # GraphQLError: a value of the wrong type, which the schema's validation reports.
    original = error.original_error
    return isinstance(original, ValueError) and not isinstance(original, GraphQLError)


class _Literals:
    """Where in the document refused values stand: (argument, path within it), by offset."""

    def __init__(self) -> None:
        self._documents: dict[str, dict[int, tuple[str, str]]] = {}

    def find(self, error: GraphQLError) -> tuple[str, str] | None:
        node = error.nodes[0] if error.nodes else None
        if node is None or node.loc is None or error.source is None:
            return None
        body = error.source.body
        if body not in self._documents:
            # It passed the parser's limits already; parsed again only for a refused value.
            self._documents[body] = _value_paths(parse(error.source))
        return self._documents[body].get(node.loc.start)


def _value_paths(document: DocumentNode) -> dict[int, tuple[str, str]]:
    paths: dict[int, tuple[str, str]] = {}

    def walk(value: ValueNode, argument: str, names: tuple[str, ...]) -> None:
        if value.loc is not None:
            paths[value.loc.start] = (argument, ".".join(names) or argument.partition("@")[0])
        if isinstance(value, ObjectValueNode):
            for field in value.fields:
                walk(field.value, argument, (*names, field.name.value))
        elif isinstance(value, ListValueNode):
            for item in value.values:
                walk(item, argument, names)

    class Arguments(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: object) -> None:
            # One argument's refused values are listed together, as one variable's are.
            start = node.loc.start if node.loc is not None else 0
            walk(node.value, f"{node.name.value}@{start}", ())

    visit(document, Arguments())
    return paths


def _apply(error: GraphQLError) -> None:
    original = error.original_error
    if error.path is None:
        # Raised before execution: about the client's own document or variables.
        error.message = _in_graphql_terms(error.message)
        # A limit's own error comes coded (OPERATION_TOO_COMPLEX, an oversized argument).
        if not (error.extensions or {}).get("code"):
            error.extensions = {"code": _document_code(error.message)}
        return
    if isinstance(original, StrawberryInputCoercionError):
        # Strawberry converts arguments while executing: still about the client's input.
        error.message = _in_graphql_terms(error.message)
        error.extensions = {"code": "BAD_USER_INPUT"}
        return
    if (error.extensions or {}).get("code"):
        return  # raised already coded, e.g. a field's own upstream error
    extensions = None if original is None else extensions_for(original)
    if extensions is None:
        # Unexpected: an exception of ours, or graphql-core's own complaint while executing
        # (a null in a non-null field) - either way the server's fault, not the client's.
        log.error("unexpected error in %s: %s", error.path, error.message, exc_info=original)
        error.message = INTERNAL_MESSAGE
        error.extensions = {"code": "INTERNAL_SERVER_ERROR"}
        error.original_error = None  # logged once; nothing of it goes further
        return
    error.message = str(original)
    error.extensions = {**(error.extensions or {}), **extensions}


# Strawberry's refusal of null for a field that may only be left out names Python types
# (Maybe[...], the repr of an enum's definition): say it as GraphQL would.
_EXPLICIT_NULL = re.compile(
    r"\b(Field|Argument)(?: '(\w+)')? of type 'Maybe\[.* cannot be explicitly set to null", re.S
)


def _in_graphql_terms(message: str) -> str:
    refused = _EXPLICIT_NULL.search(message)
    if refused is None:
        return message
    kind, name = refused.groups()
    if name is None:
        return "A field that may be left out cannot be null: leave it out instead."
    return f"{kind} '{name}' cannot be null: leave it out instead."


def _document_code(message: str) -> str:
    if message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if message.startswith("Variable '$"):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"
