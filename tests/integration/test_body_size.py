"""MAX_BODY_BYTES: larger bodies get 413, whether declared up front or streamed in chunks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import gateway_client, settings_for

LIMIT = 2048


@pytest.fixture(scope="module")
async def gateway(simulator_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway_client(settings_for(simulator_url, max_body_bytes=LIMIT)) as client:
        yield client


def body_of(size: int) -> bytes:
    """A valid GraphQL request of exactly ``size`` bytes (padded with a comment)."""
    bare = json.dumps({"query": "{ __typename }\n#"}).encode()
    padded = json.dumps({"query": "{ __typename }\n#" + "x" * (size - len(bare))}).encode()
    assert len(padded) == size
    return padded


async def chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 512):
        yield body[start : start + 512]


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"] == {"code": "PAYLOAD_TOO_LARGE"}


async def test_a_body_at_the_limit_is_served(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/graphql", content=body_of(LIMIT), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_a_declared_body_over_the_limit_gets_413(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/graphql", content=body_of(LIMIT + 1), headers={"Content-Type": "application/json"}
    )
    assert_too_large(response)


async def test_a_chunked_body_over_the_limit_gets_413(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/graphql",
        content=chunks(body_of(LIMIT + 1)),
        headers={"Content-Type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert_too_large(response)


async def test_a_chunked_body_within_the_limit_is_served(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/graphql", content=chunks(body_of(LIMIT)), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200
