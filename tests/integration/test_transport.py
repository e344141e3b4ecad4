"""The transport against the simulators over loopback: retries, Retry-After, circuit, timeouts.

Waiting is done on a fake clock: the transport's sleep only records and advances it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from calendar_gateway.upstreams.circuit import CircuitBreaker, CircuitState
from calendar_gateway.upstreams.errors import UpstreamUnavailableError
from calendar_gateway.upstreams.retry import RetryPolicy
from calendar_gateway.upstreams.transport import Transport

READ = "/grs/v1/tenants"
WRITE = "/grs/v1/tenant/default/package/default/calendar"


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def transport(
    simulator_url: str, upstream: httpx.AsyncClient, fake_time: FakeTime
) -> AsyncIterator[Transport]:
    transport = Transport(
        "calendars",
        simulator_url,
        timeout=httpx.Timeout(10.0, connect=5.0, pool=5.0),
        max_concurrency=4,
        retry=RetryPolicy(attempts=3, base_delay=0.1, max_delay=1.0, max_retry_after=8.0),
        circuit=CircuitBreaker(failure_threshold=3, reset_seconds=30.0, clock=fake_time.clock),
        sleep=fake_time.sleep,
        clock=fake_time.clock,
    )
    yield transport
    await transport.aclose()


async def inject(upstream: httpx.AsyncClient, **fault: Any) -> None:
    (await upstream.post("/_admin/faults", json=fault)).raise_for_status()


async def test_a_get_is_retried_after_5xx_until_it_is_answered(
    transport: Transport, upstream: httpx.AsyncClient, fake_time: FakeTime
) -> None:
    await inject(upstream, method="GET", path="tenants$", status=503, times=2)
    response = await transport.request("GET", READ)
    assert response.status_code == 401  # the simulator itself: no credentials were sent
    assert len(fake_time.sleeps) == 2


async def test_a_get_is_retried_after_a_dropped_connection(
    transport: Transport, upstream: httpx.AsyncClient, fake_time: FakeTime
) -> None:
    await inject(upstream, method="GET", path="tenants$", drop=True)
    assert (await transport.request("GET", READ)).status_code == 401
    assert len(fake_time.sleeps) == 1


async def test_retries_back_off_exponentially_with_jitter_below_the_cap(
    transport: Transport, upstream: httpx.AsyncClient, fake_time: FakeTime
) -> None:
    await inject(upstream, method="GET", path="tenants$", status=500, times=2)
    await transport.request("GET", READ)
    first, second = fake_time.sleeps
    assert 0 <= first <= 0.1
    assert 0 <= second <= 0.2


async def test_a_get_failing_every_attempt_is_unavailable(
    transport: Transport, upstream: httpx.AsyncClient, fake_time: FakeTime
) -> None:
    await inject(upstream, method="GET", path="tenants$", status=503, times=None)
    with pytest.raises(UpstreamUnavailableError, match="HTTP 503"):
        await transport.request("GET", READ)
    assert len(fake_time.sleeps) == 2  # three attempts in all


async def test_a_post_is_never_retried(
    transport: Transport, upstream: httpx.AsyncClient, fake_time: FakeTime
) -> None:
    await inject(upstream, method="POST", path="calendar$", status=503)
    with pytest.raises(UpstreamUnavailableError):
        await transport.request("POST", WRITE, json={})
    assert fake_time.sleeps == []


async def test_a_post_marked_idempotent_is_retried(
    transport: Transport, upstream: httpx.AsyncClient, fake_time: FakeTime
) -> None:
    await inject(upstream, method="POST", path="calendar$", status=503)
    response = await transport.request("POST", WRITE, json={}, idempotent=True)
    assert response.status_code == 401
    assert len(fake_time.sleeps) == 1


async def test_a_get_marked_not_idempotent_is_not_retried(
    transport: Transport, upstream: httpx.AsyncClient, fake_time: FakeTime
) -> None:
    await inject(upstream, method="GET", path="tenants$", drop=True)
    with pytest.raises(UpstreamUnavailableError, match="unreachable"):
        await transport.request("GET", READ, idempotent=False)
    assert fake_time.sleeps == []


async def test_retry_after_on_429_sets_the_wait(
    transport: Transport, upstream: httpx.AsyncClient, fake_time: FakeTime
) -> None:
    await inject(upstream, path="tenants$", status=429, headers={"Retry-After": "2"})
    assert (await transport.request("GET", READ)).status_code == 401
    assert fake_time.sleeps == [2.0]


async def test_retry_after_on_503_sets_the_wait(
    transport: Transport, upstream: httpx.AsyncClient, fake_time: FakeTime
) -> None:
    await inject(upstream, path="tenants$", status=503, headers={"Retry-After": "3"})
    assert (await transport.request("GET", READ)).status_code == 401
    assert fake_time.sleeps == [3.0]


async def test_a_retry_after_beyond_the_bound_hands_the_429_back_at_once(
    transport: Transport, upstream: httpx.AsyncClient, fake_time: FakeTime
) -> None:
    await inject(upstream, path="tenants$", status=429, headers={"Retry-After": "120"})
    response = await transport.request("GET", READ)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "120"
    assert fake_time.sleeps == []


async def test_a_429_on_a_write_is_handed_back_without_retry(
    transport: Transport, upstream: httpx.AsyncClient, fake_time: FakeTime
) -> None:
    await inject(upstream, path="calendar$", status=429, headers={"Retry-After": "1"})
    assert (await transport.request("POST", WRITE, json={})).status_code == 429
    assert fake_time.sleeps == []


async def test_retries_stop_when_the_read_timeout_budget_is_spent(
    transport: Transport, upstream: httpx.AsyncClient, fake_time: FakeTime
) -> None:
    # 10 s of budget: a first wait of 6 s fits, a second would end at 12 s.
    await inject(upstream, path="tenants$", status=503, headers={"Retry-After": "6"}, times=3)
    with pytest.raises(UpstreamUnavailableError):
        await transport.request("GET", READ)
    assert fake_time.sleeps == [6.0]


async def test_consecutive_failures_open_the_circuit(
    transport: Transport, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, path="calendar$", status=500, times=None)
    for _ in range(3):
        with pytest.raises(UpstreamUnavailableError):
            await transport.request("POST", WRITE, json={})
    assert transport.circuit.state is CircuitState.OPEN


async def test_an_open_circuit_fails_fast_without_calling_the_upstream(
    transport: Transport, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, path="calendar$", status=500, times=3)
    for _ in range(3):
        with pytest.raises(UpstreamUnavailableError):
            await transport.request("POST", WRITE, json={})
    # The fault is used up: a call that went out would reach GRS and get its 401.
    with pytest.raises(UpstreamUnavailableError, match="circuit is open"):
        await transport.request("POST", WRITE, json={})


async def test_a_successful_probe_after_the_cool_down_closes_the_circuit(
    transport: Transport, upstream: httpx.AsyncClient, fake_time: FakeTime
) -> None:
    await inject(upstream, path="calendar$", status=500, times=3)
    for _ in range(3):
        with pytest.raises(UpstreamUnavailableError):
            await transport.request("POST", WRITE, json={})
    fake_time.now += 30.0
    assert (await transport.request("POST", WRITE, json={})).status_code == 401
    assert transport.circuit.state is CircuitState.CLOSED


async def test_a_4xx_answer_does_not_count_as_a_failure(
    transport: Transport, upstream: httpx.AsyncClient
) -> None:
    for _ in range(5):
        assert (await transport.request("POST", WRITE, json={})).status_code == 401
    assert transport.circuit.state is CircuitState.CLOSED


async def test_a_slow_upstream_times_out_as_unavailable(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, path="calendar$", delay=1.0)
    transport = Transport("calendars", simulator_url, timeout=0.2, max_concurrency=1)
    try:
        with pytest.raises(UpstreamUnavailableError, match="timed out"):
            await transport.request("POST", WRITE, json={})
    finally:
        await transport.aclose()


async def test_a_call_waiting_longer_than_the_pool_timeout_for_a_slot_is_unavailable(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, path="calendar$", delay=0.5)
    timeout = httpx.Timeout(5.0, pool=0.1)
    transport = Transport("calendars", simulator_url, timeout=timeout, max_concurrency=1)
    try:
        slow = transport.request("POST", WRITE, json={})
        waiting = transport.request("POST", WRITE, json={})
        results = await asyncio.gather(slow, waiting, return_exceptions=True)
        assert isinstance(results[1], UpstreamUnavailableError)
        assert "waiting" in str(results[1])
    finally:
        await transport.aclose()


async def test_calls_past_the_concurrency_bound_wait_their_turn_and_are_answered(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, path="calendar$", delay=0.1, times=3)
    transport = Transport("calendars", simulator_url, timeout=5.0, max_concurrency=1)
    try:
        calls = [transport.request("POST", WRITE, json={}) for _ in range(3)]
        answers = await asyncio.gather(*calls)
        assert [answer.status_code for answer in answers] == [401, 401, 401]
    finally:
        await transport.aclose()
