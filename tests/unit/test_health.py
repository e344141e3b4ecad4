"""Readiness: what makes an upstream ready, and how often it is probed."""

from __future__ import annotations

from calendar_gateway.health import Readiness, UpstreamHealth
from calendar_gateway.upstreams.circuit import CircuitBreaker, CircuitState


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Upstream:
    """Answers probes as told, and counts them."""

    def __init__(self, reachable: bool = True) -> None:
        self.reachable = reachable
        self.probes = 0
        self.circuit = CircuitBreaker(failure_threshold=1)

    async def probe(self) -> bool:
        self.probes += 1
        return self.reachable


async def test_a_reachable_upstream_with_a_closed_circuit_is_ready() -> None:
    report = await Readiness({"calendars": Upstream()}, 2.0).check()
    assert report == {"calendars": UpstreamHealth(True, CircuitState.CLOSED)}
    assert report["calendars"].ready


async def test_an_unreachable_upstream_is_not_ready() -> None:
    report = await Readiness({"bookings": Upstream(reachable=False)}, 2.0).check()
    assert not report["bookings"].ready


async def test_an_open_circuit_is_not_ready_even_when_the_server_answers() -> None:
    upstream = Upstream()
    upstream.circuit.failed()
    report = await Readiness({"appointments": upstream}, 2.0).check()
    assert not report["appointments"].ready


def test_a_half_open_circuit_is_ready_so_traffic_can_close_it() -> None:
    assert UpstreamHealth(True, CircuitState.HALF_OPEN).ready


async def test_a_recent_probe_is_reused() -> None:
    upstream, clock = Upstream(), Clock()
    readiness = Readiness({"calendars": upstream}, 2.0, clock=clock)
    await readiness.check()
    clock.now += 1.9
    await readiness.check()
    assert upstream.probes == 1


async def test_an_old_probe_is_repeated() -> None:
    upstream, clock = Upstream(), Clock()
    readiness = Readiness({"calendars": upstream}, 2.0, clock=clock)
    await readiness.check()
    clock.now += 2.0
    await readiness.check()
    assert upstream.probes == 2


async def test_the_circuit_state_is_read_fresh_even_when_the_probe_is_reused() -> None:
    upstream, clock = Upstream(), Clock()
    readiness = Readiness({"calendars": upstream}, 2.0, clock=clock)
    await readiness.check()
    upstream.circuit.failed()
    assert (await readiness.check())["calendars"].circuit is CircuitState.OPEN
