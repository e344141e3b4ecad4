"""The root-field rule and the limit factories, against the real schema without a server."""

from __future__ import annotations

from graphql import parse, validate
from strawberry.extensions import AddValidationRules

from calendar_gateway.graphql.limits import limits, root_field_limit
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
    # ValidationCache keys on the rule classes: new classes per request would never hit.
    factories = limits(settings_for("http://127.0.0.1:1"))
    first = [factory() for factory in factories]
    second = [factory() for factory in factories]
    assert all(a is not b for a, b in zip(first, second, strict=True))
    assert isinstance(first[0], AddValidationRules)
    assert isinstance(second[0], AddValidationRules)
    assert first[0].validation_rules == second[0].validation_rules


def test_limits_leave_the_sdl_as_exported() -> None:
    settings = settings_for("http://127.0.0.1:1", introspection=False, max_root_fields=1)
    assert create_schema(settings).as_str() == create_schema().as_str()
