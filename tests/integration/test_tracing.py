"""OpenTelemetry spans, recorded in memory: one per operation, a child per upstream call."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

pytest.importorskip("opentelemetry.sdk", reason="tracing needs the otel extra")

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import SpanKind, StatusCode

from tests.client import execute
from tests.conftest import gateway_client, settings_for

CALENDAR = 'query Traced { businessCalendar(id: "Calendar_117") { id } }'


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    # The global provider can be set once per process; no other test sets it.
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter


@pytest.fixture
async def spans(
    exporter: InMemorySpanExporter, simulator_url: str, upstream: httpx.AsyncClient
) -> AsyncIterator[tuple[httpx.AsyncClient, InMemorySpanExporter]]:
    async with gateway_client(settings_for(simulator_url, cache_ttl_seconds=0)) as gateway:
        exporter.clear()
        yield gateway, exporter


def of_kind(finished: tuple[ReadableSpan, ...], kind: SpanKind) -> list[ReadableSpan]:
    return [span for span in finished if span.kind is kind]


async def test_an_operation_is_one_server_span_named_by_type_and_name(
    spans: tuple[httpx.AsyncClient, InMemorySpanExporter],
) -> None:
    gateway, exporter = spans
    await execute(gateway, CALENDAR)
    servers = of_kind(exporter.get_finished_spans(), SpanKind.SERVER)
    assert [span.name for span in servers] == ["query Traced"]


async def test_each_upstream_call_is_a_child_span_of_the_operation(
    spans: tuple[httpx.AsyncClient, InMemorySpanExporter],
) -> None:
    gateway, exporter = spans
    await execute(gateway, CALENDAR)
    finished = exporter.get_finished_spans()
    (operation,) = of_kind(finished, SpanKind.SERVER)
    calls = of_kind(finished, SpanKind.CLIENT)
    assert calls, "the query called GRS"
    assert {call.name for call in calls} == {"GET calendars"}
    assert all(call.parent is not None for call in calls)
    assert {call.parent.span_id for call in calls if call.parent} == {operation.context.span_id}


async def test_a_failed_upstream_call_is_an_error_span(
    spans: tuple[httpx.AsyncClient, InMemorySpanExporter], upstream: httpx.AsyncClient
) -> None:
    gateway, exporter = spans
    fault = {"path": "businesscalendarbody", "status": 503, "times": None}
    (await upstream.post("/_admin/faults", json=fault)).raise_for_status()
    await execute(gateway, CALENDAR)
    failed = [
        span
        for span in of_kind(exporter.get_finished_spans(), SpanKind.CLIENT)
        if span.attributes and span.attributes.get("http.response.status_code") == 503
    ]
    assert failed
    assert all(span.status.status_code is StatusCode.ERROR for span in failed)
