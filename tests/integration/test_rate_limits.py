"""Per-client rate limits: counted by API key (or JWT subject, or address), in memory or in
a Redis that several gateways share; 429 with Retry-After past the limit."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from calendar_gateway.settings import Settings
from tests.client import KEY_ONE, KEY_TWO
from tests.conftest import gateway_client, settings_for

WINDOW = 3600.0
TYPENAME = {"query": "{ __typename }"}


def limited(simulator_url: str, limit: int, **overrides: Any) -> Settings:
    return settings_for(
        simulator_url,
        auth_mode="api-key",
        api_keys=f"{KEY_ONE},{KEY_TWO}",
        rate_limit_requests=limit,
        rate_limit_window_seconds=WINDOW,
        **overrides,
    )


async def operation(gateway: httpx.AsyncClient, key: str = KEY_ONE) -> httpx.Response:
    return await gateway.post("/graphql", json=TYPENAME, headers={"Authorization": f"Bearer {key}"})


async def test_requests_within_the_limit_are_served(simulator_url: str) -> None:
    async with gateway_client(limited(simulator_url, 2)) as gateway:
        statuses = [(await operation(gateway)).status_code for _ in range(2)]
    assert statuses == [200, 200]


async def test_a_request_past_the_limit_gets_429_with_retry_after(simulator_url: str) -> None:
    async with gateway_client(limited(simulator_url, 2)) as gateway:
        for _ in range(2):
            await operation(gateway)
        response = await operation(gateway)
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= WINDOW
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": retry_after}


async def test_clients_with_different_keys_are_counted_apart(simulator_url: str) -> None:
    async with gateway_client(limited(simulator_url, 1)) as gateway:
        await operation(gateway, KEY_ONE)
        response = await operation(gateway, KEY_TWO)
    assert response.status_code == 200


async def test_requests_refused_as_unauthenticated_are_not_counted(simulator_url: str) -> None:
    async with gateway_client(limited(simulator_url, 1)) as gateway:
        await gateway.post("/graphql", json=TYPENAME)
        response = await operation(gateway)
    assert response.status_code == 200


async def test_health_checks_are_not_counted(simulator_url: str) -> None:
    async with gateway_client(limited(simulator_url, 1)) as gateway:
        for _ in range(3):
            await gateway.get("/healthz")
        response = await operation(gateway)
    assert response.status_code == 200


async def test_without_authentication_clients_are_counted_by_address(simulator_url: str) -> None:
    settings = settings_for(simulator_url, rate_limit_requests=1, rate_limit_window_seconds=WINDOW)
    async with gateway_client(settings) as gateway:
        await gateway.post("/graphql", json=TYPENAME)
        response = await gateway.post("/graphql", json=TYPENAME)
    assert response.status_code == 429


async def test_a_limit_of_zero_turns_rate_limiting_off(simulator_url: str) -> None:
    async with gateway_client(limited(simulator_url, 0)) as gateway:
        statuses = {(await operation(gateway)).status_code for _ in range(5)}
    assert statuses == {200}


@pytest.mark.redis
async def test_gateways_sharing_redis_share_each_clients_count(
    simulator_url: str, redis_url: str, redis_prefix: str
) -> None:
    settings = limited(simulator_url, 3, redis_url=redis_url, redis_key_prefix=redis_prefix)
    async with gateway_client(settings) as first, gateway_client(settings) as second:
        served = [
            (await operation(first)).status_code,
            (await operation(second)).status_code,
            (await operation(first)).status_code,
        ]
        past_limit = [(await operation(second)).status_code, (await operation(first)).status_code]
        other_client = (await operation(second, KEY_TWO)).status_code
    assert served == [200, 200, 200]
    assert past_limit == [429, 429]
    assert other_client == 200


async def test_an_unreachable_redis_lets_requests_through(simulator_url: str) -> None:
    # Port 1 on loopback refuses at once: Redis is down, the gateway is not.
    settings = limited(simulator_url, 1, redis_url="redis://127.0.0.1:1/0")
    async with gateway_client(settings) as gateway:
        statuses = [(await operation(gateway)).status_code for _ in range(2)]
    assert statuses == [200, 200]
