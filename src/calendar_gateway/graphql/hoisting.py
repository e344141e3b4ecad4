"""A shape's document with its literals hoisted into variables: one document for its texts.

Texts of one shape (``shapes.py``) differ only in their string and number literals. With
those literals written as variables, every text of the shape runs as one document, with
its own values: what the executor remembers of a document's selections (``executor.py``)
and what the variables' caps find once per document (``argument_sizes.py``) serve each new
text as they serve a repeated one, and no document is made or kept per text.

A literal is hoisted only where a variable of its position's type gives the resolver the
very value the literal would: in a field's argument (within lists and input objects too),
at a String, ID, Int or (finite) Float, or a custom scalar that reads a literal through its
value coercion, graphql-core's default. A shape with any other literal (in a directive, as
a variable's default, at a scalar that parses literals its own way) is not hoisted, and
its documents are made per text (``templates.py``).

Errors located in the shared document carry the positions of the text it was parsed from:
``HoistedText.relocate`` moves each to the same token of the request's own text.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLFloat,
    GraphQLID,
    GraphQLInputType,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLString,
    ListTypeNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    Source,
    StringValueNode,
    TokenKind,
    TypeNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    get_named_type,
    visit,
)
from graphql.language.location import get_location

from calendar_gateway.graphql.tokens import Tokens

PREFIX = "hoisted"
"""Hoisted variables are named ``hoisted0``, ``hoisted1``, ...: a shape whose operation
declares such a name itself is not hoisted."""

Reader = Callable[[str], object]
"""A literal token's value as the variable's value: None where it cannot stand for it."""


def _finite(value: str) -> float | None:
    # The literal 1e999 is a Float of infinity; a variable of that value is refused.
    number = float(value)
    return number if math.isfinite(number) else None


def _same(value: str) -> str:
    return value


_BUILT_IN: dict[GraphQLScalarType, Reader] = {
    GraphQLString: _same,
    GraphQLID: _same,  # an Int literal's digits: the ID variable "123" is the id "123"
    GraphQLInt: int,
    GraphQLFloat: _finite,
}
# graphql-core's untyped reading of a literal, which its default literal parsing coerces.
_UNTYPED: dict[TokenKind, Reader] = {
    TokenKind.STRING: _same,
    TokenKind.BLOCK_STRING: _same,
    TokenKind.INT: int,
    TokenKind.FLOAT: float,
}


def _reader(type_: GraphQLInputType | None, kind: TokenKind) -> Reader | None:
    """How a literal of ``kind`` at ``type_`` becomes its variable's value, if it can."""
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if not isinstance(type_, GraphQLScalarType):
        return None  # not a value's position (a description), or one taking no literal
    if type_ in _BUILT_IN:
        return _BUILT_IN[type_]
    if type_.coerce_input_literal is None and "parse_literal" not in vars(type_):
        return _UNTYPED[kind]
    return None


def _type_node(type_: GraphQLInputType) -> TypeNode:
    if isinstance(type_, GraphQLNonNull):
        return NonNullTypeNode(type=_nullable_type_node(type_.of_type))
    return _nullable_type_node(type_)


def _nullable_type_node(type_: GraphQLInputType) -> NamedTypeNode | ListTypeNode:
    if isinstance(type_, GraphQLList):
        return ListTypeNode(type=_type_node(type_.of_type))
    return NamedTypeNode(name=NameNode(value=get_named_type(type_).name))


class _Hoisting(Visitor):
    """Replaces each literal with its variable, and declares them all on each operation."""

    def __init__(self, names: dict[int, str], types: dict[str, GraphQLInputType]) -> None:
        super().__init__()
        self.names = names
        """A literal's variable name, by the literal's offset in the text."""
        self.types = types
        self.hoisted = 0
        self.refused = False
        self._constant = 0  # within a directive or a variable definition

    def enter_directive(self, *_args: Any) -> None:
        self._constant += 1

    def leave_directive(self, *_args: Any) -> None:
        self._constant -= 1

    enter_variable_definition = enter_directive
    leave_variable_definition = leave_directive

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> VariableNode | None:
        name = self.names.get(node.loc.start) if node.loc else None
        if self._constant or name is None:
            self.refused = True
            return None
        self.hoisted += 1
        return VariableNode(name=NameNode(value=name), loc=node.loc)

    enter_int_value = enter_float_value = enter_string_value

    def leave_operation_definition(
        self, node: OperationDefinitionNode, *_args: Any
    ) -> OperationDefinitionNode:
        declared = tuple(
            VariableDefinitionNode(
                variable=VariableNode(name=NameNode(value=name)),
                type=_type_node(type_),
                directives=(),
            )
            for name, type_ in self.types.items()
        )
        definitions = (*(node.variable_definitions or ()), *declared)
        return dataclasses.replace(node, variable_definitions=definitions)


class Hoisted:
    """A shape's document, its literals variables, and how each text's values are read."""

    __slots__ = ("_readers", "_starts", "document")

    def __init__(
        self, document: DocumentNode, readers: tuple[tuple[str, Reader], ...], starts: Sequence[int]
    ) -> None:
        self.document = document
        self._readers = readers
        self._starts = tuple(starts)

    @classmethod
    def of(
        cls,
        document: DocumentNode,
        tokens: Tokens,
        types: Sequence[GraphQLInputType | None],
    ) -> Hoisted | None:
        """The hoisted form of ``document``, parsed from the text read into ``tokens``
        (``types``: the input type at each of its literals); None if it has none."""
        # Each operation declares every hoisted variable: one that it does not use is no
        # error once validation is past, and it is given a value all the same.
        declared = {
            definition.variable.name.value
            for operation in document.definitions
            if isinstance(operation, OperationDefinitionNode)
            for definition in operation.variable_definitions or ()
        }
        readers: list[tuple[str, Reader]] = []
        names: dict[int, str] = {}
        typed: dict[str, GraphQLInputType] = {}
        for number, (index, type_) in enumerate(zip(tokens.literals, types, strict=True)):
            read = _reader(type_, tokens.kinds[index])
            name = f"{PREFIX}{number}"
            if read is None or type_ is None or name in declared:
                return None
            readers.append((name, read))
            names[tokens.starts[index]] = name
            typed[name] = type_
        hoisting = _Hoisting(names, typed)
        hoisted = visit(document, hoisting)
        if hoisting.refused or hoisting.hoisted != len(readers):
            return None
        return cls(hoisted, tuple(readers), tokens.starts)

    def text(self, text: str, tokens: Tokens) -> HoistedText | None:
        """``text``'s values for the variables (its tokens: ``tokens``); None if one of
        them cannot stand for its literal."""
        values: dict[str, object] = {}
        literal_values = tokens.values
        for (name, read), index in zip(self._readers, tokens.literals, strict=True):
            value = read(literal_values[index] or "")
            if value is None:
                return None
            values[name] = value
        return HoistedText(self, values, text, tokens.starts)

    def relocate(self, errors: Sequence[GraphQLError], text: str, starts: Sequence[int]) -> None:
        """Moves the errors' locations from this document's text to ``text``."""
        source: Source | None = None
        for error in errors:
            if not error.positions or error.source is None:
                continue
            source = source or Source(text)
            positions = [starts[self._token_at(position)] for position in error.positions]
            error.source = source
            error.positions = positions
            error.locations = [get_location(source, position) for position in positions]

    def _token_at(self, position: int) -> int:
        # A node's position is its first token's start: the same token in every text.
        return min(bisect.bisect_left(self._starts, position), len(self._starts) - 1)


@dataclasses.dataclass(frozen=True)
class HoistedText:
    """One text of a hoisted shape: the shape's document and the text's variable values."""

    hoisted: Hoisted
    values: dict[str, object]
    text: str
    starts: Sequence[int]

    @property
    def document(self) -> DocumentNode:
        return self.hoisted.document

    def relocate(self, errors: Sequence[GraphQLError]) -> None:
        """Moves the errors' locations to this text's own."""
        self.hoisted.relocate(errors, self.text, self.starts)
