"""The checks on times and periods that clients ask about."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from calendar_gateway.services.errors import InvalidInputError
from calendar_gateway.services.periods import checked_instant, date_period, period

NEW_YORK = ZoneInfo("America/New_York")


def test_naive_time_is_wall_clock_time_in_the_zone() -> None:
    assert checked_instant(datetime(2025, 7, 1, 9), NEW_YORK, "at") == datetime(
        2025, 7, 1, 13, tzinfo=UTC
    )


def test_time_with_an_offset_keeps_its_instant() -> None:
    at = datetime(2025, 7, 1, 9, tzinfo=timezone(timedelta(hours=2)))
    assert checked_instant(at, NEW_YORK, "at") == datetime(2025, 7, 1, 7, tzinfo=UTC)


def test_repeated_wall_time_is_its_first_occurrence() -> None:
    # 01:30 happens twice on 2 November 2025 in New York: first in daylight time.
    assert checked_instant(datetime(2025, 11, 2, 1, 30), NEW_YORK, "at") == datetime(
        2025, 11, 2, 5, 30, tzinfo=UTC
    )


@pytest.mark.parametrize("year", [1, 1899, 3000, 9999])
def test_year_out_of_bounds_is_rejected_with_its_field(year: int) -> None:
    with pytest.raises(InvalidInputError) as raised:
        checked_instant(datetime(year, 6, 1), UTC, "after")
    assert raised.value.field == "after"


def test_period_may_be_empty() -> None:
    moment = datetime(2025, 7, 1, tzinfo=UTC)
    assert period(moment, moment, UTC, 1).start == moment


def test_period_ending_before_it_starts_is_rejected_on_to() -> None:
    with pytest.raises(InvalidInputError) as raised:
        period(datetime(2025, 7, 2), datetime(2025, 7, 1), UTC, 366)
    assert raised.value.field == "to"


def test_period_longer_than_allowed_is_rejected_on_to() -> None:
    with pytest.raises(InvalidInputError, match="at most 7 days") as raised:
        period(datetime(2025, 7, 1), datetime(2025, 7, 8, 0, 1), UTC, 7)
    assert raised.value.field == "to"


def test_date_period_counts_its_length_in_days() -> None:
    assert date_period(date(2025, 1, 1), date(2025, 1, 8), 7) == (
        date(2025, 1, 1),
        date(2025, 1, 8),
    )
    with pytest.raises(InvalidInputError):
        date_period(date(2025, 1, 1), date(2025, 1, 9), 7)
