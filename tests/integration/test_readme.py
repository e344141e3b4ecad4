"""The README's examples run against the demo, and its table names every setting."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from calendar_gateway.services import errors as input_errors
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


def _table_codes(heading: str) -> set[str]:
    section = README.split(heading, 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    # The first column: the codes a row is about.
    return {code for row in rows for code in re.findall(r"`([A-Z_]+)`", row.split(" | ")[0])}


def _codes_in(path: Path) -> set[str]:
    # Codes appear as ``"code": "X"`` (a log record's ``extra`` is no error), as a rejection's
    # code, or in the error contract's table.
    text = path.read_text()
    found = set(re.findall(r'(?<!extra=\{)"code": "([A-Z_]+)"', text))
    found |= set(re.findall(r'rejection\(\d+, "([A-Z_]+)"', text))
    found |= set(re.findall(r'Error, "([A-Z_]+)"\)', text))
    found |= set(re.findall(r'return "([A-Z_]+)"$', text, re.MULTILINE))  # not `"X" in os.environ`
    return found


def test_the_error_table_names_every_code_the_gateway_emits() -> None:
    source = Path(__file__).parent.parent.parent / "src" / "calendar_gateway"
    emitted = {
        code
        for path in source.rglob("*.py")
        if "simulators" not in path.parts
        for code in _codes_in(path)
    }
    assert {"BAD_USER_INPUT", "PAYLOAD_TOO_LARGE", "UPSTREAM_ERROR"} <= emitted  # the scan works
    assert emitted <= _table_codes("### Errors")


def test_the_field_problem_codes_are_all_named() -> None:
    codes = {value for name, value in vars(input_errors).items() if name.isupper()}
    named = set(re.findall(r"`([A-Z_]+)`", README.split("fieldErrors[].code", 1)[1][:300]))
    assert codes <= named
