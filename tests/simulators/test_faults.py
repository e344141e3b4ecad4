"""Fault injection in front of the simulators: error rates, and faults that strike the answer."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.integration.test_calendars import DADS, PACKAGE, grs_as, inject, locks

LOCK = f"{PACKAGE}/lockcalendar/{DADS}"


async def lock_statuses(upstream: httpx.AsyncClient, count: int) -> list[int]:
    auth = await grs_as(upstream, "demo")
    return [(await upstream.get(LOCK, auth=auth)).status_code for _ in range(count)]


async def test_a_fault_at_rate_zero_never_strikes(upstream: httpx.AsyncClient) -> None:
    await inject(upstream, path="lockcalendar", status=503, times=None, rate=0)
    assert set(await lock_statuses(upstream, 20)) == {204}


async def test_a_fault_at_a_rate_strikes_some_matching_requests_and_spares_others(
    upstream: httpx.AsyncClient,
) -> None:
    await inject(upstream, path="lockcalendar", status=503, times=None, rate=0.5)
    # 200 fair coin flips all alike: 2**-199.
    assert set(await lock_statuses(upstream, 200)) == {204, 503}


async def test_a_request_spared_by_one_fault_meets_the_next(upstream: httpx.AsyncClient) -> None:
    await inject(upstream, path="lockcalendar", status=503, times=None, rate=0)
    await inject(upstream, path="lockcalendar", status=502, times=None)
    assert set(await lock_statuses(upstream, 5)) == {502}


async def test_a_fault_before_the_request_keeps_it_from_the_simulator(
    upstream: httpx.AsyncClient,
) -> None:
    await inject(upstream, path="lockcalendar", status=500)
    assert await lock_statuses(upstream, 1) == [500]
    assert (await locks(upstream))[DADS] is False


async def test_a_status_after_the_request_replaces_the_answer_of_a_change_made(
    upstream: httpx.AsyncClient,
) -> None:
    await inject(upstream, path="lockcalendar", status=500, after=True)
    assert await lock_statuses(upstream, 1) == [500]
    assert (await locks(upstream))[DADS] is True


async def test_a_drop_after_the_request_loses_the_answer_of_a_change_made(
    upstream: httpx.AsyncClient,
) -> None:
    await inject(upstream, path="lockcalendar", drop=True, after=True)
    with pytest.raises(httpx.RemoteProtocolError):
        await lock_statuses(upstream, 1)
    assert (await locks(upstream))[DADS] is True


async def test_a_delay_after_the_request_holds_back_the_answer_of_a_change_made(
    upstream: httpx.AsyncClient,
) -> None:
    await inject(upstream, path="lockcalendar", delay=2, after=True)
    auth = await grs_as(upstream, "demo")
    lock = asyncio.create_task(upstream.get(LOCK, auth=auth))
    await until_locked(upstream)
    assert not lock.done()
    assert (await lock).status_code == 204


async def until_locked(upstream: httpx.AsyncClient) -> None:
    for _ in range(200):
        if (await locks(upstream))[DADS]:
            return
        await asyncio.sleep(0.005)
    pytest.fail("the lock never showed")


async def test_a_held_request_is_applied_after_the_delay_though_its_client_gave_up(
    upstream: httpx.AsyncClient,
) -> None:
    await inject(upstream, path="lockcalendar", delay=0.3, hold=True)
    auth = await grs_as(upstream, "demo")
    with pytest.raises(httpx.ReadTimeout):
        await upstream.get(LOCK, auth=auth, timeout=0.05)
    assert (await locks(upstream))[DADS] is False  # held: not applied yet
    await until_locked(upstream)


async def test_a_held_request_meets_the_state_of_the_moment_it_is_applied(
    upstream: httpx.AsyncClient,
) -> None:
    # Sent while the calendar is unlocked, applied once another user holds it: refused.
    await inject(upstream, method="PUT", path="businesscalendarbody", delay=0.3, hold=True)
    demo, other = await grs_as(upstream, "demo"), await grs_as(upstream, "other")
    (await upstream.get(LOCK, auth=demo)).raise_for_status()
    body = f"{PACKAGE}/businesscalendarbody/{DADS}"
    put = asyncio.create_task(upstream.put(body, json={"exceptions": []}, auth=demo))
    await asyncio.sleep(0.05)  # the PUT has reached the fault layer and is held
    (await upstream.get(f"{PACKAGE}/unlockcalendar/{DADS}", auth=demo)).raise_for_status()
    (await upstream.get(LOCK, auth=other)).raise_for_status()
    assert (await put).status_code == 412
