"""Properties of the change set -> PATCH operations translation: minimal, one per field given."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import TypeVar
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from calendar_gateway.services.appointments import TimeRules, to_vendor_patch
from calendar_gateway.upstreams.appointment_model import (
    AppointmentPatch,
    MonthRecurrenceType,
    RecurrenceFields,
    RecurrenceType,
    TerminationType,
    UserStatus,
)
from calendar_gateway.upstreams.appointments_wire import parse_appointment, to_patch_operations
from calendar_gateway.upstreams.weekday import Weekday
from tests.unit.test_appointments_wire import RECURRING

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
rules = st.builds(
    TimeRules,
    zone=st.none() | st.sampled_from([ZoneInfo("Europe/Amsterdam"), ZoneInfo("America/Sao_Paulo")]),
    default_zone=st.sampled_from([UTC, ZoneInfo("Asia/Kolkata")]),
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


@given(patches, rules, st.booleans(), st.booleans())
def test_time_rules_add_and_drop_no_field(
    patch: AppointmentPatch, rules: TimeRules, stored_start: bool, stored_end: bool
) -> None:
    stored = parse_appointment({**RECURRING, "allStartDay": stored_start, "allEndDay": stored_end})
    operations = to_patch_operations(to_vendor_patch(patch, rules, stored))
    assert Counter(op.path for op in operations) == expected_paths(patch)


@given(patches, rules)
def test_all_day_start_is_always_sent_at_midnight(
    patch: AppointmentPatch, rules: TimeRules
) -> None:
    operations = to_patch_operations(to_vendor_patch(patch, rules, stored=None))
    start = next((op.value for op in operations if op.path == "/starttime"), None)
    if patch.all_start_day and start is not None:
        assert str(start).endswith(" 00:00:00")
