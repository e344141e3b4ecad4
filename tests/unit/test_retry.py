"""The retry policy: backoff with jitter, Retry-After, and when to stop."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from calendar_gateway.upstreams.retry import RetryPolicy, parse_retry_after

POLICY = RetryPolicy(attempts=4, base_delay=0.1, max_delay=0.3, max_retry_after=5.0)


def full_jitter() -> float:
    return 1.0


@pytest.mark.parametrize(("retry", "delay"), [(1, 0.1), (2, 0.2), (3, 0.3)])
def test_backoff_doubles_up_to_the_cap(retry: int, delay: float) -> None:
    assert POLICY.delay(retry, None, jitter=full_jitter) == pytest.approx(delay)


def test_jitter_scales_the_backoff_down() -> None:
    assert POLICY.delay(2, None, jitter=lambda: 0.25) == pytest.approx(0.05)


def test_no_retry_once_the_attempts_are_used_up() -> None:
    assert POLICY.delay(4, None, jitter=full_jitter) is None


def test_retry_after_replaces_the_backoff() -> None:
    assert POLICY.delay(1, 2.0, jitter=full_jitter) == 2.0


def test_a_retry_after_beyond_the_bound_ends_the_retries() -> None:
    assert POLICY.delay(1, 60.0, jitter=full_jitter) is None


def test_a_single_attempt_policy_never_retries() -> None:
    assert RetryPolicy(attempts=1).delay(1, None) is None


def test_retry_after_in_seconds() -> None:
    assert parse_retry_after("3") == 3.0


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:07 GMT", now) == 7.0


def test_retry_after_in_the_past_means_now() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "-1"])
def test_unreadable_retry_after_is_ignored(value: str | None) -> None:
    assert parse_retry_after(value) is None
