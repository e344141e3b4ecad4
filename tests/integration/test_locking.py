"""The edit-session mutex across replicas, against a real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from calendar_gateway.locking import RedisLockHolders, RedisMutex


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_two_replicas_never_hold_one_key_at_once(redis: Redis, redis_prefix: str) -> None:
    replicas = [RedisMutex(redis, redis_prefix), RedisMutex(redis, redis_prefix)]
    inside = 0
    most_inside = 0

    async def edit(mutex: RedisMutex) -> None:
        nonlocal inside, most_inside
        async with mutex.hold("calendar:1", 60):
            inside += 1
            most_inside = max(most_inside, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(edit(replicas[i % 2]) for i in range(20)))
    assert most_inside == 1


async def test_release_leaves_no_key(redis: Redis, redis_prefix: str) -> None:
    mutex = RedisMutex(redis, redis_prefix)
    async with mutex.hold("calendar:1", 60):
        assert await mutex.held() == [f"{redis_prefix}:mutex:calendar:1"]
    assert await mutex.held() == []


async def test_a_dead_replicas_lease_expires(redis: Redis, redis_prefix: str) -> None:
    # A replica that died mid-edit left its lease behind and renews it no more.
    await redis.set(f"{redis_prefix}:mutex:calendar:1", "dead-replica", px=200)
    mutex = RedisMutex(redis, redis_prefix)
    async with mutex.hold("calendar:1", 5):
        assert await redis.get(f"{redis_prefix}:mutex:calendar:1") != b"dead-replica"


async def test_a_running_edit_keeps_its_lease(redis: Redis, redis_prefix: str) -> None:
    holder = RedisMutex(redis, redis_prefix, lease_seconds=0.2)
    contender = RedisMutex(redis, redis_prefix)
    async with holder.hold("calendar:1", 60):
        with pytest.raises(Exception, match="mutex"):
            # Twice the lease: without renewal the contender would get in.
            async with contender.hold("calendar:1", 0.4):
                pass


async def test_recorded_holders_are_listed_for_a_sweep_until_forgotten(
    redis: Redis, redis_prefix: str
) -> None:
    holders = RedisLockHolders(redis, redis_prefix, "user:password")
    keys = [f"calendar:t/p/{i}" for i in range(5)]
    for key in keys:
        await holders.record(key, f"token-{key}")
    assert sorted(await holders.recorded(10)) == keys
    assert len(await holders.recorded(2)) == 2  # bounded
    await holders.forget(keys[0])
    assert sorted(await holders.recorded(10)) == keys[1:]
    assert await holders.holder(keys[1]) == f"token-{keys[1]}"


async def test_a_planted_holder_is_listed_but_yields_no_token(
    redis: Redis, redis_prefix: str
) -> None:
    holders = RedisLockHolders(redis, redis_prefix, "user:password")
    await redis.sadd(f"{redis_prefix}:holders", "calendar:t/p/planted", "x" * 5000)
    await redis.set(f"{redis_prefix}:holder:calendar:t/p/planted", b"not sealed by us")
    assert await holders.recorded(10) == ["calendar:t/p/planted"]  # the long one left out
    assert await holders.holder("calendar:t/p/planted") is None
