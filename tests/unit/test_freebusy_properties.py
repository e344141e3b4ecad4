"""Free, busy and conflicts against a brute-force oracle, quarter-hour by quarter-hour.

Every generated boundary lies on a quarter hour, and so does every local midnight of the
zones used, so deciding each quarter hour on its own decides the whole period.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cached_property
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_gateway.services.freebusy import (
    Commitment,
    Conflict,
    ConflictKind,
    Source,
    busy_times,
    conflicts,
    free_times,
)
from calendar_gateway.services.worktime import TimeWindow

QUARTER = timedelta(minutes=15)
SLOTS = 3 * 24 * 4
"""Three days of quarter hours."""
ZONES: list[tzinfo] = [
    UTC,
    ZoneInfo("Europe/Amsterdam"),
    ZoneInfo("America/New_York"),
    ZoneInfo("America/Cayman"),
]
# Days before DST changes of Amsterdam and New York, and a day without one.
STARTS = [
    datetime(2025, 3, 29),
    datetime(2025, 10, 25),
    datetime(2025, 11, 1),
    datetime(2025, 6, 1),
]
OFF_TIME = {ConflictKind.OUTSIDE_WORKING_TIME, ConflictKind.ON_HOLIDAY}
PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=400)


@dataclass(frozen=True)
class Scenario:
    base: datetime
    zone: tzinfo
    period: tuple[int, int]
    working: list[tuple[int, int]]
    commitments: list[Commitment]
    holidays: dict[date, str]

    def at(self, slot: int) -> datetime:
        return self.base + slot * QUARTER

    def window(self, span: tuple[int, int]) -> TimeWindow:
        return TimeWindow(self.at(span[0]), self.at(span[1]))

    @property
    def period_window(self) -> TimeWindow:
        return self.window(self.period)

    @property
    def working_windows(self) -> list[TimeWindow]:
        return [self.window(w) for w in self.working]

    def slots(self) -> range:
        return range(*self.period)

    def covered(self, window: TimeWindow) -> range:
        """The quarter hours ``window`` covers."""
        return range((window.start - self.base) // QUARTER, (window.end - self.base) // QUARTER)

    def covers(self, window: TimeWindow, slot: int) -> bool:
        return slot in self.covered(window)

    def is_working(self, slot: int) -> bool:
        return slot in self._working_slots

    def taken(self, slot: int) -> list[Commitment]:
        return self._taken.get(slot, [])

    @cached_property
    def _working_slots(self) -> set[int]:
        return {s for w in self.working_windows for s in self.covered(w)}

    @cached_property
    def _taken(self) -> dict[int, list[Commitment]]:
        taken: dict[int, list[Commitment]] = {}
        for commitment in self.commitments:
            for slot in self.covered(commitment.window):
                taken.setdefault(slot, []).append(commitment)
        return taken

    def local_date(self, slot: int) -> date:
        return self.at(slot).astimezone(self.zone).date()


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    zone = draw(st.sampled_from(ZONES))
    base = draw(st.sampled_from(STARTS)).replace(tzinfo=UTC)
    first = draw(st.integers(0, SLOTS - 1))
    period = (first, draw(st.integers(first + 1, SLOTS)))
    # Distinct sorted points, paired: windows in order, neither touching nor overlapping,
    # and within the period, as the engine gives them.
    points = sorted(draw(st.sets(st.integers(*period), max_size=10)))
    working = list(zip(points[0::2], points[1::2], strict=False))
    scenario = Scenario(base, zone, period, working, [], {})
    commitments = [
        Commitment(source, f"{source.name[0]}{index}", scenario.window(span))
        for index, (source, span) in enumerate(draw(st.lists(commitment_spans(), max_size=8)))
    ]
    local_dates = sorted({scenario.local_date(s) for s in range(-8, SLOTS + 8)})
    holiday_dates = draw(st.sets(st.sampled_from(local_dates), max_size=2))
    holidays = {day: f"Holiday {day}" for day in holiday_dates}
    return Scenario(base, zone, period, working, commitments, holidays)


@st.composite
def commitment_spans(draw: st.DrawFn) -> tuple[Source, tuple[int, int]]:
    start = draw(st.integers(-8, SLOTS + 4))
    return draw(st.sampled_from(Source)), (start, start + draw(st.integers(1, 4 * 30)))


def found_conflicts(scenario: Scenario) -> list[Conflict]:
    return conflicts(
        scenario.commitments,
        scenario.working_windows,
        scenario.holidays,
        scenario.zone,
        scenario.period_window,
    )


def slots_of(scenario: Scenario, windows: list[TimeWindow]) -> Counter[int]:
    """How many of ``windows`` cover each quarter hour."""
    return Counter(s for w in windows for s in scenario.covered(w))


@PROPERTY
@given(scenarios())
def test_busy_is_exactly_the_time_taken_and_free_the_working_time_left(scenario: Scenario) -> None:
    busy = busy_times(scenario.commitments, scenario.period_window)
    free = free_times(scenario.working_windows, busy)
    busy_slots = slots_of(scenario, [b.window for b in busy])
    free_slots = slots_of(scenario, free)
    for slot in scenario.slots():
        taken = bool(scenario.taken(slot))
        assert busy_slots[slot] == (1 if taken else 0)
        assert free_slots[slot] == (1 if scenario.is_working(slot) and not taken else 0)
    assert set(busy_slots) | set(free_slots) <= set(scenario.slots())


@PROPERTY
@given(scenarios())
def test_busy_intervals_are_apart_in_order_and_name_what_they_hold(scenario: Scenario) -> None:
    busy = busy_times(scenario.commitments, scenario.period_window)
    for earlier, later in itertools.pairwise(busy):
        assert earlier.window.end < later.window.start
    for interval in busy:
        held = {
            c
            for s in scenario.slots()
            if scenario.covers(interval.window, s)
            for c in scenario.taken(s)
        }
        assert interval.booking_ids == tuple(
            sorted(c.item_id for c in held if c.source is Source.BOOKING)
        )
        assert interval.appointment_ids == tuple(
            sorted(c.item_id for c in held if c.source is Source.APPOINTMENT)
        )


@PROPERTY
@given(scenarios())
def test_overlap_conflicts_are_exactly_where_bookings_meet_appointments(scenario: Scenario) -> None:
    overlaps = [
        c for c in found_conflicts(scenario) if c.kind is ConflictKind.BOOKING_OVERLAPS_APPOINTMENT
    ]
    bookings = [c for c in scenario.commitments if c.source is Source.BOOKING]
    appointments = [c for c in scenario.commitments if c.source is Source.APPOINTMENT]
    for booking in bookings:
        for appointment in appointments:
            mine = [
                c.window
                for c in overlaps
                if (c.booking_id, c.appointment_id) == (booking.item_id, appointment.item_id)
            ]
            expected = {
                s
                for s in scenario.slots()
                if scenario.covers(booking.window, s) and scenario.covers(appointment.window, s)
            }
            assert slots_of(scenario, mine) == Counter(expected)


@PROPERTY
@given(scenarios())
def test_off_time_conflicts_are_exactly_the_time_taken_outside_working_time(
    scenario: Scenario,
) -> None:
    off_time = [c for c in found_conflicts(scenario) if c.kind in OFF_TIME]
    for commitment in scenario.commitments:
        mine = [c for c in off_time if commitment.item_id in (c.booking_id, c.appointment_id)]
        expected = {
            s
            for s in scenario.slots()
            if scenario.covers(commitment.window, s) and not scenario.is_working(s)
        }
        assert slots_of(scenario, [c.window for c in mine]) == Counter(expected)
        for conflict in mine:
            for slot in expected:
                if scenario.covers(conflict.window, slot):
                    assert conflict.holiday == scenario.holidays.get(scenario.local_date(slot))
                    assert (conflict.kind is ConflictKind.ON_HOLIDAY) == (
                        conflict.holiday is not None
                    )
