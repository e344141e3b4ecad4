"""The probe's hostile documents and arguments, against a real gateway: each answered at
once with a coded error (or data), while /healthz keeps answering."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.client import error_codes, execute
from tests.conftest import gateway_client, settings_for
from tests.integration.test_replicas import replica_env
from tests.servers import serve_gateway_process

# A generous bound on the client: before the fix, 30 fragments ran for minutes.
ANSWER_WITHIN_SECONDS = 5.0


def chain(fragments: int) -> str:
    spreads = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(1, fragments)]
    return " ".join(
        ["query { ...F1 }", *spreads, f"fragment F{fragments} on Query {{ __typename }}"]
    )


@pytest.fixture(scope="module")
async def gateway(simulator_url: str) -> AsyncIterator[httpx.AsyncClient]:
    # Enough tokens for 200 fragments: the rules, not the token count, must refuse or pass it.
    settings = settings_for(
        simulator_url, max_query_tokens=10_000, max_ids_per_list=5, max_id_length=64,
        max_string_length=100, max_persisted_query_bytes=200, max_persisted_queries=2,
    )  # fmt: skip
    async with gateway_client(settings) as client:
        client.timeout = httpx.Timeout(ANSWER_WITHIN_SECONDS)
        yield client


async def healthz_while(gateway: httpx.AsyncClient, request: Any) -> dict[str, Any]:
    """Run ``request``; meanwhile /healthz must answer, more than once."""
    task = asyncio.create_task(request)
    answered = 0
    while not task.done() or answered < 2:
        assert (await gateway.get("/healthz")).status_code == 200
        answered += 1
    body: dict[str, Any] = await task
    return body


@pytest.mark.parametrize("fragments", [30, 60, 200])
async def test_chained_fragments_are_answered_at_once_and_healthz_meanwhile(
    gateway: httpx.AsyncClient, fragments: int
) -> None:
    body = await healthz_while(gateway, execute(gateway, chain(fragments)))
    # 200 fragments make graphql-core abort its validation after 100 errors; on a busy machine
    # the CPU budget may stop it first. Either is a coded refusal, and never a stall.
    assert body.get("data") == {"__typename": "Query"} or error_codes(body) in (
        ["GRAPHQL_VALIDATION_FAILED"],
        ["OPERATION_TOO_COMPLEX"],
    )


async def test_a_document_past_the_cpu_budget_is_operation_too_complex(
    simulator_url: str,
) -> None:
    # A budget no validation can keep: the coded refusal, not a guess at a machine's speed.
    settings = settings_for(simulator_url, operation_cpu_budget_seconds=1e-9)
    async with gateway_client(settings) as gateway:
        body = await execute(gateway, chain(10))
    assert body.get("data") is None
    assert error_codes(body) == ["OPERATION_TOO_COMPLEX"]


async def test_the_budget_is_validation_s_a_slow_parse_is_not_charged(simulator_url: str) -> None:
    # Parsing this text takes 200-400 ms on the hosts here; validating it, a few ms.
    settings = settings_for(simulator_url, operation_cpu_budget_seconds=0.05)
    async with gateway_client(settings) as gateway:
        body = await execute(gateway, f'{{ booking(id: "{"x" * 900_000}") {{ id }} }}')
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_an_id_list_over_the_cap_is_bad_user_input(gateway: httpx.AsyncClient) -> None:
    ids = ", ".join(f'"{i}"' for i in range(6))
    body = await execute(gateway, f"{{ bookings(ids: [{ids}]) {{ id }} }}")
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "ids"


async def test_an_id_list_variable_over_the_cap_is_bad_user_input(
    gateway: httpx.AsyncClient,
) -> None:
    query = "query ($ids: [ID!]!) { bookings(ids: $ids) { id } }"
    body = await execute(gateway, query, {"ids": [str(i) for i in range(6)]})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["fieldErrors"][0]["field"] == "ids"


async def test_an_id_list_within_the_cap_reaches_the_vendor(gateway: httpx.AsyncClient) -> None:
    body = await execute(
        gateway, "query ($ids: [ID!]!) { bookings(ids: $ids) { id } }", {"ids": ["1"]}
    )
    assert error_codes(body) == ["NOT_FOUND"]


async def test_a_900_kb_id_is_bad_user_input(gateway: httpx.AsyncClient) -> None:
    huge = "x" * 900_000
    literal = await execute(gateway, f'{{ booking(id: "{huge}") {{ id }} }}')
    variable = await execute(gateway, "query ($id: ID!) { booking(id: $id) { id } }", {"id": huge})
    assert error_codes(literal) == error_codes(variable) == ["BAD_USER_INPUT"]
    assert variable["errors"][0]["extensions"]["field"] == "id"


async def test_a_long_string_in_an_input_object_is_bad_user_input(
    gateway: httpx.AsyncClient,
) -> None:
    query = "mutation ($input: CreateAppointmentInput!) { createAppointment(input: $input) { id } }"
    appointment = {
        "subject": "s" * 101, "start": "2026-01-05T09:00:00Z", "end": "2026-01-05T10:00:00Z",
    }  # fmt: skip
    body = await execute(gateway, query, {"input": appointment})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "input.subject"


def persisted(query: str) -> dict[str, Any]:
    digest = hashlib.sha256(query.encode()).hexdigest()
    return {"query": query, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}


def by_hash(query: str) -> dict[str, Any]:
    return {"extensions": persisted(query)["extensions"]}


async def test_a_persisted_query_over_the_size_cap_is_refused(gateway: httpx.AsyncClient) -> None:
    query = "{ __typename } # " + "x" * 200
    body = (await gateway.post("/graphql", json=persisted(query))).json()
    assert error_codes(body) == ["PERSISTED_QUERY_TOO_LARGE"]


async def test_an_invalid_document_is_not_kept_as_a_persisted_query(
    gateway: httpx.AsyncClient,
) -> None:
    query = "{ noSuchField }"
    first = (await gateway.post("/graphql", json=persisted(query))).json()
    assert error_codes(first) == ["GRAPHQL_VALIDATION_FAILED"]
    again = (await gateway.post("/graphql", json=by_hash(query))).json()
    assert error_codes(again) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_only_the_most_recent_persisted_queries_are_kept(
    gateway: httpx.AsyncClient,
) -> None:
    queries = [f"{{ q{i}: __typename }}" for i in range(3)]
    for query in queries:
        assert "errors" not in (await gateway.post("/graphql", json=persisted(query))).json()
    oldest = (await gateway.post("/graphql", json=by_hash(queries[0]))).json()
    newest = (await gateway.post("/graphql", json=by_hash(queries[2]))).json()
    assert error_codes(oldest) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert newest == {"data": {"q2": "Query"}}


# Python's small-object arenas (1 MiB each, kept while any object in them lives) may keep
# what one burst's small objects took, for reuse: its 4 lists of 100,000 ids, 64 bytes each.
SMALL_OBJECTS_OF_ONE_BURST = 4 * 100_000 * 64
# And the allocators' bookkeeping and what else the process loaded or cached meanwhile.
MARGIN = 8 * 2**20


async def execute_at(client: httpx.AsyncClient, url: str, query: str) -> None:
    answer = await client.post(f"{url}/graphql", json={"query": query})
    assert "errors" not in answer.json()


def rss_bytes(pid: int) -> int:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) * 1024


async def capped_burst(client: httpx.AsyncClient, url: str) -> list[list[str]]:
    """Large requests the caps refuse: a 900 KB id, 100,000 ids, a 900 KB persisted query."""
    huge = "x" * 900_000
    requests = [
        {"query": "query ($id: ID!) { booking(id: $id) { id } }", "variables": {"id": huge}},
        {
            "query": "query ($ids: [ID!]!) { bookings(ids: $ids) { id } }",
            "variables": {"ids": [str(i) for i in range(100_000)]},
        },
        persisted("{ __typename } # " + huge),
    ] * 4
    answers = await asyncio.gather(*(client.post(f"{url}/graphql", json=r) for r in requests))
    return [error_codes(answer.json()) for answer in answers]


async def test_memory_returns_near_its_level_after_bursts_of_capped_large_requests(
    simulator_url: str,
) -> None:
    async with (
        serve_gateway_process(replica_env(simulator_url)) as gateway,
        httpx.AsyncClient(timeout=30) as client,
    ):
        # One ordinary request first: what the first answer loads is not the bursts' doing.
        await execute_at(client, gateway.url, "{ __typename }")
        before = rss_bytes(gateway.pid)
        for _ in range(4):
            codes = await capped_burst(client, gateway.url)
        await collected_after_large_requests(gateway.stderr)
        after = rss_bytes(gateway.pid)
    assert {tuple(c) for c in codes} == {("BAD_USER_INPUT",), ("PERSISTED_QUERY_TOO_LARGE",)}
    # Large blocks are unmapped once freed, and the bursts' garbage collected (memory.py).
    # Before, 45-120 MB stayed.
    assert after - before < SMALL_OBJECTS_OF_ONE_BURST + MARGIN, (
        f"RSS {before >> 20} -> {after >> 20} MB"
    )


async def collected_after_large_requests(stderr: list[bytes]) -> None:
    async with asyncio.timeout(10):
        while True:
            if any(b"after large requests" in line for line in stderr):
                return
            await asyncio.sleep(0.1)
