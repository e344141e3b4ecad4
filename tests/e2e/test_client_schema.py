"""schema.client.graphql is what client tooling loads: graphql-js, and the README's codegen."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from tests.e2e.conftest import E2E, SCRIPT_TIMEOUT_SECONDS, Node

ROOT = Path(__file__).parents[2]
CLIENT_SCHEMA = ROOT / "schema.client.graphql"
README = (ROOT / "README.md").read_text()


def readme_codegen_config() -> str:
    section = README.split("### Client schema and codegen", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


async def test_graphql_js_builds_the_client_schema(node: Node) -> None:
    found = await node.run("client_schema.mjs", {"sdl": CLIENT_SCHEMA.read_text()})
    names = {scalar["name"] for scalar in found["scalars"]}
    assert {"Date", "DateTime", "JSON", "LocalDateTime", "LocalTime"} <= names


async def test_every_custom_scalar_states_its_wire_format(node: Node) -> None:
    found = await node.run("client_schema.mjs", {"sdl": CLIENT_SCHEMA.read_text()})
    vague = [
        s["name"]
        for s in found["scalars"]
        if not s.get("specifiedByURL") and not re.search(r'"[^"]+"', s.get("description") or "")
    ]
    assert vague == []  # a description names the format by example, e.g. "HH:MM"


async def test_the_readme_codegen_recipe_types_every_scalar(node: Node, tmp_path: Path) -> None:
    # A client project: the recipe, the schema, and the packages of tests/e2e as its own.
    (tmp_path / "codegen.yml").write_text(readme_codegen_config())
    (tmp_path / "schema.client.graphql").write_text(CLIENT_SCHEMA.read_text())
    (tmp_path / "node_modules").symlink_to(E2E / "node_modules")
    process = await asyncio.create_subprocess_exec(
        node.executable,
        "node_modules/.bin/graphql-codegen",
        "--config",
        "codegen.yml",
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), SCRIPT_TIMEOUT_SECONDS)
    # strictScalars: codegen fails on any custom scalar the recipe does not map.
    assert process.returncode == 0, output.decode()
    generated = (tmp_path / "src" / "gql" / "types.ts").read_text()
    scalars = generated.split("export type Scalars = {", 1)[1].split("};", 1)[0]
    mapped = dict(re.findall(r"^\s+(\w+): \{ input: ([^;]+);", scalars, re.MULTILINE))
    assert mapped["DateTime"] == mapped["LocalDateTime"] == mapped["Date"] == "string"
    assert "unknown" not in set(mapped.values())
    assert "export type BookingConnection" in generated
