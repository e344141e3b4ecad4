"""Appointment times reach Xelion as docs/vendors/xelion.md (Time) says: all-day sides as dates,
timed ones in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from calendar_gateway.services.appointments import (
    AppointmentChange,
    NewAppointmentRequest,
    Side,
    to_vendor_appointment,
    to_vendor_patch,
)
from calendar_gateway.services.errors import FieldProblems, InvalidInputError
from calendar_gateway.upstreams.appointment_model import RecurrenceFields
from calendar_gateway.upstreams.appointments_wire import (
    format_time,
    parse_appointment,
    to_patch_operations,
)
from tests.unit.test_appointments_wire import RECURRING


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def sent(change: AppointmentChange) -> list[tuple[str, object]]:
    return [(op.path, op.value) for op in to_patch_operations(to_vendor_patch(change))]


# -- the update page's examples --------------------------------------------------------------


def test_all_day_start_sends_the_date_at_midnight_not_a_utc_instant() -> None:
    change = AppointmentChange(start=Side(day=date(2018, 12, 27)))
    assert sent(change) == [("/allStartDay", True), ("/starttime", "2018-12-27 00:00:00")]


def test_all_day_end_sends_the_date_at_its_last_second() -> None:
    change = AppointmentChange(end=Side(day=date(2018, 12, 27)))
    assert sent(change) == [("/allEndDay", True), ("/endtime", "2018-12-27 23:59:59")]


def test_timed_side_in_utc_plus_2_is_sent_in_utc_and_clears_all_day() -> None:
    change = AppointmentChange(start=Side(timed=at("2018-12-27T10:00:00+02:00")))
    assert sent(change) == [("/allStartDay", False), ("/starttime", "2018-12-27 08:00:00")]


def test_timed_side_either_side_of_a_dst_change_keeps_its_instant() -> None:
    # Europe/Amsterdam went from +01:00 to +02:00 on 2019-03-31 at 02:00 local.
    before = AppointmentChange(start=Side(timed=at("2019-03-31T01:30:00+01:00")))
    after = AppointmentChange(start=Side(timed=at("2019-03-31T03:30:00+02:00")))
    assert sent(before)[1] == ("/starttime", "2019-03-31 00:30:00")
    assert sent(after)[1] == ("/starttime", "2019-03-31 01:30:00")


def test_recurrence_dates_are_sent_in_utc() -> None:
    first = at("2019-04-01T00:00:00+02:00")
    change = AppointmentChange(recurrence=RecurrenceFields(first=first))
    assert [value for _, value in sent(change)] == ["2019-03-31 22:00:00"]


def test_a_new_all_day_appointment_carries_both_flags() -> None:
    new = NewAppointmentRequest(
        subject="Off", start=Side(day=date(2018, 12, 27)), end=Side(day=date(2018, 12, 28))
    )
    vendor = to_vendor_appointment(new)
    assert (format_time(vendor.start), format_time(vendor.end)) == (
        "2018-12-27 00:00:00",
        "2018-12-28 23:59:59",
    )
    assert (vendor.all_start_day, vendor.all_end_day) == (True, True)


def test_timed_value_parsed_back_is_the_same_instant() -> None:
    vendor = to_vendor_patch(AppointmentChange(start=Side(timed=at("2018-12-27T10:00:00+02:00"))))
    assert vendor.start is not None
    parsed = parse_appointment({**RECURRING, "starttime": format_time(vendor.start)}).start
    assert parsed == datetime(2018, 12, 27, 8, tzinfo=UTC)


# -- a side is given once --------------------------------------------------------------------


def problems_of(side: Side, required: bool) -> list[tuple[str, str]]:
    problems = FieldProblems()
    side.check(problems, "start", required=required)
    with pytest.raises(InvalidInputError) as refused:
        problems.raise_any()
    return [(p.field, p.code) for p in refused.value.problems]


def test_a_side_given_both_ways_is_a_conflict_on_the_date_field() -> None:
    both = Side(timed=at("2018-12-27T10:00:00+02:00"), day=date(2018, 12, 27))
    assert problems_of(both, required=False) == [("startDate", "CONFLICT")]


def test_a_required_side_given_neither_way_is_required() -> None:
    assert problems_of(Side(), required=True) == [("start", "REQUIRED")]


def test_a_timed_side_without_offset_is_refused() -> None:
    assert problems_of(Side(timed=at("2018-12-27T10:00:00")), required=False) == [
        ("start", "INVALID")
    ]
