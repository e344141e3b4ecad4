"""Which media type a GraphQL answer takes, and which request bodies count as JSON in UTF-8."""

from __future__ import annotations

import pytest

from calendar_gateway.graphql.http import is_json_utf8
from calendar_gateway.protection.rejection import response_media_type

NEW = "application/graphql-response+json"
LEGACY = "application/json"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, LEGACY),
        ("", LEGACY),
        ("*/*", LEGACY),
        (LEGACY, LEGACY),
        (NEW, NEW),
        (f"{NEW}, {LEGACY};q=0.9", NEW),  # Apollo Client's
        (f"{LEGACY}, {NEW}", NEW),  # equal weights: the protocol's own type
        (f"{NEW};q=0.5, {LEGACY}", LEGACY),
        (f"{NEW};q=0", LEGACY),
        (f"{NEW};q=nonsense", LEGACY),
        (f"{NEW};q=2", LEGACY),
        ("Application/GraphQL-Response+JSON ; Q=0.8", NEW),
        ("text/html, */*;q=0.8", LEGACY),
    ],
)
def test_response_media_type(accept: str | None, expected: str) -> None:
    assert response_media_type(accept) == expected


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/json", True),
        ("Application/JSON; charset=UTF-8", True),
        ('application/json; charset="utf-8"', True),
        ("application/json; boundary=x", True),
        ("application/json; charset=latin-1", False),
        ("application/jsonx", False),
        ("application/json-patch+json", False),
        ("text/json", False),
        ("", False),
        (";;;", False),
    ],
)
def test_is_json_utf8(content_type: str, expected: bool) -> None:
    assert is_json_utf8(content_type) is expected
