"""The fast token reader reads what graphql-core's lexer reads, or gives the text up to it."""

from __future__ import annotations

from graphql import GraphQLSyntaxError, Lexer, Source, Token, TokenKind, print_schema
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries

from calendar_gateway.graphql.schema import create_schema
from calendar_gateway.graphql.tokens import Tokens, read
from tests.conftest import settings_for
from tests.integration.test_fuzz import SCALARS

Stream = tuple[list[tuple[TokenKind, str | None, int, int]], int]
"""Tokens (kind, value, start, end) from SOF to EOF, and the number of comments."""

PIECES = [
    # names, keywords, punctuators
    "query", "fragment", "on", "true", "null", "_a1", "A", "é", "...", "..", ".", "!", "$",
    "&", "(", ")", ":", "=", "@", "[", "]", "{", "}", "|", "'", "-", "+", "?",
    # numbers, good and bad
    "0", "-0", "7", "-12", "1e5", "1E+5", "2.5e-3", "0.0", "01", "0x1", "1.", ".5", "1a",
    "1.5.3", "1e", "-a", "--1", "9" * 25,
    # strings and escapes, good and bad
    '"a b"', '""', '"\\n\\t\\"\\\\\\/\\b\\f\\r"', '"\\u00e9"', '"\\u{1F600}"', '"\\u{0}"',
    '"\\uD83D\\uDE00"', '"\\ud83d\\ude00"', '"\\uD800"', '"\\uDE00"', '"\\uD83D\\u0041"',
    '"\\u{110000}"', '"\\u{D800}"', '"\\u{000000041}"', '"\\u{}"', '"\\u12"', '"\\x"',
    '"\\U0041"', '"open', '"line\nbreak"', '"tab\there"', '"\x00"',
    # block strings
    '""""""', '"""a"""', '"""\n    indented\n      more\n"""', '"""a\\"""b"""',
    '"""a\\\\"""', '"""\r\n  x\r  y"""', '"""unterminated', '""""', '"""""',
    # comments and ignored characters
    "# note", "#", "#é😀", " ", "\t", "\n", "\r\n", "\r", ",", "\ufeff", "\xa0", "\u2028",
    # other characters
    "😀", "\ud800", "\udc00", "\x00", "\x7f",
]  # fmt: skip

texts = st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=12).map("".join)


def graphql_core(text: str) -> Stream | None:
    lexer = Lexer(Source(text))
    tokens: list[tuple[TokenKind, str | None, int, int]] = [(TokenKind.SOF, None, 0, 0)]
    try:
        while tokens[-1][0] is not TokenKind.EOF:
            token = lexer.advance()
            tokens.append((token.kind, token.value, token.start, token.end))
    except GraphQLSyntaxError:
        return None
    # The lexer steps over comments; they stay in its linked list of tokens.
    comments = 0
    linked: Token | None = lexer.token
    while linked is not None:
        comments += linked.kind is TokenKind.COMMENT
        linked = linked.prev
    return tokens, comments


def ours(tokens: Tokens) -> Stream:
    stream = list(zip(tokens.kinds, tokens.values, tokens.starts, tokens.ends, strict=True))
    return stream, tokens.comments


def _surrogates(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


@settings(max_examples=3000, deadline=None)
@given(texts)
@example('query { booking(id: "1") { id } }')
@example('"""a\\"""')  # an escaped end is no end: unterminated
@example('""" \\""""""')
@example('"""" "')
@example("1.5e")
@example("0.5.")
def test_tokens_are_graphql_cores_or_none(text: str) -> None:
    expected = graphql_core(text)
    got = read(text, max_tokens=10_000)
    if got is not None:
        assert ours(got) == expected
    elif expected is not None:
        # Giving up is allowed only where this reader does not go: surrogates.
        assert _surrogates(text), text


def test_a_text_over_the_token_limit_is_left_to_the_parser() -> None:
    text = "{ a b } # one\n# two"
    tokens = read(text, max_tokens=6)
    assert tokens is not None
    assert tokens.count == 6  # the parser's count: comments too
    assert read(text, max_tokens=5) is None


def test_block_strings_are_dedented_and_escapes_read() -> None:
    tokens = read('{ f(a: """\n    x\n      y\\"""\n  """, b: "\\u00e9\\n") }', 100)
    assert tokens is not None
    literals = {TokenKind.STRING, TokenKind.BLOCK_STRING}
    values = [
        value for kind, value in zip(tokens.kinds, tokens.values, strict=True) if kind in literals
    ]
    assert values == ['x\n  y"""', "é\n"]


SDL = print_schema(create_schema(settings_for("http://127.0.0.1:1", introspection=True))._schema)


@settings(max_examples=200, deadline=None)
@given(queries(SDL, custom_scalars=SCALARS))
def test_the_gateways_queries_are_read_as_graphql_core_reads_them(query: str) -> None:
    got = read(query, max_tokens=100_000)
    assert got is not None
    assert ours(got) == graphql_core(query)


@settings(max_examples=500, deadline=None)
@given(texts, st.integers(0, 12))
def test_the_token_limit_is_the_parsers_count(text: str, max_tokens: int) -> None:
    # Read up to one match over the limit: over it, a text is given up, however it goes on.
    unlimited = read(text, max_tokens=10_000)
    got = read(text, max_tokens)
    if unlimited is None or unlimited.count > max_tokens:
        assert got is None
    else:
        assert got is not None
        assert ours(got) == ours(unlimited)
