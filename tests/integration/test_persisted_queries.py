"""Automatic persisted queries in Apollo's protocol, through the running gateway."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx

QUERY = "{ businessCalendars { id name } }"
DIGEST = hashlib.sha256(QUERY.encode()).hexdigest()


def persisted(digest: str = DIGEST) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def post(gateway: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await gateway.post("/graphql", json=body)


async def test_unknown_hash_is_persisted_query_not_found(gateway: httpx.AsyncClient) -> None:
    unknown = hashlib.sha256(b"{ never sent }").hexdigest()
    response = await post(gateway, {"extensions": persisted(unknown)})
    assert response.status_code == 200
    assert response.json()["errors"] == [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]


async def test_query_sent_with_its_hash_is_kept_and_then_served_by_hash(
    gateway: httpx.AsyncClient,
) -> None:
    first = await post(gateway, {"query": QUERY, "extensions": persisted()})
    assert "errors" not in first.json()
    by_hash = await post(gateway, {"extensions": persisted()})
    assert by_hash.json() == first.json()


async def test_query_by_hash_works_over_get(gateway: httpx.AsyncClient) -> None:
    await post(gateway, {"query": QUERY, "extensions": persisted()})
    response = await gateway.get(
        "/graphql",
        params={"extensions": json.dumps(persisted())},
        headers={"apollo-require-preflight": "true", "Accept": "application/json"},
    )
    assert response.json()["data"]["businessCalendars"][0]["name"] == "Dad's Dating Calendar"


async def test_hash_that_does_not_match_the_query_is_refused(gateway: httpx.AsyncClient) -> None:
    wrong = hashlib.sha256(b"something else").hexdigest()
    response = await post(gateway, {"query": QUERY, "extensions": persisted(wrong)})
    assert response.status_code == 400
    assert "does not match" in response.text


async def test_unsupported_version_is_refused(gateway: httpx.AsyncClient) -> None:
    body = {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": DIGEST}}}
    response = await post(gateway, body)
    assert response.status_code == 400
