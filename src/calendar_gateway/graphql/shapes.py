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
from collections.abc import Callable, Iterator, Sequence
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
from strawberry.extensions import SchemaExtension
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


class ShapeCache:
    """Validation verdicts by query text, and clean shapes by shape, both bounded (LRU)."""

    def __init__(
        self,
        max_texts: int = 256,
        max_shapes: int = 256,
        max_text_chars: int = 16_384,
        literal_checks: Sequence[LiteralCheck] = (),
    ) -> None:
        self._texts: OrderedDict[tuple[Rules, str], list[GraphQLError]] = OrderedDict()
        self._shapes: OrderedDict[tuple[Rules, object], _Known] = OrderedDict()
        self._max_texts = max_texts
        self._max_shapes = max_shapes
        self._max_text_chars = max_text_chars
        self._literal_checks = tuple(literal_checks)
        self.full_validations = 0
        """How many documents went through graphql-core's full validation (for tests)."""

    def validate(
        self, schema: GraphQLSchema, query: str, document: DocumentNode, rules: Rules
    ) -> list[GraphQLError]:
        """The document's validation errors, as full validation would give them."""
        errors = self.known(query, document, rules)
        if errors is None:
            errors = self.checked(schema, query, document, rules)
        return errors

    def known(self, query: str, document: DocumentNode, rules: Rules) -> list[GraphQLError] | None:
        """The verdict on a known text, or ``[]`` for a known shape whose literals pass;
        None when only full validation (``checked``) can tell. Cheap: linear in the tokens.
        """
        errors = self._texts.get((rules, query))
        if errors is not None:
            self._texts.move_to_end((rules, query))
            return errors
        if document.loc is None:
            return None
        shape = Shape(document)
        known = self._shapes.get((rules, shape.key))
        if known is None or not self._literals_pass(known, shape.literals):
            return None
        self._shapes.move_to_end((rules, shape.key))
        self._remember_text(query, rules, [])
        return []

    def checked(
        self, schema: GraphQLSchema, query: str, document: DocumentNode, rules: Rules
    ) -> list[GraphQLError]:
        """Full validation, remembered: the text's verdict, and its shape if it passed."""
        types: dict[int, GraphQLInputType | None] = {}
        errors = self._full(schema, document, rules, types)
        if not errors and document.loc is not None:
            shape = Shape(document)
            known = _Known([types.get(token.start) for token in shape.literals])
            _remember(self._shapes, (rules, shape.key), known, self._max_shapes)
        self._remember_text(query, rules, errors)
        return errors

    def _remember_text(self, query: str, rules: Rules, errors: list[GraphQLError]) -> None:
        # A large text is rare from a real client; kept, it would pin its size in memory.
        if len(query) <= self._max_text_chars:
            _remember(self._texts, (rules, query), errors, self._max_texts)

    def _full(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        rules: Rules,
        types: dict[int, GraphQLInputType | None],
    ) -> list[GraphQLError]:
        self.full_validations += 1
        return validate_document(schema, document, (*rules, _type_recorder(types)))

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


def _remember(entries: OrderedDict[Any, Any], key: object, value: object, limit: int) -> None:
    entries[key] = value
    entries.move_to_end(key)
    while len(entries) > limit:
        entries.popitem(last=False)


class ShapeValidation(SchemaExtension):
    """Validates each operation through the schema's one ``ShapeCache``."""

    def __init__(self, cache: ShapeCache) -> None:
        self.cache = cache

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document, query = context.graphql_document, context.query
        if document is not None and query is not None and context.validation_rules:
            context.pre_execution_errors = self.cache.validate(
                context.schema._schema, query, document, context.validation_rules
            )
        yield
