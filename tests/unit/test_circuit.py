"""The circuit breaker, on a clock the tests move by hand."""

from __future__ import annotations

from calendar_gateway.upstreams.circuit import CircuitBreaker, CircuitState


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, threshold: int = 3, reset: float = 30.0) -> CircuitBreaker:
    return CircuitBreaker(failure_threshold=threshold, reset_seconds=reset, clock=clock)


def opened(clock: Clock) -> CircuitBreaker:
    circuit = breaker(clock)
    for _ in range(3):
        circuit.failed()
    return circuit


def test_a_new_circuit_is_closed_and_admits_calls() -> None:
    circuit = breaker(Clock())
    assert circuit.state is CircuitState.CLOSED
    assert circuit.admit()


def test_failures_below_the_threshold_still_admit_calls() -> None:
    circuit = breaker(Clock())
    circuit.failed()
    circuit.failed()
    assert circuit.admit()
    assert circuit.admit()


def test_failures_below_the_threshold_keep_it_closed() -> None:
    circuit = breaker(Clock())
    circuit.failed()
    circuit.failed()
    assert circuit.state is CircuitState.CLOSED


def test_threshold_consecutive_failures_open_it() -> None:
    assert opened(Clock()).state is CircuitState.OPEN


def test_an_open_circuit_fails_calls_fast() -> None:
    assert not opened(Clock()).admit()


def test_a_success_resets_the_count_of_consecutive_failures() -> None:
    circuit = breaker(Clock())
    circuit.failed()
    circuit.failed()
    circuit.succeeded()
    circuit.failed()
    circuit.failed()
    assert circuit.state is CircuitState.CLOSED


def test_after_the_cool_down_it_is_half_open() -> None:
    clock = Clock()
    circuit = opened(clock)
    clock.now += 30.0
    assert circuit.state is CircuitState.HALF_OPEN


def test_half_open_admits_one_probe_at_a_time() -> None:
    clock = Clock()
    circuit = opened(clock)
    clock.now += 30.0
    assert circuit.admit()
    assert not circuit.admit()


def test_a_successful_probe_closes_it() -> None:
    clock = Clock()
    circuit = opened(clock)
    clock.now += 30.0
    circuit.admit()
    circuit.succeeded()
    assert circuit.state is CircuitState.CLOSED
    assert circuit.admit()


def test_a_failed_probe_opens_it_for_another_cool_down() -> None:
    clock = Clock()
    circuit = opened(clock)
    clock.now += 30.0
    circuit.admit()
    circuit.failed()
    assert circuit.state is CircuitState.OPEN
    clock.now += 29.0
    assert not circuit.admit()


def test_a_probe_that_never_reports_is_written_off_after_a_cool_down() -> None:
    clock = Clock()
    circuit = opened(clock)
    clock.now += 30.0
    circuit.admit()  # its caller is cancelled and never reports
    clock.now += 30.0
    assert circuit.admit()
