"""Subscriptions with a real client: graphql-ws (Node) against gateway processes that share
one Redis, for writes through another replica and for changes made on the vendor itself."""

from __future__ import annotations

from typing import Any

import httpx

from calendar_gateway.settings import ENV_PREFIX
from tests.e2e.conftest import Node
from tests.integration.test_calendars import DADS, PACKAGE, grs_as
from tests.integration.test_replicas import replica_env
from tests.servers import serve_gateway_process

KEY = "frontend-key-0123456789abcdef0123456789ab"
POLL_SECONDS = 1.0
APPOINTMENTS = """subscription($id: ID!) {
  appointmentsChanged(calendarId: $id) { kind id appointment { subject } }
}"""
CALENDAR = """subscription($id: ID!) {
  businessCalendarChanged(id: $id) { kind id businessCalendar { locked lockOwner } }
}"""
CREATE = """mutation { createAppointment(input: {subject: "Planning", calendars: ["1557367"],
  start: "2026-12-08T10:00:00Z", end: "2026-12-08T11:00:00Z"}) { id } }"""


def keyed_env(simulator_url: str, **overrides: Any) -> dict[str, str]:
    env = replica_env(simulator_url, auth_mode="api-key", api_keys=KEY, **overrides)
    # A dump of the settings masks the keys: the environment gets the key itself.
    return {**env, f"{ENV_PREFIX}API_KEYS": KEY}


def ws(url: str) -> str:
    return url.replace("http://", "ws://") + "/graphql"


async def subscribe(node: Node, url: str, query: str, **fields: Any) -> dict[str, Any]:
    payload = {"url": ws(url), "key": KEY, "query": query, "events": 1, "timeoutMs": 8000}
    result: dict[str, Any] = await node.run("graphql_ws.mjs", {**payload, **fields})
    return result


async def test_a_write_through_another_replica_reaches_the_subscriber_within_a_second(
    node: Node, simulator_url: str, upstream: httpx.AsyncClient, redis_url: str,
    redis_prefix: str,
) -> None:  # fmt: skip
    env = keyed_env(simulator_url, redis_url=redis_url, redis_key_prefix=redis_prefix,
                    subscription_poll_seconds=60)  # fmt: skip
    async with serve_gateway_process(env) as listening, serve_gateway_process(env) as writing:
        write = {"url": f"{writing.url}/graphql", "headers": {
            "authorization": f"Bearer {KEY}", "content-type": "application/json"},
            "body": {"query": CREATE}}  # fmt: skip
        result = await subscribe(
            node, listening.url, APPOINTMENTS, variables={"id": "1557367"}, triggers=[write]
        )

    [event] = result["events"]
    assert "payload" in event, result
    change = event["payload"]["data"]["appointmentsChanged"]
    assert (change["kind"], change["appointment"]) == ("CREATED", {"subject": "Planning"})
    assert event["ms"] < 1000


async def test_a_change_made_on_the_vendor_arrives_within_the_poll_interval(
    node: Node, simulator_url: str, upstream: httpx.AsyncClient, redis_url: str,
    redis_prefix: str,
) -> None:  # fmt: skip
    env = keyed_env(simulator_url, redis_url=redis_url, redis_key_prefix=redis_prefix,
                    subscription_poll_seconds=POLL_SECONDS)  # fmt: skip
    # Another GRS user locks the calendar on the vendor: the gateway is not told.
    request = (await grs_as(upstream, "other")).auth_flow(httpx.Request("GET", simulator_url))
    basic = next(request).headers["authorization"]
    lock = {"url": f"{simulator_url}{PACKAGE}/lockcalendar/{DADS}", "method": "GET",
            "headers": {"authorization": basic}}  # fmt: skip
    async with serve_gateway_process(env) as gateway:
        result = await subscribe(node, gateway.url, CALENDAR, variables={"id": DADS},
                                 triggers=[lock])  # fmt: skip

    [event] = result["events"]
    assert "payload" in event, result
    change = event["payload"]["data"]["businessCalendarChanged"]
    assert (change["kind"], change["id"]) == ("UPDATED", DADS)
    assert change["businessCalendar"] == {"locked": True, "lockOwner": "other"}
    assert event["ms"] < (POLL_SECONDS + 1) * 1000


async def test_a_connection_without_a_valid_key_is_refused(
    node: Node, simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    env = keyed_env(simulator_url)
    async with serve_gateway_process(env) as gateway:
        result = await subscribe(
            node, gateway.url, APPOINTMENTS, variables={"id": "1557367"}, key="wrong-key"
        )

    assert result["closed"] == 4403
    assert all("payload" not in e for e in result["events"])


async def test_apollo_client_gets_the_event_of_its_own_mutation(
    node: Node, simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    async with serve_gateway_process(keyed_env(simulator_url)) as gateway:
        result = await node.run(
            "apollo_subscription.mjs", {"url": f"{gateway.url}/graphql", "key": KEY}
        )

    assert result["written"]["updateBusinessCalendar"]["id"] == DADS
    assert result["event"]["businessCalendarChanged"] == {
        "__typename": "BusinessCalendarChange",
        "kind": "UPDATED",
        "id": DADS,
        "businessCalendar": {
            "__typename": "BusinessCalendar",
            "id": DADS,
            "name": "Renamed by Apollo",
        },
    }
