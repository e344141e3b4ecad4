"""The bench's count of instructions per request, layer by layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.instructions import LAYERS, totals
from bench.report import render
from bench.results import Results
from tests.test_bench_profile import _results as bench_profile_results


def test_a_dump_s_totals_are_its_instructions(tmp_path: Path) -> None:
    dump = tmp_path / "callgrind.out.1"
    dump.write_text(
        "version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nsummary: 0\ntotals: 4707506\n"
    )
    assert totals(dump) == 4707506


def test_a_dump_without_totals_is_refused(tmp_path: Path) -> None:
    dump = tmp_path / "callgrind.out.1"
    dump.write_text("version: 1\n")
    with pytest.raises(ValueError, match="no totals"):
        totals(dump)


def _results(request: float) -> Results:
    results = bench_profile_results()
    counted = dict.fromkeys(LAYERS, 0.0)
    counted.update(reads=1.4e6, services=1.9e6, snapshots=2.1e6, execute=3.4e6)
    counted.update(request=request, baseline=2.0e6)
    results.instructions = counted
    return results


def test_the_report_adds_up_the_layers_and_compares_with_the_baseline() -> None:
    text = render(_results(4.0e6), "chart.png")
    section = text[text.index("## (b) In instructions") :]
    assert "| the fan-out query, run by the schema with its context | 3.40 M | +1.30 M |" in section
    assert "costs 2.00 x the baseline's. At 1.5 x it would cost 3.00 M, 1.00 M less." in section
    assert "Counted in instructions, which the host's drift leaves alone: 2.00 x." in text


def test_the_report_says_when_the_ratio_is_within_the_target() -> None:
    text = render(_results(2.9e6), "chart.png")
    assert "costs 1.45 x the baseline's. Within 1.5 x." in text
