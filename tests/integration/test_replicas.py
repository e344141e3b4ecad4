"""Several gateway processes sharing one Redis: edits through any of them never interleave."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx
from redis.asyncio import Redis

from calendar_gateway.settings import ENV_PREFIX
from tests.conftest import settings_for
from tests.integration.test_calendars import ADD, DADS, exception_names, holiday, locks
from tests.servers import serve_gateway_process


def replica_env(simulator_url: str, **overrides: Any) -> dict[str, str]:
    """The environment of a ``serve`` process with ``settings_for(simulator_url, **overrides)``."""
    settings = settings_for(simulator_url, **overrides)
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    for name, value in settings.model_dump(mode="json").items():
        if value is not None:
            secret = getattr(getattr(settings, name), "get_secret_value", None)
            env[ENV_PREFIX + name.upper()] = str(secret() if secret else value)
    return env


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
