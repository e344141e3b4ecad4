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
root fields) hold for every document of a shape alike; the token limit is the parser's, per text.
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
    GraphQLSchema,
    IntValueNode,
    StringValueNode,
    Token,
    TokenKind,
    ValidationRule,
    ValueNode,
)
from graphql.utilities.validate_input_value import validate_input_literal
from strawberry.schema.schema import validate_document

Rules = tuple[type[ASTValidationRule], ...]
LiteralCheck = Callable[[GraphQLInputType, ValueNode], bool]
"""A value rule's test of one literal at a position of that type: True when it passes."""

_LITERALS = frozenset({TokenKind.STRING, TokenKind.BLOCK_STRING, TokenKind.INT, TokenKind.FLOAT})


def _node(token: Token) -> ValueNode:
    """The value node the parser made of a literal token (a literal's value is never None)."""
    value = token.value or ""
    if token.kind is TokenKind.INT:
        return IntValueNode(value=value)
    if token.kind is TokenKind.FLOAT:
        return FloatValueNode(value=value)
    return StringValueNode(value=value, block=token.kind is TokenKind.BLOCK_STRING)


class Shape:
    """A document's shape key, and its literal tokens in order."""

    __slots__ = ("key", "literals")

    def __init__(self, document: DocumentNode) -> None:
        if document.loc is None:
            raise ValueError("a document parsed without locations has no shape")
        parts: list[object] = []
        distinct: dict[tuple[TokenKind, str | None], int] = {}
        literals: list[Token] = []
        token: Token | None = document.loc.start_token
        while token is not None:
            kind = token.kind
            if kind in _LITERALS:
                parts.append((kind, distinct.setdefault((kind, token.value), len(distinct))))
                literals.append(token)
            elif kind is not TokenKind.COMMENT:
                # A punctuator has no value; a name is its value.
                parts.append(kind if token.value is None else token.value)
            token = token.next
        self.key = tuple(parts)
        self.literals = literals


class _Known:
    """A shape that validated cleanly: the input type at each of its literals (or None)."""

    __slots__ = ("types",)

    def __init__(self, types: list[GraphQLInputType | None]) -> None:
        self.types = types


class TypeRecording:
    """What one full validation noted: the input type at each string and number literal."""

    def __init__(self) -> None:
        self.types: dict[int, GraphQLInputType | None] = {}
        self.rule = _type_recorder(self.types)
        """A rule to validate with; it reports nothing."""


class ShapeCache:
    """Shapes that validated cleanly, under the rules they passed, bounded (LRU).

    ``passes`` is cheap (linear in the tokens) and runs where the request does; a document
    it does not vouch for is validated in full, with ``TypeRecording.rule`` among the rules,
    and ``remember``-ed if that found nothing.
    """

    def __init__(self, max_shapes: int = 256, literal_checks: Sequence[LiteralCheck] = ()) -> None:
        self._shapes: OrderedDict[tuple[Rules, object], _Known] = OrderedDict()
        self._max_shapes = max_shapes
        self._literal_checks = tuple(literal_checks)

    def passes(self, document: DocumentNode, rules: Rules) -> bool:
        """Whether full validation with ``rules`` would find nothing, known without it."""
        if document.loc is None:
            return False
        shape = Shape(document)
        key = (rules, shape.key)
        known = self._shapes.get(key)
        if known is None or not self._literals_pass(known, shape.literals):
            return False
        self._shapes.move_to_end(key)
        return True

    def remember(self, document: DocumentNode, rules: Rules, recording: TypeRecording) -> None:
        """Note the shape of a document that full validation with ``rules`` passed."""
        if document.loc is None:
            return
        shape = Shape(document)
        known = _Known([recording.types.get(token.start) for token in shape.literals])
        self._shapes[rules, shape.key] = known
        self._shapes.move_to_end((rules, shape.key))
        while len(self._shapes) > self._max_shapes:
            self._shapes.popitem(last=False)

    def validate(
        self, schema: GraphQLSchema, document: DocumentNode, rules: Rules
    ) -> list[GraphQLError]:
        """The document's errors, as full validation with ``rules`` gives them."""
        if self.passes(document, rules):
            return []
        recording = TypeRecording()
        errors = validate_document(schema, document, (*rules, recording.rule))
        if not errors:
            self.remember(document, rules, recording)
        return errors

    def _literals_pass(self, known: _Known, literals: list[Token]) -> bool:
        for type_, token in zip(known.types, literals, strict=True):
            if type_ is None:
                continue  # not a value (a description): no rule reads it
            node = _node(token)
            if not _valid_literal(node, type_):
                return False
            if not all(check(type_, node) for check in self._literal_checks):
                return False
        return True


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
