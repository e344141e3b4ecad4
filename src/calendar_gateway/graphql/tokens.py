"""A query text's tokens, read by one regular expression instead of graphql-core's lexer.

graphql-core's lexer reads a text a character at a time in Python; one regular expression
over GraphQL's lexical grammar reads it in C (the bench's fan-out text: about 110 µs
there, 26 µs here with the loop over the tokens). The tokens, values and offsets are
graphql-core's own (tests/unit/test_tokens.py compares the two on generated and
adversarial texts). Where this reader is not sure - a character it does not take, a
malformed number, string or escape, a surrogate, a text over the token limit - it gives
up, and the caller parses the text with graphql-core, whose error it then is.
"""

from __future__ import annotations

import re
from itertools import islice

from graphql import TokenKind
from graphql.language.block_string import dedent_block_string_lines

_NUMBER_START = r"-?+(?:0|[1-9][0-9]*+)"
# A number followed by a digit, a dot or a name is a syntax error: not ours to read.
_NUMBER_END = r"(?![.0-9A-Z_a-z])"
_STRING_ESCAPE = r'\\(?:["\\/bfnrt]|u(?:[0-9A-Fa-f]{4}|\{[0-9A-Fa-f]{1,8}\}))'

_NAME, _PUNCTUATOR, _STRING, _INT, _FLOAT, _BLOCK_STRING, _COMMENT, _OTHER = range(1, 9)
_TOKEN = re.compile(
    # Ignored: white space, line terminators, commas, the BOM. Possessive quantifiers
    # throughout: no backtracking into a shorter reading of a token.
    r"[\ufeff \t\n\r,]*+(?:"
    r"([A-Z_a-z][0-9A-Z_a-z]*+)"
    r"|([!$&():=@\[\]{|}]|\.\.\.)"
    rf'|("(?!"")(?:[^"\\\n\r\ud800-\udfff]|{_STRING_ESCAPE})*+")'
    rf"|({_NUMBER_START}{_NUMBER_END})"
    rf"|({_NUMBER_START}(?:\.[0-9]++(?:[eE][+-]?+[0-9]++)?+|[eE][+-]?+[0-9]++){_NUMBER_END})"
    r'|("""(?:[^"\\\ud800-\udfff]|"(?!"")|\\(?!""")|\\""")*+""")'
    r"|(#[^\n\r\ud800-\udfff]*+)"
    # Anything else: a lexical error, or a character this reader leaves to graphql-core.
    r"|(.))",
    re.DOTALL,
)

_PUNCTUATORS = {
    kind.value: kind
    for kind in (
        TokenKind.BANG,
        TokenKind.DOLLAR,
        TokenKind.AMP,
        TokenKind.PAREN_L,
        TokenKind.PAREN_R,
        TokenKind.SPREAD,
        TokenKind.COLON,
        TokenKind.EQUALS,
        TokenKind.AT,
        TokenKind.BRACKET_L,
        TokenKind.BRACKET_R,
        TokenKind.BRACE_L,
        TokenKind.PIPE,
        TokenKind.BRACE_R,
    )
}
_NAME_KIND = TokenKind.NAME
_SOF, _EOF = TokenKind.SOF.value, TokenKind.EOF.value
# A kind's value is an enum property: two Python calls a read.
_LITERAL_WORDS = {
    kind: kind.value
    for kind in (TokenKind.STRING, TokenKind.BLOCK_STRING, TokenKind.INT, TokenKind.FLOAT)
}
_ESCAPED = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_ESCAPE = re.compile(
    r"\\(?:u([Dd][89ABab][0-9A-Fa-f]{2})\\u([Dd][C-Fc-f][0-9A-Fa-f]{2})"
    r"|u([0-9A-Fa-f]{4})|u\{([0-9A-Fa-f]+)\}|(.))"
)
_LINE_TERMINATOR = re.compile(r"\r\n|[\n\r]")


class Tokens:
    """A text's tokens as graphql-core's lexer gives them, comments left out but counted.

    Parallel sequences, from the start-of-file token to the end-of-file one: the parser's
    token stream, so a node's first and last token have the same index in both.
    """

    __slots__ = ("comments", "ends", "kinds", "literals", "starts", "values", "words")

    def __init__(self, rows: list[_Row], literals: list[int], comments: int) -> None:
        """``rows``: each token's kind, value, word, start and end."""
        self.kinds: tuple[TokenKind, ...]
        self.values: tuple[str | None, ...]
        """A name's name, a literal's value (escapes read, block strings dedented)."""
        self.words: tuple[str, ...]
        """A name or punctuator as written; for a literal, the kind of literal."""
        self.starts: tuple[int, ...]
        self.ends: tuple[int, ...]
        self.kinds, self.values, self.words, self.starts, self.ends = zip(*rows, strict=True)
        self.literals = literals
        """The indices of the string and number tokens."""
        self.comments = comments

    @property
    def count(self) -> int:
        """What the parser counts toward ``max_tokens``: every token but SOF and EOF."""
        return len(self.kinds) - 2 + self.comments


_Row = tuple[TokenKind, str | None, str, int, int]


class _RefusedEscapeError(Exception):
    """An escape sequence graphql-core refuses: the text is left to it."""


def read(text: str, max_tokens: int) -> Tokens | None:
    """The text's tokens, or None where graphql-core's parser should read it."""
    # Every match is a token or a comment (or a character given up on): reading one match
    # more than the limit allows is enough to know the text is over it.
    matches = list(islice(_TOKEN.finditer(text), max_tokens + 1))
    if len(matches) > max_tokens:
        return None
    # One row a token, unzipped in C at the end: a quarter of the loop's calls (the bench's
    # fan-out text: 45 tokens, 225 list appends a request before).
    rows: list[_Row] = [(TokenKind.SOF, None, _SOF, 0, 0)]
    literals: list[int] = []
    comments = 0
    for match in matches:
        group = match.lastindex or _OTHER
        start, end = match.span(group)
        if group == _NAME:
            word = match[group]
            rows.append((_NAME_KIND, word, word, start, end))
        elif group == _PUNCTUATOR:
            word = match[group]
            rows.append((_PUNCTUATORS[word], None, word, start, end))
        elif group == _COMMENT:
            comments += 1
        elif group == _OTHER:
            return None
        else:
            kind, value = _literal(group, match[group])
            if value is None:
                return None
            literals.append(len(rows))
            rows.append((kind, value, _LITERAL_WORDS[kind], start, end))
    rows.append((TokenKind.EOF, None, _EOF, len(text), len(text)))
    return Tokens(rows, literals, comments)


def _literal(group: int, lexeme: str) -> tuple[TokenKind, str | None]:
    if group == _STRING:
        body = lexeme[1:-1]
        return TokenKind.STRING, _unescaped(body) if "\\" in body else body
    if group == _INT:
        return TokenKind.INT, lexeme
    if group == _FLOAT:
        return TokenKind.FLOAT, lexeme
    lines = _LINE_TERMINATOR.split(lexeme[3:-3].replace('\\"""', '"""'))
    return TokenKind.BLOCK_STRING, "\n".join(dedent_block_string_lines(lines))


def _unescaped(body: str) -> str | None:
    try:
        return _ESCAPE.sub(_escaped, body)
    except _RefusedEscapeError:
        return None


def _escaped(escape: re.Match[str]) -> str:
    leading, trailing, fixed, variable, character = escape.groups()
    if leading is not None:
        # A surrogate pair written as two escapes is one character, as in JSON.
        pair = chr(int(leading, 16)) + chr(int(trailing, 16))
        return pair.encode("utf-16", "surrogatepass").decode("utf-16")
    if character is not None:
        return _ESCAPED[character]
    point = int(fixed if fixed is not None else variable, 16)
    if point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
        raise _RefusedEscapeError  # not a Unicode scalar value: graphql-core's error
    return chr(point)
