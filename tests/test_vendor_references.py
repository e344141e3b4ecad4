"""Every reference to a document in the code names a file of this repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# A path-like token ending in .md or .txt: "docs/vendors/grs.md", "bookings-create.txt".
REFERENCE = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+(?:\.[\w-]+)*\.(?:md|txt))\b")
SOURCES = sorted(
    path
    for folder in ("src", "tests", "bench")
    for path in (ROOT / folder).rglob("*.py")
    if "node_modules" not in path.parts and path.name != "test_vendor_references.py"
)


def references(path: Path) -> list[tuple[int, str]]:
    found = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        found += [(number, match) for match in REFERENCE.findall(line)]
    return found


def test_the_code_refers_to_documents() -> None:
    # The check below passes vacuously if the pattern stops matching.
    assert any(ref == "docs/vendors/grs.md" for path in SOURCES for _, ref in references(path))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_document_referred_to_exists(path: Path) -> None:
    missing = [
        f"{path.relative_to(ROOT)}:{number}: {ref}"
        for number, ref in references(path)
        if not (ROOT / ref).is_file()
    ]
    assert not missing, "references to files not in the repository:\n" + "\n".join(missing)
