"""Subscriptions over real servers, with a raw graphql-transport-ws client (websockets): the
limits, the keep-alive, pollers across replicas, and multipart HTTP subscriptions."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from calendar_gateway.app import create_app
from tests.conftest import settings_for
from tests.integration.test_calendars import DADS
from tests.servers import serve

KEY = "live-key-0123456789abcdef0123456789abcdef"
CALENDAR = f'subscription {{ businessCalendarChanged(id: "{DADS}") {{ kind id }} }}'
APPOINTMENTS = 'subscription { appointmentsChanged(calendarId: "1557367") { kind id } }'
RENAME = f'mutation {{ updateBusinessCalendar(id: "{DADS}", input: {{name: "Renamed"}}) {{ id }} }}'


@contextlib.asynccontextmanager
async def gateway(simulator_url: str, **overrides: Any) -> AsyncIterator[str]:
    settings = settings_for(simulator_url, auth_mode="api-key", api_keys=KEY, **overrides)
    async with serve(create_app(settings)) as url:
        yield url


@contextlib.asynccontextmanager
async def socket(url: str, key: str = KEY) -> AsyncIterator[ClientConnection]:
    """A graphql-transport-ws connection, acknowledged."""
    ws_url = url.replace("http://", "ws://") + "/graphql"
    async with connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {key}"}})
        )
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        yield ws


async def subscribe(ws: ClientConnection, operation_id: str, query: str) -> None:
    message = {"id": operation_id, "type": "subscribe", "payload": {"query": query}}
    await ws.send(json.dumps(message))


async def message(ws: ClientConnection, kind: str = "next") -> dict[str, Any]:
    """The next message of ``kind``, answering the server's pings on the way."""
    async with asyncio.timeout(5):
        while True:
            received = json.loads(await ws.recv())
            if received["type"] == "ping":
                await ws.send(json.dumps({"type": "pong"}))
            elif received["type"] == kind:
                return dict(received)


async def read_until_closed(ws: ClientConnection) -> None:
    async with asyncio.timeout(5):
        while True:
            await ws.recv()


async def grs_body_reads(upstream: httpx.AsyncClient) -> int:
    stats = (await upstream.get("/grs/v1/_admin/stats")).json()["requests"]
    return int(stats.get("queryBusinessCalendarBody", 0))


async def test_an_own_write_reaches_the_subscriber_with_what_changed(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    async with gateway(simulator_url) as url, socket(url) as ws:
        await subscribe(ws, "1", CALENDAR)
        await asyncio.sleep(0.2)  # the server takes the subscription in its own time
        async with httpx.AsyncClient(
            base_url=url, headers={"authorization": f"Bearer {KEY}"}
        ) as client:
            written = await client.post("/graphql", json={"query": RENAME})
            assert "errors" not in written.json()
        event = await message(ws)

    assert event["payload"] == {
        "data": {"businessCalendarChanged": {"kind": "UPDATED", "id": DADS}}
    }


async def test_subscriptions_beyond_the_connection_s_limit_fail_with_a_code(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    async with gateway(simulator_url, subscriptions_per_connection=2) as url, socket(url) as ws:
        for operation_id in ("1", "2", "3"):
            await subscribe(ws, operation_id, APPOINTMENTS)
        # The three start at once, each in its own task: which comes third is the server's
        # scheduling (a new text validates in a worker thread), not the order they were sent.
        first = await message(ws)
        await subscribe(ws, "4", APPOINTMENTS)
        later = await message(ws)

    assert first["id"] in {"1", "2", "3"}
    assert later["id"] == "4"  # the two admitted are still held
    for refused in (first, later):
        [error] = refused["payload"]["errors"]
        assert error["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"


async def test_a_client_s_subscriptions_are_limited_across_its_connections(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    async with (
        gateway(simulator_url, subscriptions_per_client=1) as url,
        socket(url) as first,
        socket(url) as second,
    ):
        await subscribe(first, "1", APPOINTMENTS)
        await asyncio.sleep(0.2)
        await subscribe(second, "1", APPOINTMENTS)
        refused = await message(second)

    assert refused["payload"]["errors"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"


async def test_a_client_that_leaves_a_ping_unanswered_is_closed_as_a_slow_consumer(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    async with gateway(simulator_url, subscription_keepalive_seconds=0.2) as url, socket(url) as ws:
        assert json.loads(await ws.recv()) == {"type": "ping"}
        # Not answered: the next round closes the connection.
        with pytest.raises(ConnectionClosed) as closed:
            await read_until_closed(ws)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4008


async def test_a_wrong_key_in_connection_init_is_refused(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    async with gateway(simulator_url) as url:
        with pytest.raises(ConnectionClosed) as refused:
            async with socket(url, key="wrong"):
                pass

    assert refused.value.rcvd is not None
    assert refused.value.rcvd.code == 4403


async def test_three_replicas_poll_a_watched_calendar_once_and_stop_when_nobody_watches(
    simulator_url: str, upstream: httpx.AsyncClient, redis_url: str, redis_prefix: str
) -> None:
    poll = 0.25
    shared = {
        "redis_url": redis_url,
        "redis_key_prefix": redis_prefix,
        "subscription_poll_seconds": poll,
    }
    async with (
        gateway(simulator_url, **shared) as one,
        gateway(simulator_url, **shared) as two,
        gateway(simulator_url, **shared) as three,
    ):
        async with socket(one) as a, socket(two) as b, socket(three) as c:
            for ws in (a, b, c):
                await subscribe(ws, "1", CALENDAR)
            await asyncio.sleep(0.5)  # each subscription has read the calendar once
            before = await grs_body_reads(upstream)
            await asyncio.sleep(10 * poll)
            polled = await grs_body_reads(upstream) - before
        await asyncio.sleep(2 * poll)  # the last subscriber is gone
        idle_before = await grs_body_reads(upstream)
        await asyncio.sleep(4 * poll)
        idle = await grs_body_reads(upstream) - idle_before

    # One poller: about 10 polls; three would make about 30.
    assert 5 <= polled <= 14
    assert idle == 0


async def test_a_multipart_http_subscription_gets_the_event(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    headers = {"authorization": f"Bearer {KEY}"}
    accept = {**headers, "accept": 'multipart/mixed;subscriptionSpec="1.0",application/json'}
    async with (
        gateway(simulator_url) as url,
        httpx.AsyncClient(base_url=url, headers=headers, timeout=10) as client,
        client.stream("POST", "/graphql", json={"query": CALENDAR}, headers=accept) as response,
    ):
        assert response.headers["content-type"].startswith("multipart/mixed")
        await asyncio.sleep(0.3)
        assert "errors" not in (await client.post("/graphql", json={"query": RENAME})).json()
        received = ""
        async with asyncio.timeout(5):
            async for chunk in response.aiter_text():
                received += chunk
                if "businessCalendarChanged" in received:
                    break

    part = received[received.index('{"payload"') :].split("\r\n")[0]
    assert json.loads(part)["payload"]["data"]["businessCalendarChanged"] == {
        "kind": "UPDATED",
        "id": DADS,
    }


async def test_a_subscription_over_plain_http_is_refused_with_how_to_send_it(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    async with (
        gateway(simulator_url) as url,
        httpx.AsyncClient(base_url=url, headers={"authorization": f"Bearer {KEY}"}) as client,
    ):
        response = await client.post("/graphql", json={"query": APPOINTMENTS})

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "graphql-transport-ws" in error["message"]


async def test_a_query_over_the_websocket_is_refused_for_http_where_rate_limits_count_it(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    async with gateway(simulator_url) as url, socket(url) as ws:
        await subscribe(ws, "1", "{ businessCalendars { id } }")
        refused = await message(ws, "error")

    assert refused["id"] == "1"
    assert refused["payload"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_bookings_changed_hears_the_resource_s_bookings_within_its_dates_only(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    today = datetime.now(UTC).date()
    monday = today + timedelta(days=7 - today.weekday())
    watched = (
        'subscription { bookingsChanged(company: "1", resourceId: "198",'
        f' from: "{monday}", to: "{monday + timedelta(days=4)}") {{ kind id'
        " booking { resource { id } start } } }"
    )
    async with gateway(simulator_url) as url, socket(url) as ws:
        await subscribe(ws, "1", watched)
        await asyncio.sleep(0.2)
        async with httpx.AsyncClient(
            base_url=url, headers={"authorization": f"Bearer {KEY}"}
        ) as client:
            for day in (monday + timedelta(days=28), monday + timedelta(days=1)):  # out, then in
                booked = await client.post("/graphql", json={"query": book(day)})
                assert "errors" not in booked.json(), booked.json()
        event = await message(ws)

    change = event["payload"]["data"]["bookingsChanged"]
    assert change["kind"] == "CREATED"
    assert change["booking"] == {
        "resource": {"id": "198"},
        "start": f"{monday + timedelta(days=1)}T09:00:00",
    }


def book(day: date) -> str:
    return (
        'mutation { createBooking(input: {timeSummaryId: "1014302", resourceId: "198",'
        f' start: "{day}T09:00:00", end: "{day}T11:00:00"}}) {{ bookings {{ id }} }} }}'
    )


async def test_a_websocket_authenticates_with_the_jwt_a_query_would_send(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    secret = "jwt-secret-for-websockets-0123456789abcdef"
    settings = settings_for(simulator_url, auth_mode="jwt", jwt_secret=secret)
    now = int(time.time())
    good = jwt.encode({"sub": "planner", "exp": now + 60}, secret, algorithm="HS256")
    expired = jwt.encode({"sub": "planner", "exp": now - 60}, secret, algorithm="HS256")
    async with serve(create_app(settings)) as url:
        async with socket(url, key=good) as ws:
            await subscribe(ws, "1", APPOINTMENTS)
        with pytest.raises(ConnectionClosed) as refused:
            async with socket(url, key=expired):
                pass

    assert refused.value.rcvd is not None
    assert refused.value.rcvd.code == 4403


async def test_wrong_keys_over_websockets_count_toward_the_address_s_failure_limit(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    async with gateway(simulator_url, auth_failure_limit=2) as url:
        for _ in range(2):
            with pytest.raises(ConnectionClosed):
                async with socket(url, key="wrong"):
                    pass
        # Past the limit even the right key is refused, or guessing would go on.
        with pytest.raises(ConnectionClosed) as refused:
            async with socket(url):
                pass
        async with httpx.AsyncClient(
            base_url=url, headers={"authorization": f"Bearer {KEY}"}
        ) as client:
            over_http = await client.post("/graphql", json={"query": "{ __typename }"})

    assert refused.value.rcvd is not None
    assert refused.value.rcvd.code == 4403
    assert over_http.status_code == 429
