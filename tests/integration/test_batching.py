"""Operation batching: a JSON array of operations, up to the configured maximum."""

from __future__ import annotations

import httpx

from tests.conftest import gateway_client, settings_for

LIST = {"query": "{ businessCalendars { name } }"}
ONE = {"query": '{ businessCalendar(id: "Calendar_190") { name } }'}


async def test_a_batch_answers_each_operation_in_order(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/graphql", json=[ONE, LIST])
    assert response.status_code == 200
    first, second = response.json()
    assert first["data"] == {"businessCalendar": {"name": "Another Calendar"}}
    assert len(second["data"]["businessCalendars"]) == 2


async def test_a_batch_over_the_maximum_is_refused(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    async with gateway_client(settings_for(simulator_url, max_batch_operations=2)) as gateway:
        allowed = await gateway.post("/graphql", json=[ONE, ONE])
        refused = await gateway.post("/graphql", json=[ONE, ONE, ONE])
    assert allowed.status_code == 200
    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST"}
    assert error["message"] == "A batch has from 1 to 2 operations; this one has 3."
