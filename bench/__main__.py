"""``python -m bench [--quick] [--output FILE]``: run every scenario, write the report."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
from pathlib import Path

from bench import harness, report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="seconds, not minutes: a smoke run")
    parser.add_argument("--latency", type=float, help="seconds the simulators add (0.05)")
    parser.add_argument("--duration", type=float, help="seconds of each measured run")
    parser.add_argument("--output", type=Path, default=Path("docs/benchmarks.md"))
    args = parser.parse_args(argv)
    plan = harness.Plan.quick() if args.quick else harness.Plan()
    if args.latency is not None:
        plan = dataclasses.replace(plan, latency=args.latency)
    if args.duration is not None:
        plan = dataclasses.replace(plan, duration=args.duration)
    with tempfile.TemporaryDirectory(prefix="bench-") as logs:
        results = asyncio.run(harness.run(plan, Path(logs)))
    chart = args.output.with_suffix(".png")
    report.write(results, args.output, chart)
    for target in results.targets():
        print(report.target_line(target), file=sys.stderr)
    print(f"wrote {args.output} and {chart}", file=sys.stderr)


if __name__ == "__main__":
    main()
