"""Tracing is an opt-in extra: without OpenTelemetry the gateway runs all the same."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _run(script: str) -> subprocess.CompletedProcess[str]:
    """``script`` in a new interpreter: what it imports, it imports afresh."""
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )


WITHOUT_OPENTELEMETRY = """
import sys
sys.modules["opentelemetry"] = None  # as if the extra were not installed
from calendar_gateway import tracing
from calendar_gateway.app import create_app
from calendar_gateway.cli import demo_settings
create_app(demo_settings("http://127.0.0.1:9", 0))
with tracing.operation_span() as span:
    span.rename("query Q")
    span.failed("no reason")
tracing.configure("otlp")
print("ok")
"""


def test_the_gateway_imports_and_traces_nothing_without_opentelemetry() -> None:
    ran = _run(WITHOUT_OPENTELEMETRY)
    assert (ran.returncode, ran.stdout.strip()) == (0, "ok"), ran.stderr


WITH_CONSOLE_EXPORTER = """
from calendar_gateway import tracing
tracing.configure("console")
with tracing.operation_span() as span:
    span.rename("query Exported")
"""  # the SDK flushes its batch at exit


def test_configure_sends_spans_to_the_exporter_otel_traces_exporter_names() -> None:
    pytest.importorskip("opentelemetry.sdk", reason="tracing needs the otel extra")
    ran = _run(WITH_CONSOLE_EXPORTER)
    assert '"name": "query Exported"' in ran.stdout, ran.stderr


UNRECORDED_UPSTREAM_CALL = """
from calendar_gateway import tracing
for exporter in ("unset", "none"):
    if exporter == "none":
        tracing.configure("none")
    headers = {}
    with tracing.upstream_span("bookings", "POST", "/x", headers) as span:
        span.answered(503)
        span.failed("no reason")
    assert headers == {}, headers
print("ok")
"""


def test_an_upstream_call_while_nothing_records_carries_no_trace_context() -> None:
    ran = _run(UNRECORDED_UPSTREAM_CALL)
    assert (ran.returncode, ran.stdout.strip()) == (0, "ok"), ran.stderr


UNRECORDED_ONCE_SETTLED = """
from opentelemetry import trace
from calendar_gateway import tracing
tracing.configure("none")
headers = {}
assert tracing.upstream_span("bookings", "GET", "/x", headers) is tracing.UNRECORDED
def asked_again():
    raise AssertionError("the provider was asked again")
trace.get_tracer_provider = asked_again  # installed once per process: its answer holds
with tracing.upstream_span("bookings", "GET", "/x", headers) as span:
    span.answered(503)
    span.failed("no reason")
    span.set("key", 1)
assert headers == {}, headers
print("ok")
"""


def test_once_nothing_records_the_provider_is_not_asked_again_per_call() -> None:
    pytest.importorskip("opentelemetry", reason="without the otel extra nothing is asked")
    ran = _run(UNRECORDED_ONCE_SETTLED)
    assert (ran.returncode, ran.stdout.strip()) == (0, "ok"), ran.stderr


PROVIDER_INSTALLED_AFTER_CALLS = """
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from calendar_gateway import tracing
before = {}
with tracing.upstream_span("bookings", "GET", "/x", before):
    pass
trace.set_tracer_provider(TracerProvider())
after = {}
with tracing.upstream_span("bookings", "GET", "/x", after):
    pass
assert before == {} and "traceparent" in after, (before, after)
print("ok")
"""


def test_a_provider_installed_after_calls_that_found_none_records_the_next() -> None:
    pytest.importorskip("opentelemetry.sdk", reason="tracing needs the otel extra")
    ran = _run(PROVIDER_INSTALLED_AFTER_CALLS)
    assert (ran.returncode, ran.stdout.strip()) == (0, "ok"), ran.stderr
