"""A POST of one operation takes a shorter path than Strawberry's ``run``, to the same answers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from calendar_gateway.graphql.http import GraphQLOverHTTP
from tests.conftest import gateway_client, settings_for

NEW = {"Accept": "application/graphql-response+json"}
LEGACY = {"Accept": "application/json"}
BOOKING = "query B($id: ID!) { booking(id: $id) { id start resource { id } } }"
REQUESTS: dict[str, dict[str, Any]] = {
    "a plain query": {"json": {"query": "{ __typename }"}},
    "a query of a booking": {"json": {"query": BOOKING, "variables": {"id": "137463"}}},
    "an unknown booking": {"json": {"query": BOOKING, "variables": {"id": "999999999"}}},
    "an id over its cap": {"json": {"query": BOOKING, "variables": {"id": "1" * 17}}},
    "a syntax error": {"json": {"query": "{"}},
    "an unknown field": {"json": {"query": "{ noSuchField }"}},
    "a missing variable": {"json": {"query": BOOKING, "variables": {}}},
    "too many aliases": {"json": {"query": "{ a: __typename b: __typename }"}},
    "a subscription over plain HTTP": {"json": {"query": "subscription { __typename }"}},
    "a mutation refused": {"json": {"query": 'mutation { deleteBooking(id: "x") }'}},
    "not JSON": {"content": b"{", "headers": {"Content-Type": "application/json"}},
    "not a JSON type": {"content": b"{}", "headers": {"Content-Type": "application/xml"}},
    "a batch": {"json": [{"query": "{ __typename }"}, {"query": "{"}]},
}
# What differs from one answer to the next whatever the path.
VARYING = {"date", "x-request-id", "server-timing"}


async def answers(client: httpx.AsyncClient) -> dict[str, tuple[int, list[Any], Any]]:
    found = {}
    for name, request in REQUESTS.items():
        for accept in (NEW, LEGACY):
            headers = {**accept, **request.get("headers", {})}
            arguments = {key: value for key, value in request.items() if key != "headers"}
            response = await client.post("/graphql", headers=headers, **arguments)
            kept = [(k, v) for k, v in response.headers.multi_items() if k not in VARYING]
            found[f"{name}, {accept['Accept']}"] = (response.status_code, kept, response.json())
    return found


async def test_a_post_is_answered_as_strawberry_s_run_answers_it(
    simulator_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(simulator_url, cache_ttl_seconds=0, max_aliases=1, max_id_length=16)
    async with gateway_client(settings) as client:
        short = await answers(client)

    async def strawberry_s_run(self: GraphQLOverHTTP, request: Request, _body: bytes) -> Response:
        return await self.run(request)

    monkeypatch.setattr(GraphQLOverHTTP, "_answer", strawberry_s_run)
    async with gateway_client(settings) as client:
        assert await answers(client) == short


async def test_only_a_post_of_one_plain_operation_skips_run(
    simulator_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    run = GraphQLOverHTTP.run

    async def counted(self: GraphQLOverHTTP, request: Request, *args: Any) -> Any:
        ran.append(request.method)
        return await run(self, request, *args)

    monkeypatch.setattr(GraphQLOverHTTP, "run", counted)
    async with gateway_client(settings_for(simulator_url)) as client:
        await client.post("/graphql", json={"query": "{ __typename }"})
        assert ran == []
        await client.post("/graphql", json=[{"query": "{ __typename }"}])
        await client.post("/graphql", json={"query": "{ __typename @skip(if: false) }"})
        await client.post("/graphql", json={"query": "subscription { __typename }"})
        preflight = {"apollo-require-preflight": "true"}
        await client.get("/graphql", params={"query": "{ __typename }"}, headers=preflight)
        assert ran == ["POST", "POST", "POST", "GET"]
