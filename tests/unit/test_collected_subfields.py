"""An object's subfields, collected once for a document's later operations, are what
graphql-core collects for each: a directive or a deferred field is collected every time."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql.execution import ExperimentalIncrementalExecutionResults, collect_fields
from strawberry.extensions import ParserCache
from strawberry.schema.config import StrawberryConfig

from calendar_gateway.graphql import executor
from calendar_gateway.graphql.executor import Executor


@strawberry.type
class Inner:
    a: str
    b: str


@strawberry.type
class Outer:
    x: str
    y: str
    inner: Inner


@strawberry.type
class Query:
    @strawberry.field
    def outers(self) -> list[Outer]:
        return [Outer(x=f"x{n}", y=f"y{n}", inner=Inner(a=f"a{n}", b=f"b{n}")) for n in range(2)]

    @strawberry.field
    async def later(self) -> Outer:
        return Outer(x="lx", y="ly", inner=Inner(a="la", b="lb"))


PLAIN = """{ outers { x y inner { a ...B } } later { ... on Outer { y } inner { b } } }
fragment B on Inner { b }"""
DIRECTED = [
    "query Q($on: Boolean!) { outers { x y @include(if: $on) inner { a } } }",
    "query Q($on: Boolean!) { outers { inner { ...B } } } fragment B on Inner { b @skip(if: $on) }",
    "query Q($on: Boolean!) { outers { x ... on Outer @include(if: $on) { y } } }",
    "query Q($on: Boolean!) { outers { x ...Y @skip(if: $on) } } fragment Y on Outer { y }",
]


@pytest.fixture
def collections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The selections graphql-core collects subfields of, in order; a fresh memo."""
    monkeypatch.setattr(executor, "_subfields", {})
    monkeypatch.setattr(executor, "_sightings", {})
    collected: list[str] = []
    original = collect_fields.collect_subfields

    def counting(*args: Any, **kwargs: Any) -> Any:
        collected.append(args[4].name)
        return original(*args, **kwargs)

    monkeypatch.setattr("graphql.execution.executor.collect_subfields", counting)
    return collected


def schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    # A document's later operations reuse its nodes, as the gateway's admission keeps them.
    return strawberry.Schema(query=Query, extensions=[ParserCache]), strawberry.Schema(
        query=Query, execution_context_class=Executor, extensions=[ParserCache]
    )


async def test_a_document_s_subfields_are_collected_for_its_first_two_operations_only(
    collections: list[str],
) -> None:
    plain, remembering = schemas()
    expected = await plain.execute(PLAIN)
    assert expected.errors is None
    collections.clear()
    for _ in range(2):  # seen, then remembered
        assert (await remembering.execute(PLAIN)).data == expected.data
    assert collections
    collections.clear()
    for _ in range(2):  # recalled
        assert (await remembering.execute(PLAIN)).data == expected.data
    assert collections == []


@pytest.mark.parametrize("document", DIRECTED)
async def test_a_directive_s_value_is_applied_every_time(
    document: str, collections: list[str]
) -> None:
    plain, remembering = schemas()
    for on in (True, False, True):
        expected = await plain.execute(document, variable_values={"on": on})
        assert expected.errors is None
        got = await remembering.execute(document, variable_values={"on": on})
        assert got.data == expected.data
    # The first and the second answer differ: the directive had something to decide.
    answers = [
        (await remembering.execute(document, variable_values={"on": on})).data
        for on in (True, False)
    ]
    assert answers[0] != answers[1]


async def test_deferred_subfields_are_collected_every_time(collections: list[str]) -> None:
    config = StrawberryConfig(enable_experimental_incremental_execution=True)
    remembering = strawberry.Schema(
        query=Query, execution_context_class=Executor, config=config, extensions=[ParserCache]
    )
    document = "{ later { x ... @defer { inner { a } } } }"
    for _ in range(3):
        result = await remembering.execute(document)
        assert isinstance(result, ExperimentalIncrementalExecutionResults)
        assert result.initial_result.data == {"later": {"x": "lx"}}
        deferred = [
            [item.data for item in part.incremental or ()]
            async for part in result.subsequent_results
        ]
        assert deferred == [[{"inner": {"a": "la"}}]]
    # The deferred fields' own subfields too: they belong to the operation's deferral.
    assert sorted(collections) == ["Inner"] * 3 + ["Outer"] * 3


async def test_the_memory_is_bounded(
    collections: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(executor, "SUBFIELD_ENTRIES", 3)
    _, remembering = schemas()
    for n in range(10):
        for _ in range(2):
            await remembering.execute(f"{{ later {{ x{n}: x inner {{ a }} }} }}")
    assert len(executor._subfields) == 3


async def test_a_document_sent_once_is_not_remembered(collections: list[str]) -> None:
    _, remembering = schemas()
    for n in range(10):
        await remembering.execute(f"{{ later {{ x{n}: x inner {{ a }} }} }}")
    assert executor._subfields == {}
