"""Prometheus metrics: what the gateway counts, and a registry per app that exposes them.

The counters live at module level, shared by every app in the process; each app's
registry adds the states of its own circuit breakers, read at scrape time.

Under ``serve --workers N`` each worker is a process of its own and a scrape reaches one
of them: ``serve`` then sets ``PROMETHEUS_MULTIPROC_DIR`` (cli.py), every worker writes
its samples there, and any worker answers with the sum of all of them (prometheus-client's
multiprocess mode). Process metrics carry a ``pid`` label, one series per worker.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from enum import Enum
from pathlib import Path
from typing import Protocol

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import Scope

NAMESPACE = "calendar_gateway"
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

# A `_created` series per counter and histogram doubles what is scraped and says nothing
# a dashboard uses.
disable_created_metrics()  # type: ignore[no-untyped-call] # untyped in prometheus-client

GRAPHQL_REQUESTS = Counter(
    "graphql_requests",
    "GraphQL operations, by operation name, type and outcome (ok, partial, error).",
    ["operation", "type", "outcome"],
    namespace=NAMESPACE,
    registry=None,
)
GRAPHQL_DURATION = Histogram(
    "graphql_request_duration_seconds",
    "Time to execute a GraphQL operation.",
    ["operation", "type"],
    namespace=NAMESPACE,
    registry=None,
)
GRAPHQL_ERRORS = Counter(
    "graphql_errors",
    "Errors in GraphQL responses, by extensions.code.",
    ["code"],
    namespace=NAMESPACE,
    registry=None,
)
UPSTREAM_REQUESTS = Counter(
    "upstream_requests",
    "Calls to the vendor APIs, by upstream, method and HTTP status"
    " (or timeout, unreachable, busy, circuit_open).",
    ["upstream", "method", "status"],
    namespace=NAMESPACE,
    registry=None,
)
UPSTREAM_DURATION = Histogram(
    "upstream_request_duration_seconds",
    "Time of one call to a vendor API, answered or not.",
    ["upstream"],
    namespace=NAMESPACE,
    registry=None,
)
CACHE_HITS = Counter(
    "cache_hits", "Reads answered from the cache.", ["cache"], namespace=NAMESPACE, registry=None
)
CACHE_MISSES = Counter(
    "cache_misses",
    "Reads the cache could not answer.",
    ["cache"],
    namespace=NAMESPACE,
    registry=None,
)
CACHE_STORE_ERRORS = Counter(
    "cache_store_errors",
    "Calls to the cache's store (Redis) that failed; reads then go to the upstreams.",
    ["cache", "operation"],
    namespace=NAMESPACE,
    registry=None,
)
CACHE_REJECTED = Counter(
    "cache_values_rejected",
    "Values found in the cache's store that did not validate, read as misses.",
    ["cache"],
    namespace=NAMESPACE,
    registry=None,
)
LOCK_WAIT = Histogram(
    "lock_wait_seconds",
    "Time a calendar edit waited for the gateway's mutex of that calendar.",
    namespace=NAMESPACE,
    registry=None,
)
EDITS_IN_FLIGHT = Gauge(
    "edits_in_flight",
    "Calendar edit sessions running now.",
    namespace=NAMESPACE,
    registry=None,
    multiprocess_mode="livesum",
)
GRAPHQL_PHASE_DURATION = Histogram(
    "graphql_phase_duration_seconds",
    "Time of each phase of a GraphQL operation: parse, validate, execute.",
    ["phase"],
    namespace=NAMESPACE,
    registry=None,
)
HTTP_REQUESTS = Counter(
    "http_requests",
    "HTTP requests answered, by method, route and status.",
    ["method", "route", "status"],
    namespace=NAMESPACE,
    registry=None,
)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer.",
    ["method", "route"],
    namespace=NAMESPACE,
    registry=None,
)
HTTP_IN_FLIGHT = Gauge(
    "http_requests_in_flight",
    "HTTP requests being answered now.",
    namespace=NAMESPACE,
    registry=None,
    multiprocess_mode="livesum",
)

_SHARED: tuple[Collector, ...] = (
    GRAPHQL_REQUESTS,
    GRAPHQL_DURATION,
    GRAPHQL_ERRORS,
    UPSTREAM_REQUESTS,
    UPSTREAM_DURATION,
    CACHE_HITS,
    CACHE_MISSES,
    CACHE_STORE_ERRORS,
    CACHE_REJECTED,
    LOCK_WAIT,
    EDITS_IN_FLIGHT,
    GRAPHQL_PHASE_DURATION,
    HTTP_REQUESTS,
    HTTP_DURATION,
    HTTP_IN_FLIGHT,
)


class Circuit(Protocol):
    """A circuit breaker, as far as metrics care: its state, one of an enumeration."""

    @property
    def state(self) -> Enum: ...


class Guarded(Protocol):
    """An upstream's transport, as far as metrics care."""

    @property
    def circuit(self) -> Circuit: ...


class CircuitStates(Collector):
    """``calendar_gateway_upstream_circuit_state{upstream, state}``: 1 for the current state."""

    def __init__(self, upstreams: Mapping[str, Guarded]) -> None:
        self._upstreams = upstreams

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            f"{NAMESPACE}_upstream_circuit_state",
            "Circuit breaker state per upstream: 1 for the state it is in.",
            labels=["upstream", "state"],
        )
        for upstream, guarded in self._upstreams.items():
            current = guarded.circuit.state
            # Every state of its enumeration, so a scrape sees the ones left too.
            for state in type(current):
                family.add_metric([upstream, state.value], 1.0 if state is current else 0.0)
        yield family


class WorkerProcesses(Collector):
    """The process metrics (CPU, memory, files) of every worker writing to ``directory``.

    A worker that died is forgotten here: its live gauges (in flight) no longer count.
    """

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def collect(self) -> Iterator[Metric]:
        families: dict[str, Metric] = {}
        for pid in self._worker_pids():
            if not Path(f"/proc/{pid}").exists():
                multiprocess.mark_process_dead(pid, str(self._directory))  # type: ignore[no-untyped-call]
                continue
            collector = ProcessCollector(pid=functools.partial(int, pid), registry=None)
            for family in collector.collect():
                merged = families.setdefault(
                    family.name, Metric(family.name, family.documentation, family.type)
                )
                for sample in family.samples:
                    labels = {**sample.labels, "pid": str(pid)}
                    merged.add_sample(sample.name, labels, sample.value)
        yield from families.values()

    def _worker_pids(self) -> set[int]:
        # Each worker's files end in its pid: counter_123.db, gauge_livesum_123.db.
        names = (path.stem for path in self._directory.glob("*.db"))
        return {int(match[1]) for name in names if (match := _PID.search(name))}


_PID = re.compile(r"_(\d+)$")


def registry_for(
    upstreams: Mapping[str, Guarded], directory: Path | None = None
) -> CollectorRegistry:
    """Every shared metric, the process's and Python's, and the circuit states of ``upstreams``.

    With ``directory`` (multiprocess mode) the shared metrics are read from every worker's
    files there; it must be the ``PROMETHEUS_MULTIPROC_DIR`` the process started with.
    """
    registry = CollectorRegistry()
    if directory is None:
        for collector in (*_SHARED, PROCESS_COLLECTOR, GC_COLLECTOR):
            registry.register(collector)
    else:
        multiprocess.MultiProcessCollector(registry, str(directory))  # type: ignore[no-untyped-call]
        registry.register(WorkerProcesses(directory))
    registry.register(PLATFORM_COLLECTOR)
    # The answering worker's circuits: each worker has its own (README, Operations).
    registry.register(CircuitStates(upstreams))
    return registry


class HttpRequests:
    """HTTP requests counted by method, route and status, timed, and in flight."""

    def __init__(self, routes: frozenset[str]) -> None:
        self._routes = routes

    def labels(self, scope: Scope) -> tuple[str, str]:
        """A request's method and route, as its series name them."""
        # Bounded label values: a client picks the method and path, not the series.
        method = scope["method"] if scope["method"] in _METHODS else "other"
        path: str = scope["path"]
        if path in self._routes:
            return method, path
        route = next((r for r in self._routes if path.startswith(r + "/")), "other")
        return method, route

    def started(self) -> None:
        """A request has come in."""
        HTTP_IN_FLIGHT.inc()

    def finished(self, labels: tuple[str, str], status: int, elapsed: float) -> None:
        """A request is answered with ``status`` (500 if the app raised before answering)."""
        HTTP_IN_FLIGHT.dec()
        method, route = labels
        _http_duration(method, route).observe(elapsed)
        _http_requests(method, route, status).inc()


_METHODS = frozenset({"GET", "POST", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})


# labels() takes a lock and builds its key on every call: each series is looked up once.
# Bounded: a few methods and routes, and the statuses an ASGI app can send.
@functools.cache
def _http_duration(method: str, route: str) -> Histogram:
    return HTTP_DURATION.labels(method, route)


@functools.cache
def _http_requests(method: str, route: str, status: int) -> Counter:
    return HTTP_REQUESTS.labels(method, route, str(status))
