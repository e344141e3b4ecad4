"""Prometheus metrics: what the gateway counts, and a registry per app that exposes them.

The counters live at module level, shared by every app in the process; each app's
registry adds the states of its own circuit breakers, read at scrape time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import Enum
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

NAMESPACE = "calendar_gateway"

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


def registry_for(upstreams: Mapping[str, Guarded]) -> CollectorRegistry:
    """A registry with every shared metric and the circuit states of ``upstreams``."""
    registry = CollectorRegistry()
    for collector in _SHARED:
        registry.register(collector)
    registry.register(CircuitStates(upstreams))
    return registry
