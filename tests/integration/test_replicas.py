"""Several gateway processes sharing one Redis: edits through any of them never interleave."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import Any

import httpx
from redis.asyncio import Redis

from calendar_gateway.settings import ENV_PREFIX, environment
from tests.conftest import settings_for
from tests.integration.test_calendars import (
    ADD,
    ANOTHER,
    DADS,
    exception_names,
    holiday,
    inject,
    locks,
)
from tests.servers import serve_gateway_process


def replica_env(simulator_url: str, **overrides: Any) -> dict[str, str]:
    """The environment of a ``serve`` process with ``settings_for(simulator_url, **overrides)``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    return {**env, **environment(settings_for(simulator_url, **overrides))}


async def test_200_concurrent_adds_over_3_replicas_all_land(
    simulator_url: str, upstream: httpx.AsyncClient, redis_url: str, redis_prefix: str
) -> None:
    env = replica_env(simulator_url, redis_url=redis_url, redis_key_prefix=redis_prefix)
    async with (
        serve_gateway_process(env) as first,
        serve_gateway_process(env) as second,
        serve_gateway_process(env) as third,
        httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=200)) as client,
    ):
        urls = [first.url, second.url, third.url]
        bodies = await asyncio.gather(
            *(
                execute_at(client, urls[i % 3], {"id": DADS, "exception": holiday(f"Day {i}")})
                for i in range(200)
            )
        )
    assert [b for b in bodies if "errors" in b] == []
    names = set(await exception_names(upstream))
    assert {f"Day {i}" for i in range(200)} <= names
    assert (await locks(upstream))[DADS] is False
    redis = Redis.from_url(redis_url)
    assert [key async for key in redis.scan_iter(match=f"{redis_prefix}*:mutex:*")] == []
    await redis.aclose()


async def execute_at(
    client: httpx.AsyncClient, url: str, variables: dict[str, object]
) -> dict[str, object]:
    response = await client.post(f"{url}/graphql", json={"query": ADD, "variables": variables})
    body: dict[str, object] = response.json()
    return body


LEASE = 1.0
"""EDIT_LEASE_SECONDS of the crash test: the README's bound on a dead replica's locks."""


def crash_env(simulator_url: str, redis_url: str, redis_prefix: str) -> dict[str, str]:
    """Replicas sharing Redis, with a short lease so a dead holder's locks expire quickly."""
    return replica_env(
        simulator_url, redis_url=redis_url, redis_key_prefix=redis_prefix,
        edit_lease_seconds=LEASE, upstream_timeout_seconds=10,
    )  # fmt: skip


async def edits_stalled_at(
    client: httpx.AsyncClient, url: str, upstream: httpx.AsyncClient
) -> list[asyncio.Task[dict[str, object]]]:
    """Edits of both calendars through ``url``, once both hold their GRS locks."""
    stalled = [
        asyncio.create_task(execute_at(client, url, {"id": c, "exception": holiday("Lost")}))
        for c in (DADS, ANOTHER)
    ]
    await until_locked(upstream, DADS, ANOTHER)
    return stalled


async def test_a_replica_killed_mid_edit_leaves_its_calendars_editable_within_one_lease(
    simulator_url: str, upstream: httpx.AsyncClient, redis_url: str, redis_prefix: str
) -> None:
    env = crash_env(simulator_url, redis_url, redis_prefix)
    # The doomed replica's writes stall in GRS: it dies holding both calendars' locks.
    await inject(upstream, method="PUT", path="businesscalendarbody", delay=30, times=None)
    async with (
        serve_gateway_process(env) as doomed,
        serve_gateway_process(env) as survivor,
        httpx.AsyncClient(timeout=30) as client,
    ):
        stalled = await edits_stalled_at(client, doomed.url, upstream)
        os.kill(doomed.pid, signal.SIGKILL)
        killed = time.monotonic()
        await asyncio.gather(*stalled, return_exceptions=True)  # cut off by the kill
        (await upstream.delete("/_admin/faults")).raise_for_status()
        bodies = await asyncio.gather(
            *(
                execute_at(client, survivor.url, {"id": c, "exception": holiday("After")})
                for c in (DADS, ANOTHER)
            )
        )
        took = time.monotonic() - killed
    assert [b for b in bodies if "errors" in b] == []
    assert took < LEASE + 3  # the lease, then a take-over, a lock, a read, a write, an unlock
    for calendar in (DADS, ANOTHER):
        assert "After" in await exception_names(upstream, calendar)
    assert not any((await locks(upstream)).values())


async def until_locked(upstream: httpx.AsyncClient, *calendars: str) -> None:
    for _ in range(400):
        held = await locks(upstream)
        if all(held[c] for c in calendars):
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the calendars were never locked")


READ_LOCKS = """
query { businessCalendars { id locked lockOwner } }"""


async def test_a_replica_killed_mid_edit_has_its_locks_given_back_with_no_further_edit(
    simulator_url: str, upstream: httpx.AsyncClient, redis_url: str, redis_prefix: str
) -> None:
    env = crash_env(simulator_url, redis_url, redis_prefix)
    # Stalled long enough to die holding both locks, short enough for the simulator to stop.
    await inject(upstream, method="PUT", path="businesscalendarbody", delay=10, times=None)
    async with (
        serve_gateway_process(env) as doomed,
        serve_gateway_process(env) as survivor,
        httpx.AsyncClient(timeout=30) as client,
    ):
        stalled = await edits_stalled_at(client, doomed.url, upstream)
        # Read through the survivor while locked: its cached list must not outlive the lock.
        assert await locks_read_at(client, survivor.url) == {DADS: True, ANOTHER: True}
        os.kill(doomed.pid, signal.SIGKILL)
        killed = time.monotonic()
        await asyncio.gather(*stalled, return_exceptions=True)  # cut off by the kill
        await until_given_back(upstream, DADS, ANOTHER)
        took = time.monotonic() - killed
        read = await locks_read_at(client, survivor.url)
    # The README's bound: the dead holder's lease, then one sweep interval (the lease).
    assert took < 2 * LEASE + 2
    assert read == {DADS: False, ANOTHER: False}
    redis = Redis.from_url(redis_url)
    assert [key async for key in redis.scan_iter(match=f"{redis_prefix}*:holder:*")] == []
    await redis.aclose()


async def locks_read_at(client: httpx.AsyncClient, url: str) -> dict[str, bool]:
    """Which of DADS and ANOTHER a gateway's read shows locked; locked ones name an owner."""
    response = await client.post(f"{url}/graphql", json={"query": READ_LOCKS})
    listed = response.json()["data"]["businessCalendars"]
    shown = {c["id"]: c for c in listed if c["id"] in (DADS, ANOTHER)}
    assert all((c["lockOwner"] is not None) == c["locked"] for c in shown.values())
    return {calendar: c["locked"] for calendar, c in shown.items()}


async def until_given_back(upstream: httpx.AsyncClient, *calendars: str) -> None:
    """Poll GRS, as another user, until none of ``calendars`` is locked (at most 10 s)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        held = await locks(upstream)
        if not any(held[c] for c in calendars):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the dead replica's locks were never given back")
