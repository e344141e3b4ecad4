"""Appointment times reach Xelion as docs/vendors/xelion.md (Time) says.

All-day sides as local dates, others in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from calendar_gateway.services.appointments import TimeRules, to_vendor_patch
from calendar_gateway.upstreams.appointment_model import AppointmentPatch, RecurrenceFields
from calendar_gateway.upstreams.appointments_wire import (
    format_time,
    parse_appointment,
    to_patch_operations,
)
from tests.unit.test_appointments_wire import RECURRING

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NO_ZONE = TimeRules(zone=None, default_zone=UTC)


def sent(value: datetime) -> str:
    return format_time(value)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# -- the update page's examples --------------------------------------------------------------


def test_all_day_start_in_utc_plus_2_sends_local_date_not_utc_instant() -> None:
    start = NO_ZONE.start(at("2018-12-27T00:00:00+02:00"), all_day=True)
    assert sent(start) == "2018-12-27 00:00:00"  # not 2018-12-26 22:00:00


def test_all_day_end_in_utc_minus_2_sends_local_date_not_utc_instant() -> None:
    end = NO_ZONE.end(at("2018-12-27T23:59:59-02:00"), all_day=True)
    assert sent(end) == "2018-12-27 23:59:59"  # not 2018-12-28 01:59:59


def test_all_day_side_is_read_in_the_inputs_time_zone_when_given() -> None:
    rules = TimeRules(zone=ZoneInfo("Etc/GMT-2"), default_zone=UTC)  # POSIX sign: UTC+2
    assert sent(rules.start(at("2018-12-26T22:00:00+00:00"), all_day=True)) == (
        "2018-12-27 00:00:00"
    )


def test_timed_side_in_utc_plus_2_is_sent_in_utc() -> None:
    assert sent(NO_ZONE.start(at("2018-12-27T10:00:00+02:00"), all_day=False)) == (
        "2018-12-27 08:00:00"
    )


# -- a DST-change day (Europe/Amsterdam went from +01:00 to +02:00 on 2019-03-31) -----------


def test_all_day_start_on_dst_day_keeps_the_local_date() -> None:
    rules = TimeRules(zone=AMSTERDAM, default_zone=UTC)
    assert sent(rules.start(at("2019-03-30T23:00:00+00:00"), all_day=True)) == (
        "2019-03-31 00:00:00"
    )


def test_all_day_end_on_dst_day_keeps_the_local_date() -> None:
    rules = TimeRules(zone=AMSTERDAM, default_zone=UTC)
    assert sent(rules.end(at("2019-03-31T21:59:59+00:00"), all_day=True)) == ("2019-03-31 23:59:59")


def test_naive_all_day_start_on_dst_day_is_its_own_date() -> None:
    rules = TimeRules(zone=AMSTERDAM, default_zone=UTC)
    assert sent(rules.start(at("2019-03-31T00:00:00"), all_day=True)) == "2019-03-31 00:00:00"


def test_naive_times_either_side_of_the_dst_change_take_their_own_offset() -> None:
    rules = TimeRules(zone=AMSTERDAM, default_zone=UTC)
    assert sent(rules.start(at("2019-03-31T01:30:00"), all_day=False)) == "2019-03-31 00:30:00"
    assert sent(rules.start(at("2019-03-31T03:30:00"), all_day=False)) == "2019-03-31 01:30:00"


def test_naive_time_without_time_zone_is_read_in_the_default_zone() -> None:
    rules = TimeRules(zone=None, default_zone=AMSTERDAM)
    assert sent(rules.start(at("2019-07-01T10:00:00"), all_day=False)) == "2019-07-01 08:00:00"


def test_recurrence_dates_are_sent_in_utc() -> None:
    rules = TimeRules(zone=AMSTERDAM, default_zone=UTC)
    patch = to_vendor_patch(
        AppointmentPatch(recurrence=RecurrenceFields(first=at("2019-04-01T00:00"))),
        rules,
        stored=None,
    )
    assert [op.value for op in to_patch_operations(patch)] == ["2019-03-31 22:00:00"]


# -- which side is all-day -------------------------------------------------------------------


def test_time_left_without_flag_follows_the_stored_all_day_flag() -> None:
    stored = parse_appointment({**RECURRING, "allStartDay": True})
    patch = to_vendor_patch(
        AppointmentPatch(start=at("2018-12-27T00:00:00+02:00")), NO_ZONE, stored
    )
    assert [(op.path, op.value) for op in to_patch_operations(patch)] == [
        ("/starttime", "2018-12-27 00:00:00")
    ]


def test_flag_given_false_overrides_the_stored_all_day_flag() -> None:
    stored = parse_appointment({**RECURRING, "allStartDay": True})
    patch = to_vendor_patch(
        AppointmentPatch(all_start_day=False, start=at("2018-12-27T00:00:00+02:00")),
        NO_ZONE,
        stored,
    )
    assert [(op.path, op.value) for op in to_patch_operations(patch)] == [
        ("/allStartDay", False),
        ("/starttime", "2018-12-26 22:00:00"),
    ]


def test_timed_value_parsed_back_is_the_same_instant() -> None:
    value = NO_ZONE.start(at("2018-12-27T10:00:00+02:00"), all_day=False)
    parsed = parse_appointment({**RECURRING, "starttime": sent(value)}).start
    assert parsed == datetime(2018, 12, 27, 8, tzinfo=UTC)
