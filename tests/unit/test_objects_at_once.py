"""An object whose selected fields are all attributes is completed in one pass, with the
data and errors graphql-core gives it field by field; anything else goes graphql-core's way."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any

import pytest
import strawberry
from graphql.execution import Executor as GraphQLCoreExecutor
from graphql.execution import ExperimentalIncrementalExecutionResults
from strawberry.extensions import ParserCache
from strawberry.schema.config import StrawberryConfig

from calendar_gateway.graphql import executor
from calendar_gateway.graphql.executor import Executor
from calendar_gateway.graphql.schema import read_attributes_at_once


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Tagged(Named):
    tag: str


@strawberry.type
class Place:
    city: str
    zone: str | None


@strawberry.type
class Person:
    id: strawberry.ID
    name: str
    nickname: str | None
    age: int
    home: Place
    work: Place | None
    tagged: Tagged
    friends: list[Place]

    @strawberry.field
    def greeting(self) -> str:
        return f"hello {self.name}"


class Source:
    """A person as a resolver may hand one over: any attribute, any value."""

    def __init__(self, **values: object) -> None:
        self.__dict__.update(values)


def place(city: object = "Oslo", zone: object = None) -> Source:
    return Source(city=city, zone=zone)


class Later:
    """An awaitable that can be awaited again: each source is read more than once."""

    def __await__(self) -> Generator[Any, None, str]:
        return asyncio.sleep(0, "late").__await__()


def good() -> dict[str, object]:
    return {
        "id": "7",
        "name": "Ada",
        "nickname": None,
        "age": 36,
        "home": place(),
        "work": place("Bergen", "CET"),
        "tagged": Tagged(name="t", tag="x"),
        "friends": [place("Rome")],
    }


SOURCES: dict[str, dict[str, object]] = {
    "good": good(),
    "null in a nullable object": {**good(), "work": None},
    "null in a non-null leaf": {**good(), "name": None},
    "null in a non-null object": {**good(), "home": None},
    "null in a nested non-null leaf": {**good(), "home": place(None)},
    "a value its scalar refuses": {**good(), "age": "old"},
    "an error as its value": {**good(), "nickname": ValueError("no nickname")},
    "an awaitable as its value": {**good(), "nickname": Later()},
    "no such attribute": {k: v for k, v in good().items() if k != "age"},
    "an object its type's predicate refuses": {**good(), "tagged": Source(name="t", tag="x")},
}

SELECTION = """{ id name nickname age years: age __typename
  home { city zone __typename } work { city ... on Place { zone } } }"""
DOCUMENTS = [
    f"{{ people {SELECTION} }}",
    f"{{ person {SELECTION} }}",
    "{ people { name tagged { name tag } } }",  # a type with an interface: a predicate
    "{ people { name friends { city } greeting } }",  # a list, a resolver
]


def query_of(sources: list[dict[str, object]]) -> type:
    @strawberry.type
    class Query:
        @strawberry.field
        def people(self) -> list[Person]:
            return [Source(**source) for source in sources]  # type: ignore[misc]

        @strawberry.field
        async def person(self) -> Person:
            await asyncio.sleep(0)
            return Source(**sources[-1])  # type: ignore[return-value]

    return Query


def outcome(result: Any) -> tuple[object, list[tuple[str, object, object]]]:
    errors = [
        (e.message, e.path, [(loc.line, loc.column) for loc in e.locations or []])
        for e in result.errors or []
    ]
    return result.data, sorted(errors, key=repr)


def schemas(query: type) -> tuple[strawberry.Schema, strawberry.Schema]:
    plain = strawberry.Schema(query=query)
    # A document's later operations reuse its nodes, as the gateway's admission keeps them.
    direct = strawberry.Schema(
        query=query, execution_context_class=Executor, extensions=[ParserCache]
    )
    read_attributes_at_once(direct._schema)
    return plain, direct


@pytest.fixture(autouse=True)
def fresh_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executor, "_subfields", {})
    monkeypatch.setattr(executor, "_sightings", {})


@pytest.fixture
def fields_executed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The objects graphql-core completed field by field, by type name."""
    executed: list[str] = []
    original = GraphQLCoreExecutor.execute_fields

    def counting(self: GraphQLCoreExecutor[Any], parent_type: Any, *args: Any) -> Any:
        executed.append(parent_type.name)
        return original(self, parent_type, *args)

    monkeypatch.setattr(GraphQLCoreExecutor, "execute_fields", counting)
    return executed


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("case", list(SOURCES))
async def test_an_object_completes_as_graphql_core_completes_it(case: str, document: str) -> None:
    # The good source first, then the odd one: a null or an error among list items, too.
    plain, direct = schemas(query_of([good(), SOURCES[case]]))
    expected = outcome(await plain.execute(document))
    for _ in range(3):  # seen, remembered, planned before
        assert outcome(await direct.execute(document)) == expected


@pytest.mark.parametrize("case", [c for c in SOURCES if c != "good"])
async def test_each_odd_case_is_answered_otherwise_than_the_good_one(case: str) -> None:
    odd, _ = schemas(query_of([SOURCES[case]]))
    usual, _ = schemas(query_of([good()]))
    differ = [
        outcome(await odd.execute(document)) != outcome(await usual.execute(document))
        for document in DOCUMENTS
    ]
    assert any(differ)


async def test_a_plain_selection_is_completed_without_graphql_core_s_field_by_field(
    fields_executed: list[str],
) -> None:
    _, direct = schemas(query_of([good(), good()]))
    for _ in range(3):
        fields_executed.clear()
        result = await direct.execute(DOCUMENTS[0])
        assert result.errors is None
        # Only the root: each person, with its places, in one pass.
        assert fields_executed == ["Query"]


async def test_an_object_with_a_value_not_plainly_one_goes_field_by_field(
    fields_executed: list[str],
) -> None:
    _, direct = schemas(query_of([good(), SOURCES["null in a nested non-null leaf"]]))
    result = await direct.execute(DOCUMENTS[0])
    assert result.errors
    assert fields_executed.count("Person") == 1  # the odd one; the good one at once
    assert "Place" in fields_executed


async def test_a_selection_decided_by_a_variable_follows_it_every_time() -> None:
    document = "query Q($on: Boolean!) { people { name home { city zone @include(if: $on) } } }"
    plain, direct = schemas(query_of([good()]))
    for on in (True, False, False, True, False):
        variables = {"on": on}
        expected = outcome(await plain.execute(document, variable_values=variables))
        assert outcome(await direct.execute(document, variable_values=variables)) == expected
    left_out = await direct.execute(document, variable_values={"on": False})
    assert left_out.data == {"people": [{"name": "Ada", "home": {"city": "Oslo"}}]}


async def test_a_deferred_fragment_is_left_to_graphql_core() -> None:
    config = StrawberryConfig(enable_experimental_incremental_execution=True)
    query = query_of([good()])
    direct = strawberry.Schema(
        query=query, execution_context_class=Executor, config=config, extensions=[ParserCache]
    )
    read_attributes_at_once(direct._schema)
    for _ in range(3):
        result = await direct.execute("{ person { name ... @defer { age home { city } } } }")
        assert isinstance(result, ExperimentalIncrementalExecutionResults)
        assert result.initial_result.data == {"person": {"name": "Ada"}}
        deferred = [
            [item.data for item in part.incremental or ()]
            async for part in result.subsequent_results
        ]
        assert deferred == [[{"age": 36, "home": {"city": "Oslo"}}]]


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_a_remembered_selection_is_planned_once(
    document: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned: list[str] = []
    original = Executor._planned

    def counting(self: Executor, return_type: Any, collected: Any) -> Any:
        planned.append(return_type.name)
        return original(self, return_type, collected)

    monkeypatch.setattr(Executor, "_planned", counting)
    _, direct = schemas(query_of([good(), good()]))
    for _ in range(2):  # seen, then remembered
        assert (await direct.execute(document)).errors is None
    planned.clear()
    for _ in range(2):
        assert (await direct.execute(document)).errors is None
    assert planned == []  # a plan, or that there is none, is remembered with its selection
