"""@defer with a real client: Apollo Client shows Xelion's fields while Synergist is still
answering, and the deferred booking when it comes."""

from __future__ import annotations

import httpx

from tests.conftest import gateway_client, settings_for
from tests.e2e.conftest import Node

SYNERGIST_DELAY_SECONDS = 1.5
KEY = "frontend-key-5e1c9a7d3b2f4e6a8c0d1f3b5a7c9e2d"


async def test_apollo_client_gets_the_deferred_part_after_the_rest(
    node: Node, simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    slow = {"path": "^/jsonapi/", "delay": SYNERGIST_DELAY_SECONDS, "times": None}
    (await upstream.post("/_admin/faults", json=slow)).raise_for_status()
    settings = settings_for(simulator_url, auth_mode="api-key", api_keys=KEY)
    async with gateway_client(settings) as gateway:
        url = str(gateway.base_url.join("/graphql"))
        seen = await node.run("apollo_defer.mjs", {"url": url, "key": KEY})

    first, last = seen[0], seen[-1]
    # The first result has Xelion's appointment and not yet the booking Synergist is slow on.
    assert (first["dataState"], first["bookingId"]) == ("streaming", None)
    assert first["subject"]
    assert first["at"] < SYNERGIST_DELAY_SECONDS * 1000
    assert (last["dataState"], last["bookingId"], last["subject"]) == (
        "complete", "137463", first["subject"],
    )  # fmt: skip
    assert last["at"] >= SYNERGIST_DELAY_SECONDS * 1000
