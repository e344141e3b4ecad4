"""The operation's hooks: one extension beside Admission, wrapped once, the phases timed."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import graphql
import pytest
from strawberry.extensions import SchemaExtension

from calendar_gateway import metrics
from calendar_gateway.graphql import argument_sizes, extension_runner
from calendar_gateway.graphql.admission import Admission
from calendar_gateway.graphql.lifecycle import OperationLifecycle
from calendar_gateway.graphql.schema import create_schema
from tests.conftest import settings_for

PHASES = ("parse", "validate", "execute")


def timed() -> dict[str, float]:
    """How many times each phase has been timed so far."""
    counts = dict.fromkeys(PHASES, 0.0)
    for metric in metrics.GRAPHQL_PHASE_DURATION.collect():
        for sample in metric.samples:
            if sample.name.endswith("_count"):
                counts[sample.labels["phase"]] = sample.value
    return counts


def timed_since(before: dict[str, float]) -> dict[str, float]:
    return {phase: count - before[phase] for phase, count in timed().items()}


def test_the_gateway_s_hooks_are_one_extension_beside_admission() -> None:
    schema = create_schema(settings_for("http://127.0.0.1:1"))
    assert [type(e) for e in schema.get_extensions()] == [OperationLifecycle, Admission]


async def test_a_request_wraps_no_hook_anew(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = create_schema(settings_for("http://127.0.0.1:1"))
    assert (await schema.execute("query Warm { __typename }")).errors is None
    wrapped: list[object] = []

    def counting(wrap: Callable[..., Any]) -> Callable[[Any], Any]:
        def wrapping(function: Any) -> Any:
            wrapped.append(function)
            return wrap(function)

        return wrapping

    monkeypatch.setattr(contextlib, "contextmanager", counting(contextlib.contextmanager))
    monkeypatch.setattr(contextlib, "asynccontextmanager", counting(contextlib.asynccontextmanager))
    for _ in range(2):
        assert (await schema.execute("query Again { __typename }")).errors is None
    assert wrapped == []


async def test_each_phase_of_an_operation_is_timed_once() -> None:
    schema = create_schema(settings_for("http://127.0.0.1:1"))
    before = timed()
    assert (await schema.execute("query Timed { __typename }")).errors is None
    assert timed_since(before) == {"parse": 1, "validate": 1, "execute": 1}


async def test_a_phase_that_fails_is_not_timed() -> None:
    schema = create_schema(settings_for("http://127.0.0.1:1", max_id_length=8))
    before = timed()
    result = await schema.execute(
        "query Capped($id: ID!) { booking(id: $id) { id } }", {"id": "x" * 9}
    )
    assert [e.extensions["code"] for e in result.errors or [] if e.extensions] == ["BAD_USER_INPUT"]
    assert timed_since(before) == {"parse": 1, "validate": 1, "execute": 0}


async def test_an_invalid_document_is_parsed_and_validated_not_executed() -> None:
    schema = create_schema(settings_for("http://127.0.0.1:1"))
    before = timed()
    assert (await schema.execute("query Invalid { nope }")).errors
    assert timed_since(before) == {"parse": 1, "validate": 1, "execute": 0}


def codes(result: Any) -> list[str]:
    return [str((error.extensions or {}).get("code")) for error in result.errors or []]


async def test_each_operation_of_a_document_has_its_own_variables_capped() -> None:
    schema = create_schema(settings_for("http://127.0.0.1:1", max_id_length=8))
    document = (
        "query Id($v: ID!) { booking(id: $v) { id } }"
        " query Text($v: String!) { bookingsInRange(company: $v, from: "
        '"2000-01-01", to: "2000-01-02") { id } }'
    )
    long = {"v": "x" * 9}
    for name, capped in (("Id", True), ("Text", False), ("Id", True)):
        result = await schema.execute(document, long, operation_name=name)
        assert ("BAD_USER_INPUT" in codes(result)) is capped, name
    assert codes(await schema.execute(document, {"v": "x" * 8}, operation_name="Id")) != [
        "BAD_USER_INPUT"
    ]


async def test_an_operation_s_variable_types_are_looked_up_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    schema = create_schema(settings_for("http://127.0.0.1:1", max_id_length=8))
    looked_up: list[object] = []

    def counted(*args: Any) -> Any:
        looked_up.append(args)
        return type_from_ast(*args)

    type_from_ast = graphql.type_from_ast
    monkeypatch.setattr(argument_sizes, "type_from_ast", counted)
    query = "query Capped($id: ID!) { booking(id: $id) { id } }"
    for value in ("x" * 9, "y" * 9, "z" * 9):
        assert codes(await schema.execute(query, {"id": value})) == ["BAD_USER_INPUT"]
    assert len(looked_up) == 1


def counted_operations() -> dict[tuple[str, str, str], float]:
    return {
        (s.labels["operation"], s.labels["type"], s.labels["outcome"]): s.value
        for metric in metrics.GRAPHQL_REQUESTS.collect()
        for s in metric.samples
        if s.name.endswith("_total")
    }


@pytest.mark.parametrize(
    ("document", "name", "counted"),
    [
        ("query Kinds { __typename }", None, ("Kinds", "query", "ok")),
        (
            "query First { __typename } mutation Second { __typename }",
            None,
            ("First", "query", "ok"),
        ),
        (
            "query Other { __typename } mutation Named { deleteBooking(id: 1) }",
            "Named",
            ("Named", "mutation", "error"),
        ),
    ],
)
async def test_an_operation_is_counted_by_its_name_type_and_outcome(
    document: str, name: str | None, counted: tuple[str, str, str]
) -> None:
    schema = create_schema(settings_for("http://127.0.0.1:1"))
    before = counted_operations()
    await schema.execute(document, operation_name=name)
    after = counted_operations()
    assert {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)} == {
        counted: 1
    }


@pytest.mark.parametrize(
    ("document", "code", "settings"),
    [
        ("query Broken { __typename ", "GRAPHQL_PARSE_FAILED", {}),
        ("query Long { a b c d e f g h }", "GRAPHQL_PARSE_FAILED", {"max_query_tokens": 8}),
    ],
)
async def test_an_operation_refused_while_parsed_is_counted_and_logged_as_answered(
    document: str, code: str, settings: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    # Admission refuses it inside its hook, before Strawberry has coded the error.
    schema = create_schema(settings_for("http://127.0.0.1:1", **settings))
    before = counted_operations()
    with caplog.at_level("INFO", logger="calendar_gateway.graphql.observability"):
        result = await schema.execute(document)
    assert codes(result) == [code]
    after = counted_operations()
    assert {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)} == {
        ("anonymous", "unknown", "error"): 1
    }
    (logged,) = caplog.records
    assert logged.getMessage() == "graphql unknown anonymous: error"
    assert logged.__dict__["error_codes"] == [code]


def admission_hooks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of Admission's parse and validate hooks, as each is entered."""
    entered: list[str] = []
    for name in ("on_parse", "on_validate"):
        hook = getattr(Admission, name)

        async def noted(self: Admission, hook: Any = hook, name: str = name) -> AsyncIterator[None]:
            entered.append(name)
            async for _ in hook(self):
                yield

        monkeypatch.setattr(Admission, name, noted)
    # The runner wraps each class's hooks once: these, from now on.
    extension_runner._plan.cache_clear()
    return entered


async def test_an_admitted_text_skips_admission_s_hooks_to_the_same_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entered = admission_hooks(monkeypatch)
    schema = create_schema(settings_for("http://127.0.0.1:1", max_id_length=8))
    query = "query Capped($id: ID!) { booking(id: $id) { id } }"
    first = await schema.execute(query, {"id": "x" * 9})
    assert entered == ["on_parse", "on_validate"]
    before = timed()
    again = await schema.execute(query, {"id": "y" * 9})
    assert entered == ["on_parse", "on_validate"], "admitted: its hooks are not entered"
    assert codes(again) == codes(first) == ["BAD_USER_INPUT"]
    assert timed_since(before) == {"parse": 1, "validate": 1, "execute": 0}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('query Deep { booking(id: "1") { resource { id } } }', "maximum operation depth"),
        ("query Aliased { a: __typename b: __typename }", "aliases"),
        ("query Unknown { nope }", "Cannot query field 'nope'"),
    ],
)
async def test_an_admitted_text_that_failed_validation_fails_again_with_the_same_errors(
    monkeypatch: pytest.MonkeyPatch, query: str, message: str
) -> None:
    entered = admission_hooks(monkeypatch)
    schema = create_schema(settings_for("http://127.0.0.1:1", max_query_depth=1, max_aliases=1))
    first, again = [await schema.execute(query) for _ in range(2)]
    assert entered == ["on_parse", "on_validate"], "the second time, from admission's memory"
    assert first.data is None
    assert [e.formatted for e in again.errors or []] == [e.formatted for e in first.errors or []]
    assert any(message in e.message for e in first.errors or [])


async def test_other_extensions_parse_and_validate_hooks_run_for_an_admitted_text() -> None:
    calls: list[str] = []

    class Watching(SchemaExtension):
        def on_parse(self) -> Iterator[None]:
            calls.append("parse")
            yield

        def on_validate(self) -> Iterator[None]:
            calls.append("validate")
            yield

    schema = create_schema(settings_for("http://127.0.0.1:1"))
    schema.extensions = (*schema.extensions, Watching)
    for _ in range(2):
        assert (await schema.execute("query Watched { __typename }")).errors is None
    assert calls == ["parse", "validate"] * 2
