"""A new text of a known shape runs as the shape's hoisted document with its own values,
to the answer Strawberry's way gives it: its document made or parsed, its literals coerced."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NewType

import pytest
import strawberry
from graphql import DocumentNode, ValueNode, parse
from graphql.validation import specified_rules
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import validate_document

from calendar_gateway.graphql.executor import Executor
from calendar_gateway.graphql.hoisting import Hoisted, HoistedText
from calendar_gateway.graphql.known_operation import KnownOperation
from calendar_gateway.graphql.lifecycle import lifecycle
from calendar_gateway.graphql.limits import argument_sizes, limits
from calendar_gateway.graphql.scalars import SCALARS, LocalDateTime
from calendar_gateway.graphql.schema import RememberedNames, Schema
from calendar_gateway.graphql.shapes import Shape, ShapeCache, TypeRecording
from tests.conftest import settings_for

SETTINGS = settings_for("http://127.0.0.1:1", max_id_length=8)


Shout = NewType("Shout", str)


def _shouted(node: ValueNode, _variables: dict[str, Any] | None = None) -> str:
    # A literal read its own way: a variable of the same text is another value.
    return str(getattr(node, "value", "")).upper()


SHOUT = strawberry.scalar(name="Shout", serialize=str, parse_value=str, parse_literal=_shouted)


@strawberry.input
class Window:
    start: LocalDateTime
    label: str = "none"


@strawberry.type
class Item:
    name: str


@strawberry.type
class Query:
    @strawberry.field
    def echo(  # noqa: PLR0917 - one argument of each kind
        self,
        text: str | None = None,
        id: strawberry.ID | None = None,
        count: int | None = None,
        ratio: float | None = None,
        moment: datetime | None = None,
        local: LocalDateTime | None = None,
        day: date | None = None,
        ids: list[strawberry.ID] | None = None,
        window: Window | None = None,
        shout: Shout | None = None,
    ) -> str:
        """What the resolver was given: each value with its type."""
        return repr((text, id, count, ratio, moment, local, day, ids, window, shout))

    @strawberry.field
    def absent(self, id: strawberry.ID) -> Item | None:
        """An item whose name is null: an error located at the name."""
        return Item(name=None)  # type: ignore[arg-type]  # the error under test


def made() -> Schema:
    return Schema(
        query=Query,
        extensions=[lifecycle(argument_sizes(SETTINGS)), *limits(SETTINGS)],
        execution_context_class=Executor,
        config=StrawberryConfig(
            name_converter=RememberedNames(), scalar_map={**SCALARS, Shout: SHOUT}
        ),
    )


# Each: the texts of one shape, sent in turn (the first validated in full), with the
# variables each is sent with. Later texts are laid out on other lines and columns.
CASES: dict[str, tuple[list[str], dict[str, Any] | None]] = {
    "strings": (['{ echo(text: "a") }', '{\n  echo(text: "a longer one")\n}'], None),
    "escapes and block strings": (
        [
            '{ a: echo(text: "x") b: echo(text: """one""") }',
            '{ a: echo(text: "\\u00e9\\n\\"q\\"")\n'
            ' b: echo(text: """\n    two\n      three\n""") }',
        ],
        None,
    ),
    "string ids": (['{ echo(id: "1") }', '{ echo(id: "a-b-c") }'], None),
    "int ids": (["{ echo(id: 1) }", "{\n\n echo(id: 1234567) }"], None),
    "ints and floats": (
        ["{ echo(count: 1, ratio: 2.5) }", "{ echo(count: -2147483648, ratio: 1e3) }"],
        None,
    ),
    "an int at a float": (["{ echo(ratio: 1) }", "{ echo(ratio: 12345678901234567890) }"], None),
    "an infinite float": (["{ echo(ratio: 1.5) }", "{ echo(ratio: 1e999) }"], None),
    "custom scalars": (
        [
            '{ echo(moment: "2030-01-01T09:00:00Z", local: "2030-01-01T09:00:00",'
            ' day: "2030-01-01") }',
            '{ echo(moment: "2031-02-03T04:05:06+02:00", local: "2031-02-03T04:05:06",'
            ' day: "2031-02-03") }',
        ],
        None,
    ),
    "lists and input objects": (
        [
            '{ echo(ids: ["1", "2"], window: {start: "2030-01-01T09:00:00", label: "x"}) }',
            '{ echo(ids: ["30", "4"], window: {start: "2031-01-01T10:00:00", label: "yz"}) }',
        ],
        None,
    ),
    "equal literals": (
        ['{ a: echo(text: "x") b: echo(text: "x") }', '{ a: echo(text: "y") b: echo(text: "y") }'],
        None,
    ),
    "variables too": (
        [
            'query Q($t: String) { a: echo(text: $t) b: echo(id: "1") }',
            'query Q($t: String) {\n a: echo(text: $t)\n b: echo(id: "22") }',
        ],
        {"t": "sent"},
    ),
    "a fragment": (
        [
            'query { ...F } fragment F on Query { echo(id: "1") }',
            'query {\n ...F\n}\nfragment F on Query { echo(id: "333") }',
        ],
        None,
    ),
    "located errors": (
        [
            '{ a: echo(text: "x") b: absent(id: "1") { name } }',
            '{\n  a: echo(text: "much longer")\n\n  b: absent(id: "22") {\n    name\n  }\n}',
        ],
        None,
    ),
    "not hoisted: a scalar that reads its literals its own way": (
        ['{ echo(shout: "a") }', '{ echo(shout: "bc") }'],
        None,
    ),
    "two operations": (
        [
            'query A { echo(id: "1") } query B { echo(id: "2") }',
            'query A { echo(id: "3") }\nquery B { echo(id: "44") }',
        ],
        None,
    ),
    "not hoisted: a variable's default": (
        [
            'query ($t: String = "d") { a: echo(text: $t) b: echo(id: "1") }',
            'query ($t: String = "e") { a: echo(text: $t) b: echo(id: "2") }',
        ],
        None,
    ),
    "not hoisted: a declared name of ours": (
        [
            'query ($hoisted0: String) { echo(text: $hoisted0, id: "1") }',
            'query ($hoisted0: String) { echo(text: $hoisted0, id: "22") }',
        ],
        {"hoisted0": "theirs"},
    ),
}
NOT_HOISTED = {case for case in CASES if case.startswith("not hoisted")} | {"an infinite float"}


async def answers(schema: Schema, case: str) -> list[object]:
    texts, variables = CASES[case]
    operation = "B" if case == "two operations" else None
    found: list[object] = []
    # Each text twice: as a new text, then as one admitted before.
    for text in (texts[0], *(t for t in texts[1:] for _ in range(2))):
        result = await schema.execute(text, variables, operation_name=operation)
        found.append((result.data, [error.formatted for error in result.errors or []]))
    return found


@pytest.fixture
def hoisted_texts(monkeypatch: pytest.MonkeyPatch) -> list[HoistedText]:
    """Every text run as a hoisted document, as it is read."""
    read: list[HoistedText] = []
    text = Hoisted.text

    def noted(self: Hoisted, *args: Any) -> HoistedText | None:
        hoisted = text(self, *args)
        if hoisted is not None:
            read.append(hoisted)
        return hoisted

    monkeypatch.setattr(Hoisted, "text", noted)
    return read


@pytest.mark.parametrize("case", CASES)
async def test_a_text_answers_as_strawberry_s_way_answers_it(
    monkeypatch: pytest.MonkeyPatch, hoisted_texts: list[HoistedText], case: str
) -> None:
    hoisted = await answers(made(), case)
    if case in NOT_HOISTED:
        assert hoisted_texts == []
    else:
        assert [h.text for h in hoisted_texts] == CASES[case][0][1:], "each new text, once"
    monkeypatch.setattr(KnownOperation, "of", classmethod(lambda *_args: None))
    assert hoisted == await answers(made(), case)


async def test_the_texts_of_a_shape_run_as_one_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    documents: list[DocumentNode | None] = []
    run = KnownOperation.run

    async def noted(self: KnownOperation) -> Any:
        documents.append(self._context.graphql_document)
        return await run(self)

    monkeypatch.setattr(KnownOperation, "run", noted)
    schema = made()
    for number in range(4):
        result = await schema.execute(f'{{ echo(id: "{number}") }}')
        assert result.data == {"echo": repr((None, str(number), *[None] * 8))}
    # The first text went Strawberry's way: validated in full, its shape remembered.
    assert len(documents) == 3
    assert all(document is documents[0] for document in documents)


async def test_a_text_declined_after_its_admission_runs_as_its_own_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where the straight way admits a text and then declines it (a variable over its cap),
    Strawberry's way runs the text's own document, not the hoisted one without its values."""
    schema = made()
    await schema.execute('{ echo(id: "1") }')
    of = KnownOperation.of.__func__  # type: ignore[attr-defined]  # a classmethod's

    def declined(cls: type[KnownOperation], *args: Any) -> None:
        of(cls, *args)

    monkeypatch.setattr(KnownOperation, "of", classmethod(declined))
    for _ in range(2):  # a new text, then one admitted before
        result = await schema.execute('{ echo(id: "2") }')
        assert (result.data, result.errors) == ({"echo": repr((None, "2", *[None] * 8))}, None)


async def test_the_located_errors_are_at_the_request_s_own_text() -> None:
    schema = made()
    await schema.execute('{ a: echo(text: "x") b: absent(id: "1") { name } }')
    result = await schema.execute(
        '{\n  a: echo(text: "much longer")\n\n  b: absent(id: "22") {\n    name\n  }\n}'
    )
    assert [error.formatted["locations"] for error in result.errors or []] == [
        [{"line": 5, "column": 5}]
    ]


@pytest.mark.parametrize("room", [1, 2])
def test_a_hoisted_document_counts_as_much_again_toward_the_cache_s_bound(room: int) -> None:
    first, second = '{ echo(id: "1") }', '{ echo(id: "2") }'
    shape = Shape.of(first, 100)
    assert shape is not None
    recording = TypeRecording()
    rules = tuple(specified_rules)
    document = parse(first)
    assert validate_document(made()._schema, document, (*rules, recording.rule)) == []
    shapes = ShapeCache(max_size=shape.size() * room)
    shapes.remember(shape, rules, recording, document)
    later = Shape.of(second, 100)
    assert later is not None
    made_for_second = shapes.hoisted(second, later, rules)
    assert isinstance(made_for_second, HoistedText) == (room == 2)
    assert made_for_second is not None, "kept, if not hoisted: its documents made"
