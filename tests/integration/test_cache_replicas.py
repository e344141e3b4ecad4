"""The read cache on Redis: what one replica invalidates, no replica serves again."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from calendar_gateway.caching import ReadCache, close_store, open_store
from tests.unit.test_caching import ANSWER, Upstream

IDENTITY = "bookings|http://synergist|user"


@pytest.fixture
async def replicas(redis_url: str, redis_prefix: str) -> AsyncIterator[list[ReadCache]]:
    stores = [open_store(redis_url, redis_prefix) for _ in range(2)]
    yield [ReadCache(store, "bookings", IDENTITY, 60) for store in stores]
    for store in stores:
        await close_store(store)


async def test_a_cached_answer_is_shared_by_replicas(replicas: list[ReadCache]) -> None:
    upstream = Upstream()
    await replicas[0].read("booking:1", upstream.load, ANSWER)
    assert await replicas[1].read("booking:1", upstream.load, ANSWER) == {"call": 1}
    assert upstream.calls == 1


async def test_forget_on_one_replica_reaches_the_other(replicas: list[ReadCache]) -> None:
    upstream = Upstream()
    await replicas[1].read("booking:1", upstream.load, ANSWER)
    await replicas[0].forget("booking:1")
    assert await replicas[1].read("booking:1", upstream.load, ANSWER) == {"call": 2}


async def test_forget_group_on_one_replica_reaches_the_other(replicas: list[ReadCache]) -> None:
    upstream = Upstream()
    await replicas[1].read("range:2026-11", upstream.load, ANSWER, group="ranges")
    await replicas[0].forget_group("ranges")
    assert await replicas[1].read("range:2026-11", upstream.load, ANSWER, group="ranges") == {
        "call": 2
    }
