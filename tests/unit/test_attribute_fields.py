"""Fields without a resolver of their own read their attribute at once, as Strawberry's would."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLObjectType
from strawberry.extensions import FieldExtension
from strawberry.resolvers import is_default_resolver

from calendar_gateway.graphql.schema import create_schema, read_attributes_at_once


class Upper(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        return str(next_(source, info, **kwargs)).upper()


@strawberry.type
class Item:
    id: strawberry.ID
    time_zone: str
    renamed: str = strawberry.field(name="otherName")
    shouted: str = strawberry.field(extensions=[Upper()])
    missing: str | None

    @strawberry.field
    def computed(self) -> str:
        return f"{self.id}!"


class Broken:
    """An object lacking the attribute its type names: the field fails alike."""

    id = "b"
    time_zone = "UTC"
    renamed = "r"
    shouted = "s"


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [
            Item(id=strawberry.ID("1"), time_zone="UTC", renamed="r", shouted="s", missing=None),
            Broken(),  # type: ignore[list-item]
        ]


QUERY = "{ items { id timeZone otherName shouted missing computed } }"


def outcome(result: Any) -> tuple[object, list[tuple[str, object]]]:
    return result.data, [(e.message, e.path) for e in result.errors or []]


async def test_a_field_reads_its_attribute_as_strawberry_s_default_resolver_does() -> None:
    expected = outcome(await strawberry.Schema(query=Query).execute(QUERY))
    schema = strawberry.Schema(query=Query)
    read_attributes_at_once(schema._schema)
    assert outcome(await schema.execute(QUERY)) == expected
    assert expected[1], "the broken object's missing attribute is an error at its path"


def test_only_fields_without_resolver_or_extension_are_read_directly() -> None:
    schema = strawberry.Schema(query=Query)
    before = {name: f.resolve for name, f in schema._schema.get_type("Item").fields.items()}  # type: ignore[union-attr]
    read_attributes_at_once(schema._schema)
    after = schema._schema.get_type("Item").fields  # type: ignore[union-attr]
    changed = {name for name, field in after.items() if field.resolve is not before[name]}
    assert changed == {"id", "timeZone", "otherName", "missing"}
    assert all(is_default_resolver(after[name].resolve) for name in changed)


def test_every_field_of_the_gateway_without_a_resolver_is_read_directly() -> None:
    # Strawberry 0.341 names its basic-field resolver _get_basic_result: if that changes,
    # this fails rather than the shortcut silently going.
    left = [
        f"{type_.name}.{name}"
        for type_ in create_schema()._schema.type_map.values()
        if isinstance(type_, GraphQLObjectType)
        for name, field in type_.fields.items()
        if getattr(field.resolve, "__name__", None) == "_get_basic_result"
    ]
    read = [
        type_.name
        for type_ in create_schema()._schema.type_map.values()
        if isinstance(type_, GraphQLObjectType)
        for field in type_.fields.values()
        if getattr(field.resolve, "__name__", None) == "resolve"
    ]
    assert left == []
    assert len(read) > 100
