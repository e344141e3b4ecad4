"""Limits on one operation: depth, aliases, tokens, root fields, and introspection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from calendar_gateway.cli import demo_settings
from calendar_gateway.settings import Settings
from tests.client import error_codes, execute
from tests.conftest import gateway_client, settings_for

INTROSPECTION = "{ __schema { queryType { name } } }"


@pytest.fixture(scope="module")
async def gateway(simulator_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(
        simulator_url,
        max_query_depth=1,
        max_aliases=2,
        max_query_tokens=40,
        max_root_fields=3,
        introspection=False,
    )
    async with gateway_client(settings) as client:
        yield client


async def refusal(gateway: httpx.AsyncClient, query: str) -> dict[str, Any]:
    body = await execute(gateway, query)
    assert "data" not in body or body["data"] is None
    [error] = body["errors"]
    return dict(error)


async def test_an_operation_within_every_limit_runs(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, "{ a: __typename b: __typename }")
    assert body == {"data": {"a": "Query", "b": "Query"}}


async def test_an_operation_nested_too_deep_is_refused(gateway: httpx.AsyncClient) -> None:
    error = await refusal(gateway, '{ booking(id: "1") { resource { id } } }')
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "depth" in error["message"]


async def test_an_operation_with_too_many_aliases_is_refused(gateway: httpx.AsyncClient) -> None:
    error = await refusal(gateway, "{ a: __typename b: __typename c: __typename }")
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "aliases" in error["message"]


async def test_an_operation_with_too_many_root_fields_is_refused(
    gateway: httpx.AsyncClient,
) -> None:
    query = '{ __typename booking(id: "1") { id } appointment(id: "1") { id } b: __typename }'
    error = await refusal(gateway, query)
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert error["message"] == "The operation has 4 root fields; at most 3 are allowed."


async def test_a_document_with_too_many_tokens_is_refused(gateway: httpx.AsyncClient) -> None:
    fragments = " ".join(f"fragment F{i} on Query {{ __typename }}" for i in range(10))
    error = await refusal(gateway, "{ __typename } " + fragments)
    assert error["message"].endswith("Document contains more than 40 tokens. Parsing aborted.")


async def test_introspection_is_refused_when_switched_off(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, INTROSPECTION)
    assert "data" not in body  # refused before execution
    assert set(error_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}


async def test_the_federation_sdl_is_refused_without_introspection_or_federation(
    gateway: httpx.AsyncClient,
) -> None:
    error = await refusal(gateway, "{ _service { sdl } }")
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "FEDERATION=true" in error["message"]


async def test_the_federation_sdl_is_served_with_federation_on(simulator_url: str) -> None:
    settings = settings_for(simulator_url, introspection=False, federation=True)
    async with gateway_client(settings) as gateway:
        body = await execute(gateway, "{ _service { sdl } }")
    assert "type Query" in body["data"]["_service"]["sdl"]


async def test_the_federation_sdl_is_served_with_introspection_on(simulator_url: str) -> None:
    settings = settings_for(simulator_url, introspection=True, federation=False)
    async with gateway_client(settings) as gateway:
        body = await execute(gateway, "{ _service { sdl } }")
    assert "type Query" in body["data"]["_service"]["sdl"]


async def test_introspection_is_answered_when_switched_on(simulator_url: str) -> None:
    async with gateway_client(settings_for(simulator_url, introspection=True)) as gateway:
        body = await execute(gateway, INTROSPECTION)
    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


def test_introspection_is_off_by_default_and_on_in_the_demo() -> None:
    assert Settings.model_fields["introspection"].default is False
    assert demo_settings("http://127.0.0.1:1", port=0).introspection is True
