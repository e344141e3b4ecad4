"""Every GraphQL operation counted, timed, traced and logged, after the error contract ran."""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Iterator

from graphql import DocumentNode
from graphql import ExecutionResult as GraphQLExecutionResult
from prometheus_client import Counter, Histogram
from strawberry.types.execution import ExecutionContext, ExecutionResult
from strawberry.utils.operation import get_operation_type

from calendar_gateway import metrics, tracing

log = logging.getLogger(__name__)

# Operation names come from clients: only this many distinct ones become metric labels,
# so a client inventing names cannot grow the metrics without bound.
MAX_OPERATION_LABELS = 200
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")


class OperationLabels:
    """Metric labels for client-chosen operation names, bounded in number."""

    def __init__(self, limit: int = MAX_OPERATION_LABELS) -> None:
        self._limit = limit
        self._seen: set[str] = set()

    def __call__(self, name: str | None) -> str:
        if name is None:
            return "anonymous"
        if name in self._seen:
            return name
        if not _NAME.fullmatch(name) or len(self._seen) >= self._limit:
            return "other"
        self._seen.add(name)
        return name


_labels = OperationLabels()


class Observed:
    """Every operation's metrics, span and log line, after the error contract ran.

    ``around`` is the operation's hook. An operation refused inside a hook (Admission's
    parse: a syntax error, a text over the token limit) leaves it by an exception, before
    Strawberry has made and coded its error: ``settle`` records it then, from the result's
    extensions hook, so that a refused operation is counted and logged as the client sees it.
    """

    def __init__(self, context: ExecutionContext) -> None:
        self._context = context
        self._started = 0.0
        self._refused = False

    def around(self) -> Iterator[None]:
        """A generator around the whole operation."""
        self._started = time.perf_counter()
        with tracing.operation_span() as span:
            try:
                yield
            except Exception:
                self._refused = True
                raise
            operation, kind, codes, outcome = self._described()
            span.rename(f"{kind} {operation}")
            span.set("graphql.operation.name", operation)
            span.set("graphql.operation.type", kind)
            if outcome != "ok":
                span.failed(", ".join(sorted(set(codes))))
        self._record(operation, kind, codes, outcome)

    def settle(self) -> None:
        """Records an operation refused in a hook, now that its error is coded."""
        if self._refused:
            self._refused = False
            self._record(*self._described())

    def _described(self) -> tuple[str, str, list[str], str]:
        context = self._context
        name = context.operation_name  # a property that looks through the document
        codes = _error_codes(context)
        kind = _operation_type(context.graphql_document, name)
        return _labels(name), kind, codes, _outcome(context, codes)

    def _record(self, operation: str, kind: str, codes: list[str], outcome: str) -> None:
        elapsed = time.perf_counter() - self._started
        _requests(operation, kind, outcome).inc()
        _duration(operation, kind).observe(elapsed)
        for code in codes:
            _errors(code).inc()
        log.info(
            "graphql %s %s: %s",
            kind,
            operation,
            outcome,
            extra={"duration_ms": round(elapsed * 1000, 1), "error_codes": codes},
        )


def observe_phase(phase: str, seconds: float) -> None:
    """Records the time of one phase of an operation: parse, validate or execute."""
    _phase(phase).observe(seconds)


# labels() takes a lock and builds its key on every call: each series is looked up once.
# Bounded: at most MAX_OPERATION_LABELS + 2 operations, of 4 kinds and 3 outcomes.
@functools.cache
def _requests(operation: str, kind: str, outcome: str) -> Counter:
    return metrics.GRAPHQL_REQUESTS.labels(operation, kind, outcome)


@functools.cache
def _duration(operation: str, kind: str) -> Histogram:
    return metrics.GRAPHQL_DURATION.labels(operation, kind)


# The error contract's codes; the metric keeps each child anyway, this only finds it faster.
@functools.cache
def _errors(code: str) -> Counter:
    return metrics.GRAPHQL_ERRORS.labels(code)


# Made on first use, as labels() would: a phase has no series before it was timed.
@functools.cache
def _phase(name: str) -> Histogram:
    return metrics.GRAPHQL_PHASE_DURATION.labels(name)


def _operation_type(document: DocumentNode | None, name: str | None) -> str:
    """ExecutionContext.operation_type's value, given the name the context has looked up."""
    if document is None:  # the document did not parse
        return "unknown"
    try:
        return get_operation_type(document, name).value
    except RuntimeError:  # it names no such operation
        return "unknown"


def _error_codes(context: ExecutionContext) -> list[str]:
    result = context.result
    if not isinstance(result, (GraphQLExecutionResult, ExecutionResult)) or not result.errors:
        return list(map(_code_of, context.pre_execution_errors or []))
    return [_code_of(error) for error in result.errors]


def _code_of(error: object) -> str:
    extensions = getattr(error, "extensions", None) or {}
    return str(extensions.get("code", "UNKNOWN"))


def _outcome(context: ExecutionContext, codes: list[str]) -> str:
    if not codes:
        return "ok"
    result = context.result
    data = getattr(result, "data", None)
    has_data = isinstance(data, dict) and any(value is not None for value in data.values())
    return "partial" if has_data else "error"
