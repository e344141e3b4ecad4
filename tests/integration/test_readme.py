"""The README's examples run against the demo, and its table names every setting."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from calendar_gateway.settings import Settings
from tests.client import execute

README = (Path(__file__).parent.parent.parent / "README.md").read_text()
EXAMPLES = re.findall(r"```graphql\n(.*?)```", README, re.DOTALL)
OPERATION = re.compile(r"^(?:query|mutation)\b.*?^\}|^query \{.*?\}$", re.DOTALL | re.MULTILINE)


def operations() -> list[str]:
    return [op for example in EXAMPLES for op in OPERATION.findall(example)]


def test_the_readme_opens_with_the_two_commands() -> None:
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split()[:2] for line in first_block.splitlines()] == [
        ["make", "demo"],
        ["make", "test"],
    ]


def test_the_configuration_table_names_every_setting() -> None:
    table = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in Settings.model_fields if f"`{name.upper()}" not in table]
    assert missing == []


def test_there_are_examples_for_every_vendor() -> None:
    assert len(operations()) >= 6


@pytest.mark.parametrize("operation", operations())
async def test_readme_example_runs(operation: str, gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, operation)
    assert body.get("errors") is None, body
