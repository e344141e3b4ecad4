"""When to try an idempotent upstream read again, and after how long."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# 500 is here too: for a read, another try costs little and often meets a healthy worker.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded by a budget of time per call.

    ``attempts`` counts the first try: 3 means up to two retries. The n-th retry waits a
    random time up to ``base_delay * 2**(n-1)``, capped at ``max_delay``; an upstream's
    ``Retry-After`` replaces that wait when it is at most ``max_retry_after``, and a longer
    one ends the retries (the caller gets the 429 or 503 and its ``Retry-After``).

    >>> RetryPolicy(attempts=3, base_delay=0.1, max_delay=2.0, max_retry_after=5.0)
    """

    attempts: int = 3
    base_delay: float = 0.1
    max_delay: float = 2.0
    max_retry_after: float = 5.0

    def delay(
        self, retry: int, retry_after: float | None, jitter: Callable[[], float] = random.random
    ) -> float | None:
        """Seconds to wait before retry number ``retry`` (from 1), or None to stop."""
        if retry >= self.attempts:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        return jitter() * min(self.max_delay, self.base_delay * 2.0 ** (retry - 1))


NO_RETRIES = RetryPolicy(attempts=1)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from ``now``: delay-seconds or an HTTP-date (RFC 9110)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
