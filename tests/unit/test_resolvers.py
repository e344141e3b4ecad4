"""Resolver functions called at once get the arguments, source and info that Strawberry's
wrapper would give them, and give the same answers and errors."""

from __future__ import annotations

import enum
from typing import Annotated, Any

import pytest
import strawberry
from graphql import GraphQLObjectType
from strawberry.extensions import FieldExtension
from strawberry.relay import GlobalID
from strawberry.types.base import StrawberryObjectDefinition

from calendar_gateway.graphql.resolvers import Resolver, call_resolvers_at_once
from calendar_gateway.graphql.schema import create_schema


class Shout(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        return str(next_(source, info, **kwargs)).upper()


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.input
class Inner:
    colour: Colour
    tags: list[str] | None = None


@strawberry.input
class Outer:
    name: str
    inner: Inner
    maybe: strawberry.Maybe[int | None] = None


@strawberry.type
class Thing:
    label: str

    @strawberry.field
    def echo(self, suffix: str = "") -> str:
        return self.label + suffix

    @strawberry.field
    def by_parent(self, parent: strawberry.Parent[Thing], info: strawberry.Info) -> str:
        return f"{parent.label} at {info.path.key} of {info.field_name}"


def same(word: str) -> str:
    return word


@strawberry.type
class Query:
    @strawberry.field
    def scalars(
        self,
        id: strawberry.ID,
        from_: Annotated[str, strawberry.argument(name="from")],
        limit: int | None = None,
        ids: list[strawberry.ID] | None = None,
    ) -> str:
        return repr((type(id).__name__, id, from_, limit, ids))

    @strawberry.field
    def converted(
        self, outer: Outer, colour: Colour | None = None, node: GlobalID | None = None
    ) -> str:
        return repr((outer, colour, node))

    @strawberry.field
    async def later(self, info: strawberry.Info, times: int) -> list[Thing]:
        return [Thing(label=f"{info.field_name}{n}") for n in range(times)]

    @strawberry.field
    def fails(self, why: str) -> str | None:
        raise ValueError(why)

    @strawberry.field
    async def fails_later(self, why: str) -> str | None:
        raise ValueError(why)

    shouted: str = strawberry.field(resolver=same, extensions=[Shout()])

    @strawberry.field
    @staticmethod
    def static(word: str) -> str:
        return word * 2


DOCUMENTS = [
    '{ scalars(id: 7, from: "a") }',
    '{ scalars(id: "x", from: "b", limit: 3, ids: ["1", 2]) }',
    'query($ids: [ID!], $l: Int) { scalars(id: 1, from: "c", ids: $ids, limit: $l) }',
    '{ converted(outer: { name: "n", inner: { colour: RED, tags: ["t"] } }) }',
    '{ converted(outer: { name: "n", inner: { colour: BLUE }, maybe: null }, colour: RED) }',
    '{ converted(outer: { name: "n", inner: { colour: BLUE }, maybe: 4 }, node: "VGhpbmc6MQ==") }',
    '{ converted(outer: { name: "n", inner: { colour: BLUE } }, node: "not a global id") }',
    '{ later(times: 2) { label echo e: echo(suffix: "!") byParent } }',
    '{ fails(why: "no") other: failsLater(why: "later") }',
    '{ shouted(word: "quiet") static(word: "ab") }',
]
VARIABLES = {"ids": ["5", "6"], "l": None}


def outcome(result: Any) -> tuple[object, list[tuple[str, object]]]:
    return result.data, [(e.message, e.path) for e in result.errors or []]


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_a_resolver_called_at_once_answers_as_through_strawberry(document: str) -> None:
    expected = outcome(await strawberry.Schema(query=Query).execute(document, VARIABLES))
    schema = strawberry.Schema(query=Query)
    call_resolvers_at_once(schema)
    assert outcome(await schema.execute(document, VARIABLES)) == expected


async def test_the_comparison_sees_converted_values_and_errors() -> None:
    # Guards the test above: its documents reach input objects, enums and errors.
    data, errors = outcome(await strawberry.Schema(query=Query).execute(DOCUMENTS[3]))
    assert "Inner(colour=<Colour.RED: 'red'>" in str(data)
    _, errors = outcome(await strawberry.Schema(query=Query).execute(DOCUMENTS[8]))
    assert [message for message, _ in errors] == ["no", "later"]


def test_fields_with_extensions_keep_strawberry_s_wrapper() -> None:
    schema = strawberry.Schema(query=Query)
    call_resolvers_at_once(schema)
    query = schema._schema.query_type
    assert query is not None
    at_once = {name for name, field in query.fields.items() if type(field.resolve) is Resolver}
    assert at_once == {"scalars", "converted", "later", "fails", "failsLater", "static"}


def test_the_gateway_s_resolvers_are_called_at_once() -> None:
    schema = create_schema()
    for type_ in schema._schema.type_map.values():
        definition = (type_.extensions or {}).get("strawberry-definition")
        if not isinstance(type_, GraphQLObjectType) or not isinstance(
            definition, StrawberryObjectDefinition
        ):
            continue
        for name, field in type_.fields.items():
            if type_.name != "Subscription" and getattr(field.resolve, "__name__", None) in {
                "_resolver",
                "_async_resolver",
            }:
                raise AssertionError(f"{type_.name}.{name} keeps Strawberry's wrapper")
    query = schema._schema.query_type
    assert query is not None
    fan_out = ("businessCalendar", "booking", "appointment")
    assert all(type(query.fields[name].resolve) is Resolver for name in fan_out)
