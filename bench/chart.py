"""The report's chart: throughput of every server, and latency against the upstreams alone."""

from __future__ import annotations

from pathlib import Path

import matplotlib

# Files only, no display: chosen before pyplot is imported.
matplotlib.use("Agg")

import matplotlib.pyplot as plt

from bench.results import Results


def draw(results: Results, chart: Path) -> None:
    assert results.fanout_throughput is not None
    assert results.fanout_latency is not None
    assert results.hot_read is not None
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    throughput = {name: stats.throughput for name, stats in results.clients.items()}
    throughput["gateway"] = results.fanout_throughput.throughput
    throughput["gateway, cached"] = results.hot_read.throughput
    if results.inline is not None:
        throughput["gateway, ids inline"] = results.inline.throughput
    if results.inline_workers is not None:
        throughput[f"gateway x{results.workers}, ids inline"] = results.inline_workers.throughput
    left.barh(list(throughput), list(throughput.values()), color=_colours(throughput))
    left.set_xlabel(f"requests/s at {results.connections} connections")
    left.set_title("Throughput: fan-out over the upstreams")
    left.invert_yaxis()
    connections = results.fanout_latency.connections
    latency = {f"{name} alone": stats for name, stats in results.upstream_calls.items()}
    if results.fanout_alone is not None:
        latency["gateway, 1 at a time"] = results.fanout_alone
    latency[f"gateway, {connections} at a time"] = results.fanout_latency
    positions = range(len(latency))
    right.bar([p - 0.2 for p in positions], [s.p50_ms for s in latency.values()], 0.4, label="p50")
    right.bar([p + 0.2 for p in positions], [s.p99_ms for s in latency.values()], 0.4, label="p99")
    right.set_xticks(list(positions), list(latency), rotation=15)
    right.set_ylabel("ms")
    right.set_title(f"Latency: upstream reads alone ({connections} at a time), fan-out")
    right.legend()
    figure.tight_layout()
    figure.savefig(chart, dpi=100)
    plt.close(figure)


def _colours(bars: dict[str, float]) -> list[str]:
    return [_colour(name) for name in bars]


def _colour(bar: str) -> str:
    if bar.startswith("gateway"):
        return "tab:orange"
    return "tab:gray" if bar == "aiohttp" else "tab:blue"
