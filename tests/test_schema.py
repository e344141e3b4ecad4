"""schema.graphql is what the code exports."""

from __future__ import annotations

from pathlib import Path

from calendar_gateway.cli import main
from calendar_gateway.graphql.client_schema import client_sdl
from calendar_gateway.graphql.schema import create_schema

CHECKED_IN = Path(__file__).parent.parent / "schema.graphql"


def test_checked_in_schema_matches_the_code() -> None:
    exported = create_schema().as_str() + "\n"
    assert CHECKED_IN.read_text() == exported, (
        "schema.graphql is stale: run `calendar-gateway export-schema -o schema.graphql`"
    )


CLIENT = Path(__file__).parent.parent / "schema.client.graphql"


def test_checked_in_client_schema_matches_the_code() -> None:
    assert CLIENT.read_text() == client_sdl(create_schema()), (
        "schema.client.graphql is stale: run "
        "`calendar-gateway export-schema --client -o schema.client.graphql`"
    )


def test_client_schema_has_no_federation_internals() -> None:
    sdl = client_sdl(create_schema())
    for internal in ("_entities", "_service", "_Any", "_Entity", "@link", "@key", "FieldSet"):
        assert internal not in sdl
    assert "bookingsInRangeConnection" in sdl


def test_export_schema_client_writes_the_client_schema(tmp_path: Path) -> None:
    target = tmp_path / "client.graphql"
    main(["export-schema", "--client", "-o", str(target)])
    assert target.read_text() == CLIENT.read_text()
