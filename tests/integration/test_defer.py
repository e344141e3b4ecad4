"""@defer and @stream over HTTP: multipart/mixed parts, and the error contract in later parts."""

from __future__ import annotations

import json
from typing import Any

import httpx

ACCEPT = "multipart/mixed;incrementalSpec=v0.2, application/json;q=0.9"


async def parts(gateway: httpx.AsyncClient, query: str) -> list[dict[str, Any]]:
    """The JSON payloads of a multipart/mixed answer, in order."""
    response = await gateway.post("/graphql", json={"query": query}, headers={"accept": ACCEPT})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("multipart/mixed")
    found = []
    for chunk in response.text.split("\r\n---"):
        _, separator, body = chunk.partition("\r\n\r\n")
        if separator and body.strip():
            found.append(json.loads(body))
    return found


async def test_a_deferred_fragment_arrives_in_a_later_part(gateway: httpx.AsyncClient) -> None:
    first, *rest = await parts(
        gateway,
        '{ appointment(id: "1758831") { id }'
        ' ... @defer(label: "b") { booking(id: "137463") { id } } }',
    )

    assert first["data"] == {"appointment": {"id": "1758831"}}
    assert first["hasNext"] is True
    [incremental] = [i for part in rest for i in part.get("incremental", [])]
    assert (incremental["label"], incremental["data"]) == ("b", {"booking": {"id": "137463"}})
    assert rest[-1]["hasNext"] is False


async def test_a_deferred_field_s_error_keeps_the_error_contract(
    gateway: httpx.AsyncClient,
) -> None:
    _, *rest = await parts(gateway, '{ __typename ... @defer { appointment(id: "999") { id } } }')

    [incremental] = [i for part in rest for i in part.get("incremental", [])]
    [error] = incremental["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["extensions"]["upstream"] == "appointments"


async def test_a_streamed_list_sends_its_first_items_first(gateway: httpx.AsyncClient) -> None:
    first, *rest = await parts(gateway, "{ businessCalendars @stream(initialCount: 1) { name } }")

    assert first["data"] == {"businessCalendars": [{"name": "Dad's Dating Calendar"}]}
    streamed = [item for part in rest for i in part.get("incremental", []) for item in i["items"]]
    assert streamed == [{"name": "Another Calendar"}]
