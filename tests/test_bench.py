"""``make bench`` works end to end: ``python -m bench --quick`` starts every server, runs
every scenario for a fraction of a second and writes the report (no timing is judged here).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = (
    "## Targets",
    "## (a) Fan-out latency",
    "## (b) Fan-out throughput",
    "## (b) In instructions",
    "## (f) and (g) Inline ids",
    "## Upstream transport",
    "## (c) A hot read",
    "## (d) Duplicate entity references",
    "## (e) Memory",
    "## JSON responses",
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("bench") / Path("docs/benchmarks.md").name
    subprocess.run(
        [sys.executable, "-m", "bench", "--quick", f"--output={output}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=180,
    )
    return output


def test_quick_bench_writes_every_section(report: Path) -> None:
    text = report.read_text()
    assert [section for section in SECTIONS if section not in text] == []


def test_quick_bench_requests_all_succeed(report: Path) -> None:
    assert "## Errors" not in report.read_text()


def test_quick_bench_draws_the_chart(report: Path) -> None:
    assert report.with_suffix(".png").read_bytes().startswith(b"\x89PNG")
