"""GraphQL over HTTP's answers: application/graphql-response+json to a client that prefers it,
with 4xx for a request that never ran; application/json and 200 for legacy clients;
Cache-Control on every GET answer."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import gateway_client, settings_for

GRAPHQL_RESPONSE = "application/graphql-response+json"
NEW = {"Accept": GRAPHQL_RESPONSE}
LEGACY = {"Accept": "application/json"}
PREFLIGHT = {"apollo-require-preflight": "true"}

NEVER_RAN = {
    "a syntax error": ({"query": "{"}, "GRAPHQL_PARSE_FAILED"),
    "an unknown field": ({"query": "{ noSuchField }"}, "GRAPHQL_VALIDATION_FAILED"),
    "a missing variable": (
        {"query": "query ($id: ID!) { booking(id: $id) { id } }", "variables": {}},
        "BAD_USER_INPUT",
    ),
    "a variable of the wrong type": (
        {"query": "query ($n: Int) { __typename }", "variables": {"n": "x"}},
        "BAD_USER_INPUT",
    ),
}


@pytest.fixture(scope="module")
async def gateway(shared_gateway_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=shared_gateway_url, timeout=30) as client:
        yield client


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


async def test_a_client_preferring_graphql_response_json_gets_it(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.post("/graphql", json={"query": "{ __typename }"}, headers=NEW)
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(("request_body", "code"), NEVER_RAN.values(), ids=NEVER_RAN.keys())
async def test_a_request_that_never_ran_is_400_without_data(
    gateway: httpx.AsyncClient, request_body: dict[str, Any], code: str
) -> None:
    response = await gateway.post("/graphql", json=request_body, headers=NEW)
    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    body = response.json()
    assert "data" not in body
    assert codes(body) == [code]


@pytest.mark.parametrize(("request_body", "code"), NEVER_RAN.values(), ids=NEVER_RAN.keys())
async def test_a_legacy_client_gets_200_without_data(
    gateway: httpx.AsyncClient, request_body: dict[str, Any], code: str
) -> None:
    response = await gateway.post("/graphql", json=request_body, headers=LEGACY)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert "data" not in body
    assert codes(body) == [code]


async def test_an_operation_that_ran_is_200_with_its_data_and_errors(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    fault = {"path": r"^/grs/", "status": 503, "times": None}
    (await upstream.post("/_admin/faults", json=fault)).raise_for_status()
    query = {"query": "{ __typename businessCalendars { name } }"}
    response = await gateway.post("/graphql", json=query, headers=NEW)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"__typename": "Query", "businessCalendars": None}
    assert codes(body) == ["UPSTREAM_UNAVAILABLE"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, application/json", "application/json"),
        ("*/*", "application/json"),
        ("text/html", "application/json"),
    ],
)
async def test_the_answer_follows_the_accept_header(
    gateway: httpx.AsyncClient, accept: str, expected: str
) -> None:
    response = await gateway.post("/graphql", json={"query": "{"}, headers={"Accept": accept})
    assert response.headers["content-type"] == expected
    assert response.status_code == (400 if expected == GRAPHQL_RESPONSE else 200)


async def test_a_refusal_before_graphql_follows_the_accept_header_too(
    gateway: httpx.AsyncClient,
) -> None:
    # The CSRF guard answers before the endpoint: a simple content type.
    response = await gateway.post(
        "/graphql", content=b"{}", headers={"Content-Type": "text/plain", **NEW}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert codes(response.json()) == ["BAD_REQUEST"]


async def test_a_persisted_query_miss_is_200_so_the_client_sends_the_query(
    gateway: httpx.AsyncClient,
) -> None:
    digest = hashlib.sha256(b"{ __typename }").hexdigest()
    miss = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    response = await gateway.post("/graphql", json=miss, headers=NEW)
    assert response.status_code == 200
    assert codes(response.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_a_batch_is_200_with_each_operations_errors(gateway: httpx.AsyncClient) -> None:
    batch = [{"query": "{ __typename }"}, {"query": "{"}]
    response = await gateway.post("/graphql", json=batch, headers=NEW)
    assert response.status_code == 200
    ok, refused = response.json()
    assert ok == {"data": {"__typename": "Query"}}
    assert codes(refused) == ["GRAPHQL_PARSE_FAILED"]


async def test_get_answers_are_private_and_not_stored_by_default(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get(
        "/graphql", params={"query": "{ __typename }"}, headers={**PREFLIGHT, **LEGACY}
    )
    assert response.json() == {"data": {"__typename": "Query"}}
    assert response.headers["cache-control"] == "private, no-store"


async def test_post_answers_say_nothing_of_caching(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/graphql", json={"query": "{ __typename }"})
    assert "cache-control" not in response.headers


async def test_the_cache_control_of_get_answers_is_a_setting(simulator_url: str) -> None:
    settings = settings_for(simulator_url, get_cache_control="public, max-age=60")
    async with gateway_client(settings) as gateway:
        response = await gateway.get(
            "/graphql", params={"query": "{ __typename }"}, headers={**PREFLIGHT, **LEGACY}
        )
    assert response.headers["cache-control"] == "public, max-age=60"
