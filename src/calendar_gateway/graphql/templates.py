"""A parsed document as a template: the document of another text of its shape, unparsed.

Texts of one shape (``shapes.py``) parse to one tree: the same nodes with the same names,
differing only in their string and number values and in where each node stands in its
text. So the tree of one such text, parsed once, makes the document of every other: each
node copied with that text's values and offsets, in about a fifth of graphql-core's parse
(the bench's fan-out: 50 µs against 260-400 µs).

A made document's locations have the text's offsets and source - all an error's
``locations`` and our error paths read - but not the parser's tokens, which nothing reads
after parsing (the shape is read from the text, ``tokens.py``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from graphql import (
    DocumentNode,
    FloatValueNode,
    IntValueNode,
    Location,
    Node,
    Source,
    StringValueNode,
    Token,
    TokenKind,
)

from calendar_gateway.graphql.tokens import Tokens

_LITERALS = (IntValueNode, FloatValueNode, StringValueNode)
Values = list[str | None]
_new = object.__new__


class _Part:
    """One node of the template: its type, what stays, and where its values come from."""

    __slots__ = ("first", "fixed", "last", "lists", "literal", "single", "type")

    def __init__(self, node: Node, index: dict[int, int]) -> None:
        self.type = type(node)
        self.fixed: dict[str, Any] = {}
        single: list[tuple[str, _Part]] = []
        lists: list[tuple[str, tuple[_Part, ...]]] = []
        for field in dataclasses.fields(node):
            value = getattr(node, field.name)
            if isinstance(value, Node):
                single.append((field.name, _Part(value, index)))
            elif isinstance(value, tuple) and value and isinstance(value[0], Node):
                lists.append((field.name, tuple(_Part(item, index) for item in value)))
            elif field.name != "loc":
                self.fixed[field.name] = value
        # Tuples: a template of a large document is kept, at a few hundred bytes a node.
        self.single = tuple(single)
        self.lists = tuple(lists)
        loc = node.loc
        if loc is None:
            raise ValueError("a template needs a document parsed with locations")
        self.first = index[id(loc.start_token)]
        self.last = index[id(loc.end_token)]
        # A string or number (a value or a description) is its one token's value.
        self.literal = self.first if isinstance(node, _LITERALS) else -1
        if self.literal >= 0:
            del self.fixed["value"]

    def make(self, starts: list[int], ends: list[int], values: Values, source: Source) -> Any:
        """This node for the text of ``source``, whose tokens start, end and read so."""
        node = _new(self.type)
        fields = node.__dict__  # nodes are frozen dataclasses: filled in place, once
        fields.update(self.fixed)
        loc = _new(Location)
        loc.start = starts[self.first]
        loc.end = ends[self.last]
        loc.source = source
        fields["loc"] = loc
        if self.literal >= 0:
            fields["value"] = values[self.literal]
        for name, part in self.single:
            fields[name] = part.make(starts, ends, values, source)
        for name, parts in self.lists:
            fields[name] = tuple([part.make(starts, ends, values, source) for part in parts])
        return node


class Template:
    """A document's tree, to make the documents of other texts of its shape."""

    __slots__ = ("_root", "_tokens")

    def __init__(self, document: DocumentNode, tokens: Tokens) -> None:
        """``tokens``: the document's text read by ``tokens.read``."""
        index = _token_index(document)
        if len(index) != len(tokens.kinds):
            raise ValueError("the tokens are not the document's")
        self._root = _Part(document, index)
        self._tokens = len(tokens.kinds)

    def make(self, text: str, tokens: Tokens) -> DocumentNode:
        """The document of ``text``, of this template's shape, read into ``tokens``."""
        if len(tokens.kinds) != self._tokens:
            raise ValueError("a text of another shape")
        source = Source(text)
        document: DocumentNode = self._root.make(tokens.starts, tokens.ends, tokens.values, source)
        object.__setattr__(document, "token_count", tokens.count)  # as the parser notes it
        return document


def _token_index(document: DocumentNode) -> dict[int, int]:
    """The index of each of the document's tokens, comments left out, by identity."""
    index: dict[int, int] = {}
    token: Token | None = document.loc.start_token if document.loc else None
    while token is not None:
        if token.kind is not TokenKind.COMMENT:
            index[id(token)] = len(index)
        token = token.next
    return index
