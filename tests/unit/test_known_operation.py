"""An operation of an admitted document runs straight, to what Strawberry's way gives."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from graphql import GraphQLError
from strawberry.types.graphql import OperationType

from calendar_gateway.graphql import known_operation
from calendar_gateway.graphql.known_operation import KnownOperation
from calendar_gateway.graphql.schema import Schema, create_schema
from calendar_gateway.upstreams.errors import UpstreamUnavailableError
from tests.conftest import settings_for
from tests.unit.test_operation_hooks import timed, timed_since

SETTINGS = settings_for("http://127.0.0.1:1", max_id_length=8)
BOOKING = "query Booking($id: ID!) { booking(id: $id) { id } }"
# Each: a document, its variables and its operation's name.
CASES: dict[str, tuple[str, dict[str, Any] | None, str | None]] = {
    # Warnings and failures that resolvers noted (a context of its own: see ``outcome``).
    "a query with warnings and failures": ("query Noted { __typename }", None, None),
    "a plain query": ("query Plain { __typename }", None, None),
    # No context: the resolver fails, and the answer is partial with a coded error.
    "a field that fails": (BOOKING, {"id": "1"}, None),
    "a variable over its cap": (BOOKING, {"id": "x" * 9}, None),
    "a variable missing": (BOOKING, {}, None),
    "a variable of the wrong type": (BOOKING, {"id": ["1"]}, None),
    "the second of two operations": ("query A { __typename } query B { __typename }", None, "B"),
    "an operation the document lacks": ("query A { __typename }", None, "Nope"),
    "two operations, none named": ("query A { __typename } query B { __typename }", None, None),
    "an invalid document": ("query Invalid { nope }", None, None),
    "a mutation, where only queries may run": ('mutation M { deleteBooking(id: "1") }', None, None),
    "a directive": ("query D { __typename @include(if: true) }", None, None),
}
QUERIES_ONLY = {"a mutation, where only queries may run"}


def noted() -> SimpleNamespace:
    """A context where resolvers noted an upstream warning and a failure."""
    failure = GraphQLError(
        "a source failed", original_error=UpstreamUnavailableError("GRS", "down")
    )
    return SimpleNamespace(warnings=["slow upstream"], failures=[failure])


async def outcome(schema: Schema, case: str, caplog: pytest.LogCaptureFixture) -> object:
    """What running the case twice (the second time admitted) answers, logs and times."""
    query, variables, name = CASES[case]
    allowed = {OperationType.QUERY} if case in QUERIES_ONLY else None
    answers: list[object] = []
    for _ in range(2):
        before = timed()
        caplog.clear()
        try:
            result = await schema.execute(
                query,
                variables,
                context_value=noted() if case.startswith("a query with warnings") else None,
                operation_name=name,
                allowed_operation_types=allowed,
            )
            answer: object = (
                result.data,
                [error.formatted for error in result.errors or []],
                result.extensions,
            )
        except Exception as error:  # the outcome compared, whatever it is
            answer = f"{type(error).__name__}: {error}"
        phases = timed_since(before)
        logged = [(r.getMessage(), r.__dict__.get("error_codes")) for r in caplog.records]
        answers.append((answer, phases, logged))
    return answers


def made() -> Schema:
    schema = create_schema(SETTINGS)
    assert isinstance(schema, Schema)
    return schema


@pytest.fixture
def schema() -> Schema:
    return made()


@pytest.mark.parametrize("case", CASES)
async def test_an_admitted_operation_answers_logs_and_is_timed_as_strawberry_s_way(
    schema: Schema, case: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level("INFO", logger="calendar_gateway.graphql.observability")
    straight = await outcome(schema, case, caplog)
    monkeypatch.setattr(KnownOperation, "of", classmethod(lambda *_args: None))
    assert await outcome(made(), case, caplog) == straight


async def test_an_admitted_plain_operation_runs_straight(
    schema: Schema, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[object] = []
    run = KnownOperation.run

    async def counted(self: KnownOperation) -> Any:
        result = await run(self)
        ran.append(result is not None)
        return result

    monkeypatch.setattr(KnownOperation, "run", counted)
    for _ in range(3):
        assert (await schema.execute("query Plain { __typename }")).data == {"__typename": "Query"}
    assert ran == [True, True], "the first time it is admitted; then it runs straight"
    await schema.execute(BOOKING, {"id": "x" * 9})
    await schema.execute(BOOKING, {"id": "x" * 9})
    assert ran == [True, True, False], "a variable over its cap: Strawberry's way answers it"


async def test_an_operation_that_raises_is_answered_as_strawberry_s_way_answers_it(
    schema: Schema, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the executor broke")

    await schema.execute("query Plain { __typename }")  # admitted
    caplog.set_level("INFO", logger="calendar_gateway.graphql.observability")
    monkeypatch.setattr(known_operation, "experimental_execute_incrementally", broken)
    straight = await schema.execute("query Plain { __typename }")
    straight_logged = [r.getMessage() for r in caplog.records]
    caplog.clear()

    strawberry_s = made()
    await strawberry_s.execute("query Plain { __typename }")
    caplog.clear()
    monkeypatch.setattr(KnownOperation, "of", classmethod(lambda *_args: None))
    monkeypatch.setattr(
        "strawberry.schema.schema.experimental_execute_incrementally", broken, raising=True
    )
    expected = await strawberry_s.execute("query Plain { __typename }")
    assert straight.data is None
    assert [e.formatted for e in straight.errors or []] == [
        e.formatted for e in expected.errors or []
    ]
    assert straight.extensions == expected.extensions
    assert straight_logged == [r.getMessage() for r in caplog.records]


@pytest.mark.parametrize(
    ("second", "straight"),
    [
        ('query Booking { booking(id: "2") { id } }', True),
        # Over the id cap: the shape's literal check fails, and validation says so.
        ('query Booking { booking(id: "123456789") { id } }', False),
        # An int where the first had a string: another shape, admitted as a new text is.
        ("query Booking { booking(id: 2) { id } }", False),
    ],
)
async def test_a_new_text_of_an_admitted_shape_runs_straight_to_strawberry_s_answer(
    monkeypatch: pytest.MonkeyPatch, second: str, straight: bool
) -> None:
    first = 'query Booking { booking(id: "1") { id } }'

    async def answers(schema: Schema) -> list[object]:
        found: list[object] = []
        for query in (first, second):
            result = await schema.execute(query)
            found.append((result.data, [e.formatted for e in result.errors or []]))
        return found

    ran: list[bool] = []
    run = KnownOperation.run

    async def counted(self: KnownOperation) -> Any:
        ran.append(True)
        return await run(self)

    monkeypatch.setattr(KnownOperation, "run", counted)
    expected = await answers(made())
    assert ran == ([True] if straight else []), "the second text, made by its shape"
    monkeypatch.setattr(KnownOperation, "of", classmethod(lambda *_args: None))
    assert await answers(made()) == expected
