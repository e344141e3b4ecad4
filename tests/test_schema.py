"""schema.graphql is what the code exports."""

from __future__ import annotations

from pathlib import Path

from calendar_gateway.graphql.schema import create_schema

CHECKED_IN = Path(__file__).parent.parent / "schema.graphql"


def test_checked_in_schema_matches_the_code() -> None:
    exported = create_schema().as_str() + "\n"
    assert CHECKED_IN.read_text() == exported, (
        "schema.graphql is stale: run `calendar-gateway export-schema -o schema.graphql`"
    )
