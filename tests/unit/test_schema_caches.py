"""Admitted documents outlive a request: a repeated query is parsed and validated once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from graphql import GraphQLFormattedError, Token, parse
from strawberry import Schema
from strawberry.schema.name_converter import NameConverter
from strawberry.utils.str_converters import to_camel_case

from calendar_gateway.graphql import admission
from calendar_gateway.graphql.admission import Checked, Documents
from calendar_gateway.graphql.schema import RememberedNames, create_schema
from tests.conftest import settings_for


def counted(monkeypatch: pytest.MonkeyPatch, name: str) -> list[object]:
    """Each call of ``admission.<name>``, recorded, the real function still doing the work."""
    calls: list[object] = []
    real: Callable[..., Any] = getattr(admission, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(admission, name, counting)
    return calls


async def execute_three_times(**overrides: Any) -> None:
    schema = create_schema(settings_for("http://127.0.0.1:1", **overrides))
    query = f"query Probe_{uuid.uuid4().hex} {{ __typename }}"
    for _ in range(3):
        assert (await schema.execute(query)).errors is None


async def test_a_repeated_query_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parses = counted(monkeypatch, "parse")
    await execute_three_times()
    assert len(parses) == 1


async def test_a_repeated_query_is_validated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    validations = counted(monkeypatch, "validate_document")
    await execute_three_times()
    assert len(validations) == 1


async def test_a_query_over_the_budget_is_validated_again(monkeypatch: pytest.MonkeyPatch) -> None:
    validations = counted(monkeypatch, "validate_document")
    schema = create_schema(settings_for("http://127.0.0.1:1", operation_cpu_budget_seconds=1e-9))
    for _ in range(2):
        result = await schema.execute("{ __typename }")
        assert [e.extensions for e in result.errors or []] == [{"code": "OPERATION_TOO_COMPLEX"}]
    assert len(validations) == 2


def test_documents_keep_the_most_recent_and_no_large_query() -> None:
    documents = Documents(max_entries=2, max_query_chars=20)
    for query in ("{ a }", "{ b }", "{ c }", "{ d } # " + "x" * 20):
        documents.keep(query, Checked(parse(query)))
    assert [documents.get(q) is not None for q in ("{ a }", "{ b }", "{ c }")] == [
        False,
        True,
        True,
    ]
    assert documents.get("{ d } # " + "x" * 20) is None


def test_a_document_kept_again_is_the_most_recent_with_its_new_verdict() -> None:
    documents = Documents(max_entries=2)
    first, second = Checked(parse("{ a }")), Checked(parse("{ a }"), errors=[])
    documents.keep("{ a }", first)
    documents.keep("{ b }", Checked(parse("{ b }")))
    documents.keep("{ a }", second)  # kept again: last, and replaced
    documents.keep("{ c }", Checked(parse("{ c }")))  # evicts the oldest: "{ b }"
    assert documents.get("{ b }") is None
    assert documents.get("{ a }") is second
    assert documents.get("{ c }") is not None


async def test_new_texts_of_one_shape_are_validated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    validations = counted(monkeypatch, "validate_document")
    schema = create_schema(settings_for("http://127.0.0.1:1", introspection=True))
    for name in ("Booking", "Appointment", "BusinessCalendar"):
        result = await schema.execute(f'query {{ __type(name: "{name}") {{ name }} }}')
        assert result.data == {"__type": {"name": name}}
    assert len(validations) == 1


async def test_a_bad_literal_of_a_known_shape_is_refused_as_before() -> None:
    schema = create_schema(settings_for("http://127.0.0.1:1"))
    query = 'query {{ bookingsInRange(company: "3", from: "{}", to: "2030-01-01") {{ id }} }}'
    assert (await schema.execute(query.format("2020-01-01"))).errors is not None  # no upstream
    bad = await schema.execute(query.format("soon"))
    fresh = await create_schema(settings_for("http://127.0.0.1:1")).execute(query.format("soon"))
    assert bad.errors is not None
    assert fresh.errors is not None
    assert [e.formatted for e in bad.errors] == [e.formatted for e in fresh.errors]
    assert bad.data is None


async def test_a_short_text_is_parsed_on_the_loop_a_long_one_in_a_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handed: list[str] = []
    to_thread = asyncio.to_thread

    async def counting(work: Callable[..., Any], /, *args: Any) -> Any:
        handed.append(work.__name__)
        return await to_thread(work, *args)

    monkeypatch.setattr(asyncio, "to_thread", counting)
    schema = create_schema(settings_for("http://127.0.0.1:1"))
    short = "query Short { __typename }"
    long = short + " " * admission.ON_LOOP_QUERY_CHARS
    for query in (short, long):
        assert (await schema.execute(query)).errors is None
    # The long text is of the short one's shape: validated once, by the first.
    assert handed == ["_validate", "_read"]


async def test_an_admitted_document_is_freed_without_the_collector() -> None:
    settings = settings_for("http://127.0.0.1:1")
    schema = create_schema(settings)
    admitted = next(
        extension.admission
        for extension in schema.get_extensions()
        if isinstance(extension, admission.Admission)
    )
    query = "query Freed { __typename }"
    assert (await schema.execute(query)).errors is None
    checked = admitted.documents.get(query)
    assert checked is not None
    assert checked.document.loc is not None
    token: Token | None = checked.document.loc.start_token
    while token is not None:
        assert token.prev is None, "tokens linked both ways are a cycle"
        token = token.next
    # Errors still point into the text.
    result = await schema.execute("query Freed {\n  nope }")
    assert [e.formatted["locations"] for e in result.errors or []] == [[{"line": 2, "column": 3}]]


async def answers(schema: Schema, query: str) -> tuple[object, list[GraphQLFormattedError]]:
    result = await schema.execute(query)
    return result.data, [error.formatted for error in result.errors or []]


async def test_a_new_text_of_a_known_shape_is_not_parsed_and_answers_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parses = counted(monkeypatch, "parse")
    settings = settings_for("http://127.0.0.1:1")
    schema = create_schema(settings)
    await schema.execute('{ booking(id: "1") { id start } }')
    # Another id, a comment and line breaks: the field's error (this schema has no
    # context to resolve it with) at this text's line and column.
    text = '# request 2\n{\n  booking(id: "22") {\n    id\n    start\n  }\n}'
    data, errors = await answers(schema, text)
    assert len(parses) == 1, "the second text was parsed"
    assert [error.get("locations") for error in errors] == [[{"line": 3, "column": 3}]]
    assert (data, errors) == await answers(create_schema(settings), text)


async def test_a_bad_literal_of_a_known_shape_fails_where_it_stands() -> None:
    settings = settings_for("http://127.0.0.1:1")
    schema = create_schema(settings)
    query = '{{ bookingsInRange(company: "3", from: "{}", to: "2030-01-01") {{ id }} }}'
    await schema.execute(query.format("2020-01-01"))
    bad = "# a comment\n\n" + query.format("the first of May")
    data, errors = await answers(schema, bad)
    assert [error.get("locations") for error in errors] == [[{"line": 3, "column": 39}]]
    assert (data, errors) == await answers(create_schema(settings), bad)


async def test_a_known_shape_over_the_token_limit_is_refused_per_text() -> None:
    settings = settings_for("http://127.0.0.1:1", max_query_tokens=12)
    schema = create_schema(settings)
    query = '{ booking(id: "1") { id } }'  # 11 tokens
    await schema.execute(query)
    padded = f"# one\n# two\n{query}"  # the parser counts comments too
    data, errors = await answers(schema, padded)
    assert [error["message"] for error in errors] == [
        "Syntax Error: Document contains more than 12 tokens. Parsing aborted."
    ]
    assert (data, errors) == await answers(create_schema(settings), padded)


@pytest.mark.parametrize(
    ("limit", "query"),
    [
        ({"max_query_depth": 1}, '{{ booking(id: "{}") {{ resource {{ id }} }} }}'),
        ({"max_aliases": 1}, '{{ a: booking(id: "{}") {{ id }} b: booking(id: "9") {{ id }} }}'),
    ],
)
async def test_each_text_of_a_refused_shape_is_refused_alike(
    limit: dict[str, int], query: str
) -> None:
    settings = settings_for("http://127.0.0.1:1", **limit)
    schema = create_schema(settings)
    for number, booking_id in enumerate(("1", "22", "333")):
        text = "#\n" * number + query.format(booking_id)
        data, errors = await answers(schema, text)
        assert errors, f"{text} was admitted"
        assert (data, errors) == await answers(create_schema(settings), text)


@pytest.mark.parametrize("name", ["id", "tenant_id", "week_starts", "_private", "a__b", "x_"])
def test_a_remembered_name_is_strawberry_s(name: str) -> None:
    names = RememberedNames()
    assert names.apply_naming_config(name) == NameConverter().apply_naming_config(name)
    assert names.apply_naming_config(name) == NameConverter().apply_naming_config(name)


async def test_an_argument_is_named_once_not_on_every_call(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = create_schema(settings_for("http://127.0.0.1:1"))
    query = 'query Named { businessCalendar(id: "c", tenantId: "t", packageId: "p") { id } }'
    await schema.execute(query)
    named: list[str] = []

    def counting(name: str) -> str:
        named.append(name)
        return to_camel_case(name)

    monkeypatch.setattr("strawberry.schema.name_converter.to_camel_case", counting)
    await schema.execute(query)
    assert named == []
