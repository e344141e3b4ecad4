"""The limits' rules and factories, against the real schema without a server."""

from __future__ import annotations

from graphql import ASTValidationRule, parse, validate

from calendar_gateway.graphql.admission import Admission
from calendar_gateway.graphql.limits import (
    NoFederationSdlRule,
    alias_limit,
    depth_limit,
    limits,
    root_field_limit,
)
from calendar_gateway.graphql.schema import create_schema
from tests.conftest import settings_for

SCHEMA = create_schema()._schema


def root_field_errors(query: str, limit: int) -> list[str]:
    return [error.message for error in validate(SCHEMA, parse(query), [root_field_limit(limit)])]


def test_root_fields_up_to_the_limit_pass() -> None:
    assert root_field_errors("{ a: __typename b: __typename }", 2) == []


def test_one_root_field_too_many_is_refused() -> None:
    assert root_field_errors("{ a: __typename b: __typename c: __typename }", 2) == [
        "The operation has 3 root fields; at most 2 are allowed."
    ]


def test_root_fields_in_fragments_count() -> None:
    query = """
        query { a: __typename ...F ... on Query { c: __typename } }
        fragment F on Query { b: __typename }
    """
    assert len(root_field_errors(query, 2)) == 1


def test_a_field_repeated_under_one_response_key_counts_once() -> None:
    assert root_field_errors("{ __typename __typename ... on Query { __typename } }", 1) == []


def test_each_operation_of_a_document_is_counted_alone() -> None:
    query = "query A { a: __typename b: __typename } query B { a: __typename b: __typename }"
    assert root_field_errors(query, 2) == []


def test_a_fragment_cycle_does_not_hang_the_count() -> None:
    query = """
        { ...F }
        fragment F on Query { __typename ...G }
        fragment G on Query { ...F }
    """
    assert root_field_errors(query, 5) == []


def test_each_request_gets_fresh_extensions_that_share_one_set_of_rules() -> None:
    # The admitted documents live with the rules: a request of its own would never hit them.
    factories = limits(settings_for("http://127.0.0.1:1"))
    first = [factory() for factory in factories]
    second = [factory() for factory in factories]
    assert all(a is not b for a, b in zip(first, second, strict=True))
    assert isinstance(first[0], Admission)
    assert isinstance(second[0], Admission)
    assert first[0].admission is second[0].admission


def chain(fragments: int, leaf: str = "__typename") -> str:
    """F1 spreads F2 twice, F2 spreads F3 twice, ...: 2**fragments paths to the leaf."""
    spreads = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(1, fragments)]
    return " ".join(["query { ...F1 }", *spreads, f"fragment F{fragments} on Query {{ {leaf} }}"])


def errors_of(query: str, *rules: type[ASTValidationRule]) -> list[str]:
    return [error.message for error in validate(SCHEMA, parse(query), rules)]


def test_chained_fragments_meet_each_limit_as_one_fragment_would() -> None:
    # Had the rules walked every path, 60 fragments would take longer than any test run.
    query = chain(60, 'booking(id: "1") { id }')
    assert errors_of(query, depth_limit(1), root_field_limit(1), alias_limit(0)) == []


def test_depth_through_chained_fragments_is_the_deepest_path() -> None:
    query = chain(60, 'booking(id: "1") { resource { id } }')
    assert errors_of(query, depth_limit(1)) == ["'anonymous' exceeds maximum operation depth of 1"]


def test_aliases_count_once_per_spread_of_their_fragment() -> None:
    query = chain(3, "a: __typename")
    assert errors_of(query, alias_limit(3)) == ["4 aliases found. Allowed: 3"]
    assert errors_of(query, alias_limit(4)) == []


def test_the_federation_sdl_rule_refuses_only_service() -> None:
    assert errors_of('{ _service { sdl } booking(id: "1") { id } }', NoFederationSdlRule) == [
        "The federation SDL (_service) is not served: set FEDERATION=true"
        " (or INTROSPECTION=true) to serve it."
    ]
    assert errors_of('{ booking(id: "1") { id } }', NoFederationSdlRule) == []


def test_limits_leave_the_sdl_as_exported() -> None:
    settings = settings_for("http://127.0.0.1:1", introspection=False, max_root_fields=1)
    assert create_schema(settings).as_str() == create_schema().as_str()
