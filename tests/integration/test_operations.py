"""Operations endpoints and signals: /healthz, /readyz, /metrics, request ids, JSON logs."""

from __future__ import annotations

import io
import json
import logging
import socket
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from calendar_gateway.logs import JsonFormatter, Redactor
from calendar_gateway.simulators import app as simulators
from tests.client import execute
from tests.conftest import VENDOR_ROOTS, gateway_client, settings_for
from tests.servers import serve
from tests.wiretap import Wiretap

ALL_THREE = (
    '{ businessCalendars { id } booking(id: "137463") { id } appointment(id: "1758831") { id } }'
)
ADD = """mutation { addCalendarException(id: "Calendar_117", exception: {
  name: "Metered", type: HOLIDAY, placement: ANNUAL, annualMonth: 3, annualDay: 4 }) { id } }"""


async def inject(upstream: httpx.AsyncClient, **fault: object) -> None:
    (await upstream.post("/_admin/faults", json=fault)).raise_for_status()


async def sample(gateway: httpx.AsyncClient, name: str, **labels: str) -> float:
    """One sample of /metrics, 0 when the series does not exist yet."""
    text = (await gateway.get("/metrics")).text
    for family in text_string_to_metric_families(text):
        for metric in family.samples:
            if metric.name == name and all(metric.labels.get(k) == v for k, v in labels.items()):
                return metric.value
    return 0.0


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# /healthz and /readyz


async def test_healthz_says_the_process_is_up(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_is_ready_with_every_upstream_reachable_and_closed(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "upstreams": {
            name: {"ready": True, "reachable": True, "circuit": "closed"}
            for name in ("calendars", "bookings", "appointments")
        },
    }


async def test_readyz_stays_ready_and_names_an_unreachable_upstream(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    nowhere = f"http://127.0.0.1:{closed_port()}/api/v1/master"
    async with gateway_client(settings_for(simulator_url, appointments_url=nowhere)) as gateway:
        response = await gateway.get("/readyz")
        # The other vendors' fields are still served: the replica must stay in rotation.
        partial = await execute(gateway, '{ booking(id: "137463") { id } }')
    assert (response.status_code, response.json()["status"]) == (200, "ready")
    assert response.json()["upstreams"]["appointments"] == {
        "ready": False, "reachable": False, "circuit": "closed",
    }  # fmt: skip
    assert response.json()["upstreams"]["calendars"]["ready"] is True
    assert partial["data"] == {"booking": {"id": "137463"}}


async def test_readyz_in_strict_mode_is_503_and_names_an_unreachable_upstream(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    nowhere = f"http://127.0.0.1:{closed_port()}/api/v1/master"
    settings = settings_for(
        simulator_url, appointments_url=nowhere, readiness_requires_upstreams=True
    )
    async with gateway_client(settings) as gateway:
        response = await gateway.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reasons"] == ["upstream appointments"]


async def test_readyz_in_strict_mode_is_503_while_an_upstream_circuit_is_open(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    settings = settings_for(
        simulator_url,
        circuit_failure_threshold=1,
        cache_ttl_seconds=0,
        readiness_requires_upstreams=True,
    )
    async with gateway_client(settings) as gateway:
        await inject(upstream, path=r"/calendars$", status=500, times=None)
        await execute(gateway, "{ businessCalendars { id } }")
        response = await gateway.get("/readyz")
    assert response.status_code == 503
    assert response.json()["upstreams"]["calendars"]["circuit"] == "open"


async def test_readyz_reports_a_reachable_redis(
    simulator_url: str, upstream: httpx.AsyncClient, redis_url: str, redis_prefix: str
) -> None:
    settings = settings_for(simulator_url, redis_url=redis_url, redis_key_prefix=redis_prefix)
    async with gateway_client(settings) as gateway:
        response = await gateway.get("/readyz")
    assert response.status_code == 200
    assert response.json()["redis"] == {"reachable": True}


async def test_readyz_is_503_while_redis_is_unreachable(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    settings = settings_for(simulator_url, redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    async with gateway_client(settings) as gateway:
        response = await gateway.get("/readyz")
        alive = await gateway.get("/healthz")
    assert response.status_code == 503
    assert response.json()["reasons"] == ["redis unreachable"]
    assert response.json()["redis"] == {"reachable": False}
    assert alive.status_code == 200


# /metrics


async def test_metrics_speak_prometheus_text(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert "calendar_gateway_upstream_circuit_state" in response.text


async def test_metrics_count_operations_by_name_type_and_outcome(
    gateway: httpx.AsyncClient,
) -> None:
    labels = {"operation": "Tenants", "type": "query", "outcome": "ok"}
    before = await sample(gateway, "calendar_gateway_graphql_requests_total", **labels)
    await execute(gateway, "query Tenants { businessCalendars { id } }")
    after = await sample(gateway, "calendar_gateway_graphql_requests_total", **labels)
    assert after == before + 1


async def test_metrics_count_errors_by_code(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    name, code = "calendar_gateway_graphql_errors_total", {"code": "NOT_FOUND"}
    before = await sample(gateway, name, **code)
    await execute(gateway, '{ businessCalendar(id: "Calendar_404") { id } }')
    assert await sample(gateway, name, **code) == before + 1


async def test_metrics_count_upstream_calls_by_upstream_method_and_status(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    async with gateway_client(settings_for(simulator_url, cache_ttl_seconds=0)) as gateway:
        labels = {"upstream": "bookings", "method": "POST", "status": "200"}
        name = "calendar_gateway_upstream_requests_total"
        before = await sample(gateway, name, **labels)
        await execute(gateway, '{ booking(id: "137463") { id } }')
        assert await sample(gateway, name, **labels) == before + 1


async def test_metrics_time_upstream_calls(gateway: httpx.AsyncClient) -> None:
    name = "calendar_gateway_upstream_request_duration_seconds_count"
    before = await sample(gateway, name, upstream="appointments")
    await execute(gateway, '{ appointment(id: "1758831") { id } }')
    assert await sample(gateway, name, upstream="appointments") > before


async def test_metrics_show_each_upstream_circuit_state(gateway: httpx.AsyncClient) -> None:
    name = "calendar_gateway_upstream_circuit_state"
    assert await sample(gateway, name, upstream="calendars", state="closed") == 1
    assert await sample(gateway, name, upstream="calendars", state="open") == 0


async def test_metrics_time_the_wait_for_a_calendar_mutex(gateway: httpx.AsyncClient) -> None:
    name = "calendar_gateway_lock_wait_seconds_count"
    before = await sample(gateway, name)
    await execute(gateway, ADD)
    assert await sample(gateway, name) == before + 1


async def test_no_edit_is_in_flight_once_edits_have_finished(gateway: httpx.AsyncClient) -> None:
    await execute(gateway, ADD)
    assert await sample(gateway, "calendar_gateway_edits_in_flight") == 0


# Request ids


async def test_a_request_without_an_id_is_given_one(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/healthz")
    assert len(response.headers["X-Request-ID"]) == 32


async def test_a_client_request_id_is_kept(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/healthz", headers={"X-Request-ID": "client-42"})
    assert response.headers["X-Request-ID"] == "client-42"


async def test_an_unfit_request_id_is_replaced(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/healthz", headers={"X-Request-ID": "x" * 500})
    assert len(response.headers["X-Request-ID"]) == 32


@pytest.fixture(scope="module")
async def wiretap() -> Wiretap:
    return Wiretap(simulators.create_app(), {})


@pytest.fixture(scope="module")
async def tapped_gateway(wiretap: Wiretap) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(wiretap) as url:
        settings = settings_for(url, cache_ttl_seconds=0)
        async with gateway_client(settings) as gateway, httpx.AsyncClient(base_url=url) as admin:
            for root in VENDOR_ROOTS:
                (await admin.post(f"{root}/_admin/reset")).raise_for_status()
            yield gateway


async def test_the_request_id_is_sent_to_every_upstream(
    tapped_gateway: httpx.AsyncClient, wiretap: Wiretap
) -> None:
    wiretap.exchanges.clear()
    response = await tapped_gateway.post(
        "/graphql", json={"query": ALL_THREE}, headers={"X-Request-ID": "trace-all-three"}
    )
    assert "errors" not in response.json()
    sent = {(e.path.split("/")[1], e.headers.get("x-request-id")) for e in wiretap.exchanges}
    assert sent == {("grs", "trace-all-three"), ("jsonapi", "trace-all-three"),
                    ("api", "trace-all-three")}  # fmt: skip


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The gateway's log records as the JSON lines ``serve`` writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(Redactor()))
    logger = logging.getLogger("calendar_gateway")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield stream
    logger.setLevel(level)
    logger.removeHandler(handler)


async def test_log_lines_carry_the_request_id(
    gateway: httpx.AsyncClient, json_log: io.StringIO
) -> None:
    await gateway.post("/graphql", json={"query": "query Traced { businessCalendars { id } }"},
                       headers={"X-Request-ID": "log-me-7"})  # fmt: skip
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    operation = next(line for line in lines if line["message"] == "graphql query Traced: ok")
    assert operation["request_id"] == "log-me-7"


async def test_an_access_line_has_its_fields_and_no_secret_from_the_query_string(
    gateway: httpx.AsyncClient, json_log: io.StringIO
) -> None:
    await gateway.post(
        "/graphql",
        params={"api_key": "in-the-url-42", "page": "1"},
        json={"query": "{ __typename }"},
        headers={"X-Request-ID": "access-1"},
    )
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    access = next(line for line in lines if line["logger"] == "calendar_gateway.access")
    assert "in-the-url-42" not in json_log.getvalue()
    assert access["message"] == f"POST {access['path']} 200"
    assert access["path"] == "/graphql?api_key=[redacted]&page=1"
    assert (access["method"], access["status"], access["client"], access["request_id"]) == (
        "POST", 200, "127.0.0.1", "access-1",
    )  # fmt: skip
    assert isinstance(access["duration_ms"], float)
