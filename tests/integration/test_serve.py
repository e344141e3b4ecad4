"""``calendar-gateway serve`` as a process: graceful shutdown, and metrics across workers."""

from __future__ import annotations

import asyncio
import json
import signal

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.test_calendars import ADD, DADS, holiday, locks
from tests.integration.test_operations import inject
from tests.integration.test_replicas import replica_env
from tests.servers import serve_gateway_process

BOOKING = '{ booking(id: "137463") { id } }'


async def samples(client: httpx.AsyncClient, url: str, name: str, **labels: str) -> list[float]:
    """The values of the series ``name`` with ``labels`` in one scrape of ``url``."""
    text = (await client.get(f"{url}/metrics")).text
    return [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    ]


async def wait_for_in_flight(client: httpx.AsyncClient, url: str, count: int) -> None:
    """Poll /metrics until ``count`` requests besides the scrape itself are being answered."""
    name = "calendar_gateway_http_requests_in_flight"
    async with asyncio.timeout(10):
        while True:
            if await samples(client, url, name) == [count + 1]:
                return
            await asyncio.sleep(0.02)


async def not_ready(client: httpx.AsyncClient) -> httpx.Response:
    """Poll /readyz until it says 503, and return that answer."""
    async with asyncio.timeout(5):
        while True:
            response = await client.get("/readyz")
            if response.status_code != 200:
                return response
            await asyncio.sleep(0.02)


async def test_sigterm_turns_readyz_503_lets_requests_and_edits_finish_and_exits_0(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    env = replica_env(
        simulator_url,
        cache_ttl_seconds=0,
        shutdown_drain_seconds=1,
        shutdown_timeout_seconds=10,
    )
    await inject(upstream, method="POST", path=r"calendar\.json", delay=1.5)
    await inject(upstream, method="PUT", path="businesscalendarbody", delay=1.5)
    async with (
        serve_gateway_process(env) as gateway,
        httpx.AsyncClient(base_url=gateway.url, timeout=30) as client,
    ):
        variables = {"id": DADS, "exception": holiday("Drained")}
        query = asyncio.create_task(client.post("/graphql", json={"query": BOOKING}))
        edit = asyncio.create_task(
            client.post("/graphql", json={"query": ADD, "variables": variables})
        )
        await wait_for_in_flight(client, gateway.url, 2)

        gateway.process.send_signal(signal.SIGTERM)
        ready = await not_ready(client)
        alive = await client.get("/healthz")

        answers = [(await query).json(), (await edit).json()]
        async with asyncio.timeout(20):
            exit_status = await gateway.process.wait()
    assert (ready.status_code, ready.json()["reasons"]) == (503, ["shutting down"])
    assert alive.status_code == 200
    assert answers[0] == {"data": {"booking": {"id": "137463"}}}
    assert "Drained" in [
        e["name"] for e in answers[1]["data"]["addCalendarException"]["exceptions"]
    ]
    assert (await locks(upstream))[DADS] is False
    assert exit_status == 0


async def test_two_workers_count_every_request_exactly_once(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    requests = 20
    env = replica_env(simulator_url)
    async with (
        serve_gateway_process(env, "--workers", "2") as gateway,
        httpx.AsyncClient(timeout=30) as client,
    ):
        for _ in range(requests):
            response = await client.post(
                f"{gateway.url}/graphql", json={"query": "query Counted { __typename }"}
            )
            assert response.status_code == 200
        # Each scrape reaches one worker or the other: every one must see all requests.
        operations = [
            await samples(
                client, gateway.url, "calendar_gateway_graphql_requests_total", operation="Counted"
            )
            for _ in range(6)
        ]
        http = await samples(
            client,
            gateway.url,
            "calendar_gateway_http_requests_total",
            method="POST",
            route="/graphql",
            status="200",
        )
        exposition = (await client.get(f"{gateway.url}/metrics")).text
    assert operations == [[requests]] * 6
    log = [json.loads(line) for line in gateway.stderr]
    access = [e for e in log if e["logger"] == "calendar_gateway.access"]
    assert [e["path"] for e in access if e["method"] == "POST"] == ["/graphql"] * requests
    assert all(len(e["request_id"]) == 32 for e in access)
    assert not [e for e in log if "color_message" in e or "\x1b" in e["message"]]
    assert http == [requests]
    pids = {
        sample.labels["pid"]
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == "process_resident_memory_bytes"
    }
    assert len(pids) == 2
    assert "python_info" in exposition
    assert "_created" not in exposition
