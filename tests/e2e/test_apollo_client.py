"""A real client: Apollo Client (Node) runs a query, a mutation and an automatic-persisted-query
round trip against the live gateway, with an API key."""

from __future__ import annotations

import httpx

from tests.conftest import gateway_client, settings_for
from tests.e2e.conftest import Node

FRONTEND_KEY = "frontend-key-7d2a9e4c1b0f8e36a5d7c2b9e1f4a083"


async def test_apollo_client_query_mutation_and_persisted_queries(
    node: Node, simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    settings = settings_for(simulator_url, auth_mode="api-key", api_keys=FRONTEND_KEY)
    async with gateway_client(settings) as gateway:
        url = str(gateway.base_url.join("/graphql"))
        result = await node.run("apollo_client.mjs", {"url": url, "key": FRONTEND_KEY})

    assert [c["name"] for c in result["query"]["businessCalendars"]] == [
        "Dad's Dating Calendar",
        "Another Calendar",
    ]
    added = result["mutation"]["addCalendarException"]["exceptions"]
    assert "Apollo day" in [e["name"] for e in added]
    assert result["again"] == result["query"]

    requests = result["requests"]
    query_hash = requests[0]["hash"]
    assert query_hash is not None
    # The protocol: the hash alone, PersistedQueryNotFound, the hash with its query; later
    # the hash alone is enough.
    assert [(r["hasQuery"], r["hash"] == query_hash) for r in requests[:2]] == [
        (False, True),
        (True, True),
    ]
    assert (requests[-1]["hasQuery"], requests[-1]["hash"]) == (False, query_hash)
