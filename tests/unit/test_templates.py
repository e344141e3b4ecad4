"""A document made from a template is the one graphql-core parses from that text."""

from __future__ import annotations

import re

from graphql import DocumentNode, parse
from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_gateway.graphql.templates import Template
from calendar_gateway.graphql.tokens import Tokens, read

# A document with most kinds of node; "<I>", "<F>", "<S>", "<B>": a literal of that kind.
SHAPE = """
"An operation's description" query Q($a: Int = <I>, $b: [String!] = [<S>, <S>]) @d(x: <F>) {
  alias: field(arg: <S>, obj: {k: <I>, l: [<F>, null, true, RED, $a]}, blk: <B>)
    @include(if: $v) { ...Frag ... on T { x(y: <S>) } ... @skip(if: false) { w } }
  other
}
fragment Frag on T { z(w: <I>) }
"""
WORDS = re.findall(r'"[^"]*"|<[IFSB]>|\.\.\.|\$?[A-Z_a-z][0-9A-Z_a-z]*|\S', SHAPE)

ignored = st.lists(
    st.sampled_from([" ", "\t", "\n", "\r\n", "\r", ",", "\ufeff", "# a comment\n", "#é\r"]),
    min_size=1,
    max_size=3,
).map("".join)
escapes = st.sampled_from(["\\n", '\\"', "\\\\", "\\u00e9", "\\u{1F600}", "\\uD83D\\uDE00", "é"])
strings = st.lists(st.text("ab 1-") | escapes, max_size=4).map(lambda parts: f'"{"".join(parts)}"')
# No bare quote: one next to the closing quotes would end the block string early.
blocks = st.lists(st.sampled_from(["a", " ", "\n", "  b", '\\"""', "\r\n"]), max_size=6).map(
    lambda parts: f'"""{"".join(parts)}"""'
)
integers = st.integers(-(10**30), 10**30).map(str)
floats = st.sampled_from(["1.5", "-0.0", "1e5", "2.5E-3", "-7e+10", "123456789.125"])
LITERALS = {"<I>": integers, "<F>": floats, "<S>": strings, "<B>": blocks}


@st.composite
def texts(draw: st.DrawFn) -> str:
    """A text of SHAPE: its literals drawn, with ignored characters drawn between tokens."""
    words = [draw(LITERALS[word]) if word in LITERALS else word for word in WORDS]
    text = draw(ignored)
    for word in words:
        text += word + draw(ignored)
    return text


def tokens(text: str) -> Tokens:
    read_ = read(text, max_tokens=10_000)
    assert read_ is not None, text
    return read_


def same(made: DocumentNode, parsed: DocumentNode) -> None:
    # Nodes compare field by field, their locations by start and end offsets.
    assert made == parsed
    assert made.loc is not None
    assert parsed.loc is not None
    assert made.loc.source.body == parsed.loc.source.body
    assert made.token_count == parsed.token_count


@settings(max_examples=200, deadline=None)
@given(texts(), texts())
def test_a_made_document_is_the_parsed_one(first: str, other: str) -> None:
    template = Template(parse(first), tokens(first))
    same(template.make(other, tokens(other)), parse(other))


def test_a_made_document_has_its_own_source_and_offsets() -> None:
    first = '{ a(x: "1") { b } }'
    other = '# a comment\n{\n  a(x: "a longer one") {\n    b\n  }\n}'
    template = Template(parse(first), tokens(first))
    made = template.make(other, tokens(other))
    same(made, parse(other))
    field = made.definitions[0].selection_set.selections[0]  # type: ignore[attr-defined]
    assert field.selection_set.selections[0].loc.source.get_location(
        field.selection_set.selections[0].loc.start
    ) == (4, 5)


def test_a_template_refuses_tokens_not_its_documents() -> None:
    first, other = "{ a }", "{ a b }"
    template = Template(parse(first), tokens(first))
    try:
        template.make(other, tokens(other))
    except ValueError:
        pass
    else:
        raise AssertionError("a text of another shape was made")
