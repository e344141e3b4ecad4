"""AUTH_MODE=api-key: operations need a key; health, metrics and GraphiQL's page do not."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import ValidationError

from tests.client import KEY_ONE, KEY_TWO, KEY_UNKNOWN
from tests.conftest import gateway_client, settings_for

TYPENAME = {"query": "{ __typename }"}


@pytest.fixture(scope="module")
async def gateway(simulator_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(simulator_url, auth_mode="api-key", api_keys=f"{KEY_ONE}, {KEY_TWO}")
    async with gateway_client(settings) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_configured_key_runs_operations(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/graphql", json=TYPENAME, headers=bearer(KEY_ONE))
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_every_configured_key_is_accepted(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/graphql", json=TYPENAME, headers=bearer(KEY_TWO))
    assert response.status_code == 200


async def test_no_key_gives_401_with_a_graphql_error_and_a_bearer_challenge(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.post("/graphql", json=TYPENAME)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert "Authorization: Bearer" in error["message"]


async def test_an_unknown_key_gives_401_naming_the_token_invalid(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.post("/graphql", json=TYPENAME, headers=bearer(KEY_UNKNOWN))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_key_in_another_scheme_is_not_accepted(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/graphql", json=TYPENAME, headers={"Authorization": f"Basic {KEY_ONE}"}
    )
    assert response.status_code == 401


async def test_a_prefix_of_a_key_is_not_accepted(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/graphql", json=TYPENAME, headers=bearer(KEY_ONE[:-1]))
    assert response.status_code == 401


async def test_get_operations_need_a_key_too(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get(
        "/graphql", params=TYPENAME, headers={"apollo-require-preflight": "true"}
    )
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
async def test_operations_endpoints_need_no_key(gateway: httpx.AsyncClient, path: str) -> None:
    response = await gateway.get(path)
    assert response.status_code != 401


async def test_graphiql_page_loads_without_a_key_and_offers_a_headers_editor(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "isHeadersEditorEnabled: true" in response.text


async def test_an_address_past_its_failed_authentications_gets_429_even_with_a_right_key(
    simulator_url: str,
) -> None:
    settings = settings_for(
        simulator_url, auth_mode="api-key", api_keys=KEY_ONE, auth_failure_limit=3
    )
    async with gateway_client(settings) as gateway:
        wrong = [
            (await gateway.post("/graphql", json=TYPENAME, headers=bearer(KEY_UNKNOWN))).status_code
            for _ in range(3)
        ]
        refused = await gateway.post("/graphql", json=TYPENAME, headers=bearer(KEY_ONE))
        health = await gateway.get("/healthz")
    assert wrong == [401, 401, 401]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    [error] = refused.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert health.status_code == 200


async def test_right_keys_do_not_count_as_failures(simulator_url: str) -> None:
    settings = settings_for(
        simulator_url, auth_mode="api-key", api_keys=KEY_ONE, auth_failure_limit=1
    )
    async with gateway_client(settings) as gateway:
        statuses = [
            (await gateway.post("/graphql", json=TYPENAME, headers=bearer(KEY_ONE))).status_code
            for _ in range(3)
        ]
    assert statuses == [200, 200, 200]


def test_a_key_shorter_than_32_characters_is_refused_at_start(simulator_url: str) -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        settings_for(simulator_url, auth_mode="api-key", api_keys=f"{KEY_ONE},{'k' * 31}")
