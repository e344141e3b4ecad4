"""Properties of the change set -> PATCH operations translation: minimal, one per field given."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from typing import TypeVar

from hypothesis import given
from hypothesis import strategies as st

from calendar_gateway.services.appointments import AppointmentChange, Side, to_vendor_patch
from calendar_gateway.upstreams.appointment_model import (
    AppointmentPatch,
    MonthRecurrenceType,
    RecurrenceFields,
    RecurrenceType,
    TerminationType,
    UserStatus,
)
from calendar_gateway.upstreams.appointments_wire import to_patch_operations
from calendar_gateway.upstreams.weekday import Weekday

T = TypeVar("T")

# Written out here, not taken from the module under test.
SCALAR_PATHS = {
    "subject": "/subject",
    "comment": "/comment",
    "internal": "/internal",
    "user_status": "/userStatus",
    "all_start_day": "/allStartDay",
    "start": "/starttime",
    "all_end_day": "/allEndDay",
    "end": "/endtime",
}
RECURRENCE_PATHS = {
    "type": "/recurrenceType",
    "interval": "/recurrenceInterval",
    "termination_type": "/recurrenceTerminationType",
    "termination_date": "/recurrenceTerminationDate",
    "count": "/recurrenceCount",
    "first": "/firstRecurrenceDate",
    "last": "/lastRecurrenceDate",
    "month_type": "/monthRecurrenceType",
}
DAY_PATHS = ["/monday", "/tuesday", "/wednesday", "/thursday", "/friday", "/saturday", "/sunday"]

oids = st.from_regex(r"[1-9][0-9]{0,6}", fullmatch=True)
offsets = st.integers(min_value=-14 * 4, max_value=14 * 4).map(
    lambda quarters: timezone(timedelta(minutes=15 * quarters))
)
times = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2040, 12, 31),
    timezones=st.one_of(st.none(), offsets),
)


def maybe(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


recurrences = st.builds(
    RecurrenceFields,
    type=maybe(st.sampled_from(RecurrenceType)),
    interval=maybe(st.integers(1, 52)),
    termination_type=maybe(st.sampled_from(TerminationType)),
    termination_date=maybe(times),
    count=maybe(st.integers(0, 100)),
    first=maybe(times),
    last=maybe(times),
    weekdays=maybe(st.frozensets(st.sampled_from(Weekday))),
    month_type=maybe(st.sampled_from(MonthRecurrenceType)),
)
patches = st.builds(
    AppointmentPatch,
    subject=maybe(st.text(max_size=20)),
    comment=maybe(st.text(max_size=20)),
    internal=maybe(st.booleans()),
    user_status=maybe(st.sampled_from(UserStatus)),
    all_start_day=maybe(st.booleans()),
    start=maybe(times),
    all_end_day=maybe(st.booleans()),
    end=maybe(times),
    add_calendars=st.lists(oids, max_size=3).map(tuple),
    remove_calendars=st.lists(oids, max_size=3).map(tuple),
    add_participants=st.lists(oids, max_size=3).map(tuple),
    remove_participants=st.lists(oids, max_size=3).map(tuple),
    recurrence=recurrences,
)


def expected_paths(patch: AppointmentPatch) -> Counter[str]:
    """One path per field given, one per distinct related oid, seven for weekdays."""
    paths = Counter(path for name, path in SCALAR_PATHS.items() if getattr(patch, name) is not None)
    recurrence = patch.recurrence
    paths.update(p for name, p in RECURRENCE_PATHS.items() if getattr(recurrence, name) is not None)
    if recurrence.weekdays is not None:
        paths.update(DAY_PATHS)
    paths.update("/calendars" for _ in set(patch.add_calendars))
    paths.update(f"/calendars/{oid}" for oid in set(patch.remove_calendars))
    paths.update("/participants" for _ in set(patch.add_participants))
    paths.update(f"/participants/{oid}" for oid in set(patch.remove_participants))
    return paths


@given(patches)
def test_operations_are_one_per_field_given_and_none_for_the_rest(patch: AppointmentPatch) -> None:
    operations = to_patch_operations(patch)
    assert Counter(op.path for op in operations) == expected_paths(patch)


@given(patches)
def test_no_operation_is_sent_twice(patch: AppointmentPatch) -> None:
    operations = to_patch_operations(patch)
    assert len(set(operations)) == len(operations)


@given(patches)
def test_relations_are_added_and_removed_never_replaced(patch: AppointmentPatch) -> None:
    for operation in to_patch_operations(patch):
        relation = operation.path.startswith(("/calendars", "/participants"))
        assert (operation.op in ("add", "remove")) == relation


@given(patches)
def test_added_oids_travel_as_values_removed_ones_in_the_path(patch: AppointmentPatch) -> None:
    operations = to_patch_operations(patch)
    added = {op.value for op in operations if op.op == "add" and op.path == "/calendars"}
    removed = {op.path for op in operations if op.op == "remove" and "/calendars/" in op.path}
    assert added == set(patch.add_calendars)
    assert removed == {f"/calendars/{oid}" for oid in patch.remove_calendars}


sides = st.one_of(
    st.builds(Side),
    st.builds(Side, timed=st.datetimes(timezones=offsets, min_value=datetime(2000, 1, 1))),
    st.builds(Side, day=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))),
)
changes = st.builds(
    AppointmentChange,
    subject=maybe(st.text(max_size=20)),
    user_status=maybe(st.sampled_from(UserStatus)),
    start=sides,
    end=sides,
    add_calendars=st.lists(oids, max_size=3).map(tuple),
    remove_participants=st.lists(oids, max_size=3).map(tuple),
    recurrence=recurrences,
)


@given(changes)
def test_a_side_given_sends_its_time_and_its_flag_once_and_nothing_else(
    change: AppointmentChange,
) -> None:
    paths = Counter(op.path for op in to_patch_operations(to_vendor_patch(change)))
    for side, time_path, flag_path in (
        (change.start, "/starttime", "/allStartDay"),
        (change.end, "/endtime", "/allEndDay"),
    ):
        expected = 1 if side.given else 0
        assert (paths[time_path], paths[flag_path]) == (expected, expected)


@given(changes)
def test_all_day_sides_are_sent_as_their_own_date(change: AppointmentChange) -> None:
    operations = {op.path: op.value for op in to_patch_operations(to_vendor_patch(change))}
    if change.start.day is not None:
        assert operations["/starttime"] == f"{change.start.day} 00:00:00"
    if change.end.day is not None:
        assert operations["/endtime"] == f"{change.end.day} 23:59:59"
