"""A parsed document as a template: the document of another text of its shape, unparsed.

Texts of one shape (``shapes.py``) parse to one tree: the same nodes with the same names,
differing only in their string and number values and in where each node stands in its
text. So the tree of one such text, parsed once, makes the document of every other: each
node copied with that text's values and offsets, in about a tenth of graphql-core's parse
(the bench's fan-out: 33 µs against 260-400 µs).

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
_new = object.__new__
_Single = tuple[tuple[str, int], ...]
"""A node's fields of one node: each field's name and the index of the node made for it."""
_Lists = tuple[tuple[str, int, int], ...]
"""A node's fields of nodes: each field's name and the slice of the nodes made for it."""


class _Part:
    """One node of the template: its type, what stays, where its values come from, and
    where in the made nodes its children are."""

    __slots__ = ("first", "fixed", "last", "lists", "literal", "single", "type")

    def __init__(self, node: Node, index: dict[int, int]) -> None:
        self.type = type(node)
        self.fixed: dict[str, Any] = {}
        # Its children's indices among the made nodes, set by _numbered.
        self.single: _Single = ()
        self.lists: _Lists = ()
        loc = node.loc
        if loc is None:
            raise ValueError("a template needs a document parsed with locations")
        self.first = index[id(loc.start_token)]
        self.last = index[id(loc.end_token)]
        # A string or number (a value or a description) is its one token's value.
        self.literal = self.first if isinstance(node, _LITERALS) else -1

    def steps(self) -> tuple[type[Node], dict[str, Any], int, int, int, _Single, _Lists]:
        """What making its node takes, as ``Template.make`` unpacks it."""
        return self.type, self.fixed, self.first, self.last, self.literal, self.single, self.lists


def _numbered(document: DocumentNode, index: dict[int, int]) -> list[_Part]:
    """The document's nodes as parts, breadth first: a node's children numbered one after
    another, after it, so they are made before it and taken as one slice of the made."""
    parts = [_Part(document, index)]
    nodes: list[Node] = [document]
    for at, node in enumerate(nodes):  # grows as it goes: a breadth-first walk
        part = parts[at]
        single: list[tuple[str, int]] = []
        lists: list[tuple[str, int, int]] = []
        for field in dataclasses.fields(node):
            value = getattr(node, field.name)
            if isinstance(value, Node):
                single.append((field.name, len(nodes)))
                children: tuple[Node, ...] = (value,)
            elif isinstance(value, tuple) and value and isinstance(value[0], Node):
                lists.append((field.name, len(nodes), len(nodes) + len(value)))
                children = value
            else:
                if field.name != "loc" and not (field.name == "value" and part.literal >= 0):
                    part.fixed[field.name] = value
                continue
            nodes.extend(children)
            parts.extend(_Part(child, index) for child in children)
        # Tuples: a template of a large document is kept, at a few hundred bytes a node.
        part.single = tuple(single)
        part.lists = tuple(lists)
    return parts


class Template:
    """A document's tree, to make the documents of other texts of its shape."""

    __slots__ = ("_steps", "_tokens")

    def __init__(self, document: DocumentNode, tokens: Tokens) -> None:
        """``tokens``: the document's text read by ``tokens.read``."""
        index = _token_index(document)
        if len(index) != len(tokens.kinds):
            raise ValueError("the tokens are not the document's")
        # Last first: every node after its children.
        self._steps = tuple(part.steps() for part in reversed(_numbered(document, index)))
        self._tokens = len(tokens.kinds)

    def make(self, text: str, tokens: Tokens) -> DocumentNode:
        """The document of ``text``, of this template's shape, read into ``tokens``."""
        if len(tokens.kinds) != self._tokens:
            raise ValueError("a text of another shape")
        source = Source(text)
        starts, ends, values = tokens.starts, tokens.ends, tokens.values
        # One loop over the nodes, not a call a node: the bench's fan-out has 49 of them.
        made: list[Any] = [None] * len(self._steps)
        at = len(made)
        for type_, fixed, first, last, literal, single, lists in self._steps:
            node = _new(type_)
            fields = node.__dict__  # nodes are frozen dataclasses: filled in place, once
            fields.update(fixed)
            loc = _new(Location)
            loc.start = starts[first]
            loc.end = ends[last]
            loc.source = source
            fields["loc"] = loc
            if literal >= 0:
                fields["value"] = values[literal]
            for name, child in single:
                fields[name] = made[child]
            for name, low, high in lists:
                fields[name] = tuple(made[low:high])
            at -= 1
            made[at] = node
        document: DocumentNode = made[0]
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
