"""What one ``make bench`` run measured, and the targets it is judged by."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bench.load import LoadResult
from bench.profile import Profile

FANOUT = "(b) the fan-out, ids as variables"
INLINE = "(f) the fan-out, ids inline in a new text per request"
BASELINE_READS = "the baseline: the same reads with aiohttp, no GraphQL"


@dataclass(frozen=True)
class Stats:
    """One bounded load run, summarised."""

    connections: int
    requests: int
    errors: int
    throughput: float
    p50_ms: float
    p99_ms: float
    completed: int
    cpu: dict[str, float]
    """Share of one core each process used over the run: server, simulators, load."""
    upstream_calls_per_request: float | None = None
    first_error: str | None = None

    @classmethod
    def of(cls, load: LoadResult, connections: int, cpu: dict[str, float]) -> Stats:
        latencies = sorted(load.latencies)
        return cls(
            connections=connections,
            requests=len(latencies),
            errors=load.errors,
            throughput=load.throughput,
            p50_ms=percentile(latencies, 0.50) * 1000,
            p99_ms=percentile(latencies, 0.99) * 1000,
            completed=load.completed,
            cpu=cpu,
            first_error=load.first_error,
        )


def percentile(ordered: list[float], fraction: float) -> float:
    """The nearest-rank percentile of an ascending list (0.0 when empty)."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Target:
    """A ratio from the run against the limit the issue sets."""

    name: str
    measured: float
    limit: float
    unit: str
    at_most: bool
    pending: str | None = None

    @property
    def met(self) -> bool:
        if self.pending is not None:
            return False
        return self.measured <= self.limit if self.at_most else self.measured >= self.limit

    @property
    def miss(self) -> float:
        """How far past the limit, as a fraction of it (0 when met)."""
        if self.met or self.pending is not None:
            return 0.0
        return abs(self.measured - self.limit) / self.limit


@dataclass
class Results:
    latency_seconds: float
    duration_seconds: float
    connections: int
    load_average: float
    entities: int
    turns: int = 1
    latency_connections: int = 16
    upstream_calls: dict[str, Stats] = field(default_factory=dict)
    fanout_alone: Stats | None = None
    fanout_latency: Stats | None = None
    fanout_throughput: Stats | None = None
    clients: dict[str, Stats] = field(default_factory=dict)
    hot_read: Stats | None = None
    duplicates: Stats | None = None
    distinct_entities: int = 0
    entity_references: int = 0
    rss_mb: float = 0.0
    peak_rss_mb: float = 0.0
    encoders: dict[str, dict[str, float]] = field(default_factory=dict)
    encoded_bytes: dict[str, int] = field(default_factory=dict)
    inline: Stats | None = None
    inline_workers: Stats | None = None
    workers: int = 0
    profiles: dict[str, Profile] = field(default_factory=dict)
    instructions: dict[str, float] = field(default_factory=dict)
    """Per fan-out request, by layer (bench/instructions.py)."""

    def runs(self) -> dict[str, Stats]:
        named = {
            "fan-out alone": self.fanout_alone,
            "fan-out latency": self.fanout_latency,
            "fan-out throughput": self.fanout_throughput,
            "hot read": self.hot_read,
            "inline ids": self.inline,
            "inline ids, workers": self.inline_workers,
            "duplicates": self.duplicates,
        }
        return {
            **{f"{name} read alone": stats for name, stats in self.upstream_calls.items()},
            **{f"baseline with {name}": stats for name, stats in self.clients.items()},
            **{name: stats for name, stats in named.items() if stats is not None},
        }

    @property
    def slowest_upstream(self) -> tuple[str, Stats]:
        return max(self.upstream_calls.items(), key=lambda item: item[1].p50_ms)

    def targets(self) -> list[Target]:
        return [
            self._latency_target(),
            self._throughput_target(),
            self._cpu_target(),
            self._inline_target(),
            self._duplicates_target(),
            self._memory_target(),
        ]

    def _latency_target(self) -> Target:
        assert self.fanout_latency is not None
        ratio = self.fanout_latency.p50_ms / max(self.slowest_upstream[1].p50_ms, 1e-9)
        name = "(a) fan-out p50 / slowest upstream p50"
        return Target(name, ratio, 1.15, "x", True, _failed(self.fanout_latency))

    def _throughput_target(self) -> Target:
        assert self.fanout_throughput is not None
        baseline = self.clients["aiohttp"]
        ratio = self.fanout_throughput.throughput / max(baseline.throughput, 1e-9)
        failed = _failed(self.fanout_throughput) or _failed(baseline)
        name = "(b) fan-out throughput / aiohttp baseline"
        return Target(name, ratio, 0.85, "x", False, failed)

    def _cpu_target(self) -> Target:
        assert self.fanout_throughput is not None
        baseline = self.clients["aiohttp"]
        ratio = cpu_ms(self.fanout_throughput) / max(cpu_ms(baseline), 1e-9)
        failed = _failed(self.fanout_throughput) or _failed(baseline)
        name = "(b) server CPU per fan-out request / aiohttp baseline's"
        return Target(name, ratio, 1.5, "x", True, failed)

    def _inline_target(self) -> Target:
        assert self.fanout_throughput is not None
        assert self.inline is not None
        ratio = cpu_ms(self.inline) / max(cpu_ms(self.fanout_throughput), 1e-9)
        failed = _failed(self.inline) or _failed(self.fanout_throughput)
        name = "(f) server CPU per request, ids inline / ids as variables (b)"
        return Target(name, ratio, 1.25, "x", True, failed)

    def _duplicates_target(self) -> Target:
        assert self.duplicates is not None
        calls = self.duplicates.upstream_calls_per_request or 0.0
        ratio = calls / self.distinct_entities
        name = "(d) upstream calls per distinct entity"
        return Target(name, ratio, 1.0, "", True, _failed(self.duplicates))

    def _memory_target(self) -> Target:
        name = f"(e) RSS per worker at {self.connections} connections"
        return Target(name, self.peak_rss_mb, 150, "MB", True)


def cpu_ms(stats: Stats) -> float:
    """Milliseconds of the server's CPU (all its workers) per answered request."""
    return 1000 * stats.cpu["server"] / stats.throughput if stats.throughput else 0.0


def _failed(stats: Stats) -> str | None:
    """Why a ratio from this run means nothing, if it does not."""
    if stats.errors:
        return f"{stats.errors} requests failed (see Errors)"
    if not stats.requests:
        return "no request completed within the run"
    return None
