"""Talking GraphQL to a running gateway in tests."""

from __future__ import annotations

from typing import Any

import httpx


async def execute(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """POST a GraphQL operation; the HTTP layer must answer 200 with JSON."""
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


# API keys as the gateway accepts them: at least 32 characters.
KEY_ONE = "key-one-5f0c2e9a41d7b3c86e2f9a0d4b7c1e83"
KEY_TWO = "key-two-a83d1f6c09b2e47d5c1a8f3e6b0d9c27"
KEY_UNKNOWN = "key-unknown-2b7e9c4f1a0d6e83c5b9f2a7d1e4"
