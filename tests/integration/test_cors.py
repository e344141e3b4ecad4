"""CORS_ORIGINS: browsers may call from the listed origins only; none when it is empty."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.client import KEY_ONE
from tests.conftest import gateway_client, settings_for

ALLOWED = "https://app.example"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


@pytest.fixture(scope="module")
async def gateway(simulator_url: str) -> AsyncIterator[httpx.AsyncClient]:
    origins = f"{ALLOWED}, https://other.example"
    settings = settings_for(
        simulator_url, cors_origins=origins, auth_mode="api-key", api_keys=KEY_ONE
    )
    async with gateway_client(settings) as client:
        yield client


@pytest.fixture(scope="module")
async def closed_gateway(simulator_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway_client(settings_for(simulator_url, cors_origin_regex=None)) as client:
        yield client


async def test_preflight_from_a_listed_origin_is_allowed(gateway: httpx.AsyncClient) -> None:
    response = await gateway.options("/graphql", headers={"Origin": ALLOWED, **PREFLIGHT})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()


async def test_preflight_from_another_origin_is_not_allowed(gateway: httpx.AsyncClient) -> None:
    origin = "https://evil.example"
    response = await gateway.options("/graphql", headers={"Origin": origin, **PREFLIGHT})
    assert response.status_code == 400
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_an_answer_to_a_listed_origin_is_readable_there(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"Origin": ALLOWED, "Authorization": f"Bearer {KEY_ONE}"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


async def test_a_refusal_to_a_listed_origin_is_readable_there(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": ALLOWED}
    )
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


async def test_without_an_allow_list_no_origin_is_allowed(
    closed_gateway: httpx.AsyncClient,
) -> None:
    preflight = await closed_gateway.options("/graphql", headers={"Origin": ALLOWED, **PREFLIGHT})
    answer = await closed_gateway.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": ALLOWED}
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert "Access-Control-Allow-Origin" not in answer.headers
