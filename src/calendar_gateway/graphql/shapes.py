"""Validation by a document's shape: the document with its literal values taken out.

Clients that write ids inline (GraphiQL, simple scripts) send a new text per request, and
graphql-core's full validation of each cost more than the rest of the request. Two
documents that differ only in their string and number literals pass or fail every rule
alike, except the rules that read those values. So a shape that validated cleanly once is
remembered; a later document of that shape has only its literals checked, each against the
input type recorded at its position. A literal that fails that check sends the document
through full validation, so its errors are graphql-core's own, word for word.

The shape is the token stream, comments left out, with each string, block string, int and
float token replaced by its kind and the index of its distinct value: literals that were
equal stay equal, which is all OverlappingFieldsCanBeMerged and the defer/stream label rule
compare. Booleans, enums and nulls stay in the shape (directive conditions, Maybe and oneOf
rules read them), as do list lengths and object fields. Limits on structure (depth, aliases,
root fields) hold for every document of a shape alike; the token limit is the parser's, per text
(``tokens.read`` leaves a text over it to the parser).

The shape is read from the text by ``tokens.py``, and a shape that passed keeps the tree of
the document that passed (``templates.py``) and, where it can, that document with its
literals hoisted into variables (``hoisting.py``): the next text of that shape whose literals
pass runs as the hoisted document with its own values, or has its document made from that
tree, without parsing. Shapes are bounded in number
and in their total size (tokens and name characters): a hostile stream of large shapes
evicts, it does not grow.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FloatValueNode,
    GraphQLError,
    GraphQLInputType,
    GraphQLNonNull,
    GraphQLScalarType,
    IntValueNode,
    StringValueNode,
    TokenKind,
    ValidationRule,
    ValueNode,
)
from graphql.type.scalars import parse_id_literal, parse_string_literal
from graphql.utilities.validate_input_value import validate_input_literal

from calendar_gateway.graphql.hoisting import Hoisted, HoistedText
from calendar_gateway.graphql.templates import Template
from calendar_gateway.graphql.tokens import Tokens, read

Rules = tuple[type[ASTValidationRule], ...]
LiteralCheck = Callable[[GraphQLInputType, ValueNode], bool]
"""A value rule's test of one literal at a position of that type: True when it passes."""


def _node(kind: TokenKind, value: str) -> ValueNode:
    """The value node the parser makes of a literal token."""
    if kind is TokenKind.INT:
        return IntValueNode(value=value)
    if kind is TokenKind.FLOAT:
        return FloatValueNode(value=value)
    return StringValueNode(value=value, block=kind is TokenKind.BLOCK_STRING)


class Shape:
    """A text's shape key, and its tokens."""

    __slots__ = ("key", "tokens")

    def __init__(self, tokens: Tokens) -> None:
        parts: list[object] = list(tokens.words)  # names and punctuators as written
        distinct: dict[tuple[TokenKind, str | None], int] = {}
        kinds, values = tokens.kinds, tokens.values
        for index in tokens.literals:
            literal = (kinds[index], values[index])
            parts[index] = (parts[index], distinct.setdefault(literal, len(distinct)))
        self.key = tuple(parts)
        self.tokens = tokens

    @classmethod
    def of(cls, text: str, max_tokens: int) -> Shape | None:
        """The text's shape, or None where only graphql-core's parser can tell."""
        tokens = read(text, max_tokens)
        return None if tokens is None else cls(tokens)

    def size(self) -> int:
        """What keeping the shape costs: its tokens and the characters of its names."""
        names = (
            value
            for kind, value in zip(self.tokens.kinds, self.tokens.values, strict=True)
            if kind is TokenKind.NAME
        )
        return len(self.key) + sum(len(name or "") for name in names)


_STRINGS = frozenset({TokenKind.STRING, TokenKind.BLOCK_STRING})
_ACCEPTED: dict[object, frozenset[TokenKind]] = {
    parse_string_literal: _STRINGS,
    parse_id_literal: _STRINGS | {TokenKind.INT},
}
"""The literals graphql-core's String and ID scalars take whatever their value: what
validate_input_literal would check of them is their kind only."""


def _accepted(type_: GraphQLInputType | None) -> frozenset[TokenKind]:
    """The kinds of literal ``type_`` takes, any value of them; empty if that takes a test."""
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if not isinstance(type_, GraphQLScalarType):
        return frozenset()
    return _ACCEPTED.get(type_.coerce_input_literal, frozenset())


class _Known:
    """A shape that validated cleanly: the input type at each of its literals (or None),
    with the literal kinds it takes untested, the tree of its document (None if one
    could not be made of it) and its hoisted document (None if it has none)."""

    __slots__ = ("hoisted", "size", "template", "types")

    def __init__(
        self,
        types: list[GraphQLInputType | None],
        template: Template | None,
        hoisted: Hoisted | None,
        size: int,
    ) -> None:
        self.types = [(type_, _accepted(type_)) for type_ in types]
        self.template = template
        self.hoisted = hoisted
        self.size = size


class TypeRecording:
    """What one full validation noted: the input type at each string and number literal."""

    def __init__(self) -> None:
        self.types: dict[int, GraphQLInputType | None] = {}
        self.rule = _type_recorder(self.types)
        """A rule to validate with; it reports nothing."""


class ShapeCache:
    """Shapes that validated cleanly, under the rules they passed, bounded (LRU).

    ``document`` and ``passes`` are cheap (linear in the tokens) and run where the request
    does; a document they do not vouch for is validated in full, with
    ``TypeRecording.rule`` among the rules, and ``remember``-ed if that found nothing.
    ``max_size`` bounds the shapes' total ``Shape.size``, counted twice for a shape with a
    hoisted document. For the bench's fan-out a template took about 120 bytes a unit of it,
    a hoisted document with the parsed tree it shares about 180: within 250 bytes a counted
    unit, so the default holds at most some 17 MB.
    """

    def __init__(
        self,
        max_shapes: int = 256,
        literal_checks: Sequence[LiteralCheck] = (),
        max_size: int = 65_536,
    ) -> None:
        self._shapes: OrderedDict[tuple[Rules, object], _Known] = OrderedDict()
        self._max_shapes = max_shapes
        self._max_size = max_size
        self._size = 0
        self._literal_checks = tuple(literal_checks)

    def document(self, text: str, shape: Shape, rules: Rules) -> DocumentNode | None:
        """The text's document, made without parsing, if it would pass validation with
        ``rules``; None if only parsing and validating it can tell."""
        known = self._passing(shape, rules)
        return None if known is None else _made(known, text, shape)

    def hoisted(self, text: str, shape: Shape, rules: Rules) -> HoistedText | DocumentNode | None:
        """The text as its shape's hoisted document and its values, where the shape has
        one; else as ``document`` would make it."""
        known = self._passing(shape, rules)
        if known is None:
            return None
        hoisted = None if known.hoisted is None else known.hoisted.text(text, shape.tokens)
        return hoisted or _made(known, text, shape)

    def passes(self, shape: Shape, rules: Rules) -> bool:
        """Whether full validation with ``rules`` would find nothing, known without it."""
        return self._passing(shape, rules) is not None

    def remember(
        self, shape: Shape, rules: Rules, recording: TypeRecording, document: DocumentNode
    ) -> None:
        """Note the shape of a document that full validation with ``rules`` passed."""
        size = shape.size()
        if size > self._max_size:
            return
        starts = shape.tokens.starts
        types = [recording.types.get(starts[index]) for index in shape.tokens.literals]
        try:
            template: Template | None = Template(document, shape.tokens)
        except ValueError:  # not the text's document: validated by shape, not made
            template = None
        hoisted = None if template is None else Hoisted.of(document, shape.tokens, types)
        if hoisted is not None and 2 * size <= self._max_size:
            size *= 2
        else:
            hoisted = None
        key = (rules, shape.key)
        replaced = self._shapes.pop(key, None)
        if replaced is not None:
            self._size -= replaced.size
        self._shapes[key] = _Known(types, template, hoisted, size)
        self._size += size
        while len(self._shapes) > self._max_shapes or self._size > self._max_size:
            _, evicted = self._shapes.popitem(last=False)
            self._size -= evicted.size

    def _passing(self, shape: Shape, rules: Rules) -> _Known | None:
        key = (rules, shape.key)
        known = self._shapes.get(key)
        if known is None or not self._literals_pass(known, shape):
            return None
        self._shapes.move_to_end(key)
        return known

    def _literals_pass(self, known: _Known, shape: Shape) -> bool:
        kinds, values = shape.tokens.kinds, shape.tokens.values
        for (type_, accepted), index in zip(known.types, shape.tokens.literals, strict=True):
            if type_ is None:
                continue  # not a value (a description): no rule reads it
            kind = kinds[index]
            node = _node(kind, values[index] or "")
            # An id or string literal at an ID or String: valid, as validate_input_literal
            # would find at ~2 µs a literal (the bench's fan-out's 3 ids: 14 -> 7 µs).
            if kind not in accepted and not _valid_literal(node, type_):
                return False
            for check in self._literal_checks:
                if not check(type_, node):
                    return False
        return True


def _made(known: _Known, text: str, shape: Shape) -> DocumentNode | None:
    """The text's document, made from its known shape's tree (None if the shape has none)."""
    return None if known.template is None else known.template.make(text, shape.tokens)


def _valid_literal(node: ValueNode, type_: GraphQLInputType) -> bool:
    """ValuesOfCorrectType's test of one literal, without its error messages."""
    problems: list[GraphQLError] = []
    try:
        validate_input_literal(node, type_, lambda error, _path: problems.append(error))
    except Exception:  # a scalar that raises: full validation reports it
        return False
    return not problems


def _type_recorder(types: dict[int, GraphQLInputType | None]) -> type[ValidationRule]:
    """A rule that reports nothing, noting the input type at each string and number."""

    class TypeRecorder(ValidationRule):
        def _note(self, node: ValueNode, *_args: Any) -> None:
            if node.loc is not None:
                types[node.loc.start] = self.context.get_input_type()

        enter_string_value = enter_int_value = enter_float_value = _note

    return TypeRecorder
