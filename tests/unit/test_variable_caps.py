"""The variables' caps, each declared variable's type looked up once: the same problems found."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, parse
from hypothesis import given
from hypothesis import strategies as st
from strawberry.types import ExecutionContext

from calendar_gateway.graphql.argument_sizes import ArgumentSizes, VariableCaps, declared_variables
from calendar_gateway.graphql.schema import create_schema

SCHEMA = create_schema()
SIZES = ArgumentSizes(max_ids=2, max_id_length=4, max_string_length=6)
DOCUMENT = parse(
    "query Q($a: ID, $b: String!, $c: [ID!], $d: Int, $e: Weekday,"
    " $f: CalendarExceptionInput, $g: [_Any!], $h: _Any, $i: [String]) { __typename }"
)
TEXT = st.text(alphabet="ab", max_size=9)
VALUES = st.recursive(
    st.none() | st.integers(0, 9) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
VARIABLES = st.dictionaries(st.sampled_from("abcdefghi"), VALUES | TEXT, max_size=9)


def found(caps: VariableCaps, variables: dict[str, Any]) -> list[tuple[str, str]]:
    context = ExecutionContext(
        query=None,
        schema=SCHEMA,
        allowed_operations=(),
        variables=variables,
        graphql_document=DOCUMENT,
        provided_operation_name="Q",
    )
    try:
        caps.check(context)
    except GraphQLError as error:
        return [(e["field"], e["message"]) for e in (error.extensions or {})["fieldErrors"]]
    return []


def every_value_walked(variables: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        problem
        for name, type_ in declared_variables(SCHEMA._schema, DOCUMENT, "Q")
        if name in variables
        for problem in SIZES.variable_problems(type_, variables[name], name)
    ]


CAPS = VariableCaps(SIZES)


@given(VARIABLES)
def test_the_caps_find_what_walking_every_value_finds(variables: dict[str, Any]) -> None:
    assert found(CAPS, variables) == every_value_walked(variables)


def test_a_long_id_and_a_long_string_are_both_found() -> None:
    assert found(CAPS, {"a": "x" * 5, "b": "y" * 7, "e": "z" * 7}) == [
        ("a", "An id of 5 characters; at most 4 are allowed."),
        ("b", "A string of 7 characters; at most 6 are allowed."),
        ("e", "A string of 7 characters; at most 6 are allowed."),
    ]
