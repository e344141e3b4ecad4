"""The error contract on errors that never passed through a resolver of ours."""

from __future__ import annotations

from graphql.error import GraphQLError

from calendar_gateway.graphql.errors import INTERNAL_MESSAGE, apply_contract
from calendar_gateway.upstreams.errors import NotFoundError


def test_graphql_cores_own_execution_error_is_masked_as_internal() -> None:
    error = GraphQLError("Cannot return null for non-nullable field Query.x.", path=["x"])
    apply_contract([error])
    assert (error.message, error.extensions) == (
        INTERNAL_MESSAGE,
        {"code": "INTERNAL_SERVER_ERROR"},
    )


def test_an_error_raised_already_coded_keeps_its_code() -> None:
    error = GraphQLError(
        "calendars is down", path=["x"], extensions={"code": "UPSTREAM_UNAVAILABLE"}
    )
    apply_contract([error])
    assert (error.message, error.extensions) == (
        "calendars is down",
        {"code": "UPSTREAM_UNAVAILABLE"},
    )


def test_a_typed_upstream_failure_gets_its_code_and_upstream() -> None:
    error = GraphQLError(
        "x", path=["x"], original_error=NotFoundError("bookings", "no such booking")
    )
    apply_contract([error])
    assert (error.message, error.extensions) == (
        "no such booking",
        {"code": "NOT_FOUND", "upstream": "bookings"},
    )
