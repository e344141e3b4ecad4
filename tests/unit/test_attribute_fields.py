"""Fields without a resolver of their own read their attribute at once, and a scalar or enum
one completes at once, as Strawberry and graphql-core would have them."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry.extensions import FieldExtension
from strawberry.resolvers import is_default_resolver

from calendar_gateway.graphql.executor import Attribute, Executor
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
        if isinstance(field.resolve, Attribute)
    ]
    assert left == []
    assert len(read) > 100


@strawberry.enum
class Kind(enum.Enum):
    ONE = "one"
    TWO = "two"


@strawberry.type
class Leaves:
    """Every way a scalar or enum attribute completes: a value, null, or an error."""

    name: str
    nickname: str | None
    count: int
    kind: Kind
    at: datetime


@strawberry.type
class Holder:
    leaves: Leaves | None


class Odd:
    """What a source may hold that its type does not allow."""

    def __init__(self, **values: object) -> None:
        self.__dict__.update(values)


GOOD: dict[str, object] = {
    "name": "n",
    "nickname": None,
    "count": 3,
    "kind": Kind.TWO,
    "at": datetime(2030, 1, 7, tzinfo=UTC),
}
SOURCES: dict[str, dict[str, object]] = {
    "good": GOOD,
    "null in a non-null field": {**GOOD, "name": None},
    "a value its scalar refuses": {**GOOD, "count": "three"},
    "a value not of its enum": {**GOOD, "kind": "three"},
    "an error as its value": {**GOOD, "nickname": ValueError("no nickname")},
    "no such attribute": {key: value for key, value in GOOD.items() if key != "count"},
}


def holders_query(sources: list[dict[str, object]]) -> type:
    @strawberry.type
    class HolderQuery:
        @strawberry.field
        def holders(self) -> list[Holder]:
            return [Holder(leaves=Odd(**source)) for source in sources]  # type: ignore[arg-type]

        @strawberry.field
        async def later(self) -> Holder:
            return Holder(leaves=Odd(**sources[0]))  # type: ignore[arg-type]

    return HolderQuery


HOLDERS = """query Q($skip: Boolean!) {
  holders { leaves { name nickname count kind at alias: name ...More ... on Leaves { n2: name } } }
  later { leaves { kind skipped: count @skip(if: $skip) } }
}
fragment More on Leaves { count }"""


def located(result: Any) -> tuple[object, list[tuple[str, object, object]]]:
    errors = [
        (e.message, e.path, [(loc.line, loc.column) for loc in e.locations or []])
        for e in result.errors or []
    ]
    return result.data, sorted(errors, key=repr)


@pytest.mark.parametrize("case", list(SOURCES))
@pytest.mark.parametrize("skip", [True, False])
async def test_an_attribute_leaf_completes_as_graphql_core_completes_it(
    case: str, skip: bool
) -> None:
    # The good source first, then the odd one: a null or an error among list items, too.
    query = holders_query([GOOD, SOURCES[case]])
    plain = strawberry.Schema(query=query)
    direct = strawberry.Schema(query=query, execution_context_class=Executor)
    read_attributes_at_once(direct._schema)
    expected = located(await plain.execute(HOLDERS, variable_values={"skip": skip}))
    for _ in range(2):  # the first request and a later one
        assert located(await direct.execute(HOLDERS, variable_values={"skip": skip})) == expected
    assert (case == "good") == (not expected[1])


class SeesFields(strawberry.extensions.SchemaExtension):
    seen: ClassVar[list[str]] = []

    def resolve(
        self, _next: Any, root: Any, info: GraphQLResolveInfo[Any], *args: Any, **kwargs: Any
    ) -> Any:
        SeesFields.seen.append(info.field_name)
        return _next(root, info, *args, **kwargs)


async def test_an_extension_that_hooks_resolvers_still_sees_every_attribute_leaf() -> None:
    direct = strawberry.Schema(
        query=holders_query([GOOD]), execution_context_class=Executor, extensions=[SeesFields]
    )
    read_attributes_at_once(direct._schema)
    result = await direct.execute("{ holders { leaves { name count } } }")
    assert result.errors is None
    assert {"name", "count"} <= set(SeesFields.seen)
