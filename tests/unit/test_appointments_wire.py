"""The Xelion client reads the vendor's appointment objects and writes its PATCH operations."""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calendar_gateway.upstreams.appointment_model import (
    AppointmentPatch,
    MonthRecurrenceType,
    NewAppointment,
    Participant,
    RecurrenceFields,
    RecurrenceType,
    TerminationType,
    UserStatus,
)
from calendar_gateway.upstreams.appointments_wire import (
    PatchOperation,
    parse_appointment,
    parse_summary,
    to_create_payload,
    to_patch_operations,
)
from calendar_gateway.upstreams.errors import BadRequestError
from calendar_gateway.upstreams.weekday import Weekday

Json = dict[str, Any]

# The appointment get page's "response when appointment has a recurrence", as printed.
RECURRING: Json = {
    "calendars": [],
    "subject": "SLapen",
    "starttime": "2017-03-13 10:10:00",
    "endtime": "2017-03-13 10:20:00",
    "allStartDay": False,
    "allEndDay": False,
    "internal": True,
    "userStatus": "at_appointment",
    "participants": [{"commonName": "Haas Henk", "oid": "1626686", "objectType": "Person"}],
    "recurrenceTerminationType": "recurrenceCount",
    "recurrenceTerminationDate": "",
    "firstRecurrenceDate": "2017-03-19 23:00:00",
    "lastRecurrenceDate": "2017-04-23 22:00:00",
    "recurrenceCount": 6,
    "recurrenceType": "weekly",
    "recurrenceInterval": 1,
    "isRecurrence": True,
    "monday": True,
    "tuesday": False,
    "wednesday": False,
    "thursday": False,
    "friday": False,
    "saturday": False,
    "sunday": False,
    "permissions": "ReadWriteRemove",
    "commonName": "Afspraak",
    "comment": {"content": "", "oid": "1758518", "objectType": "Comment"},
    "oid": "1758518",
    "objectType": "XCCAppointment",
}


def test_timed_appointment_parses_times_as_utc() -> None:
    appointment = parse_appointment(RECURRING)
    assert appointment.start == datetime(2017, 3, 13, 10, 10, tzinfo=UTC)
    assert appointment.end == datetime(2017, 3, 13, 10, 20, tzinfo=UTC)


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)))
def test_a_timed_side_is_its_wall_clock_time_in_utc_itself(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    text = moment.isoformat(sep=" ")
    appointment = parse_appointment({**RECURRING, "starttime": text, "firstRecurrenceDate": text})
    assert appointment.recurrence is not None
    for parsed in (appointment.start, appointment.recurrence.first):
        assert parsed == moment.replace(tzinfo=UTC)
        assert parsed.tzinfo is UTC
        assert (parsed.fold, parsed.microsecond) == (0, 0)


def test_all_day_side_parses_as_a_naive_local_date() -> None:
    appointment = parse_appointment(
        {**RECURRING, "allStartDay": True, "starttime": "2018-12-27 00:00:00"}
    )
    assert appointment.start == datetime(2018, 12, 27)
    assert appointment.start.tzinfo is None
    assert appointment.end.tzinfo is UTC


def test_appointment_parses_participants_status_and_permissions() -> None:
    appointment = parse_appointment(RECURRING)
    assert appointment.participants == (Participant("1626686", "Haas Henk", "Person"),)
    assert appointment.user_status is UserStatus.AT_APPOINTMENT
    assert (appointment.permissions.read, appointment.permissions.write) == (True, True)
    assert appointment.permissions.remove is True


def test_read_only_permissions_parse_from_the_one_word() -> None:
    permissions = parse_appointment({**RECURRING, "permissions": "Read"}).permissions
    assert (permissions.read, permissions.write, permissions.remove) == (True, False, False)


def test_recurrence_parses_from_the_flat_fields() -> None:
    recurrence = parse_appointment(RECURRING).recurrence
    assert recurrence is not None
    assert recurrence.type is RecurrenceType.WEEKLY
    assert recurrence.termination_type is TerminationType.COUNT
    assert recurrence.termination_date is None
    assert recurrence.count == 6
    assert recurrence.first == datetime(2017, 3, 19, 23, tzinfo=UTC)
    assert recurrence.weekdays == frozenset({Weekday.MONDAY})
    assert recurrence.month_type is None


def test_appointment_that_does_not_recur_has_no_recurrence() -> None:
    assert parse_appointment({**RECURRING, "isRecurrence": False}).recurrence is None


def test_unknown_vendor_status_parses_as_none_and_stays_in_raw() -> None:
    appointment = parse_appointment({**RECURRING, "userStatus": "on_holiday"})
    assert appointment.user_status is None
    assert appointment.raw["userStatus"] == "on_holiday"


def test_list_entry_parses_as_a_summary() -> None:
    entry = {key: RECURRING[key] for key in ("oid", "subject", "starttime", "endtime")}
    summary = parse_summary({**entry, "isRecurrence": True})
    assert (summary.oid, summary.subject, summary.is_recurrence) == ("1758518", "SLapen", True)


def test_an_appointment_has_every_field_its_list_entry_has() -> None:
    appointment, summary = parse_appointment(RECURRING), parse_summary(RECURRING)
    assert {name: getattr(appointment, name) for name in vars(summary)} == vars(summary)


def test_raw_is_the_vendor_object_as_received_and_a_dict() -> None:
    assert parse_appointment(RECURRING).raw == RECURRING
    assert type(parse_summary(MappingProxyType(RECURRING)).raw) is dict
    assert parse_summary(MappingProxyType(RECURRING)).raw == RECURRING


@pytest.mark.parametrize("status", [None, "", 3, ["available"], {"available": 1}, "AVAILABLE"])
def test_a_missing_or_odd_status_parses_as_none(status: Any) -> None:
    assert parse_appointment({**RECURRING, "userStatus": status}).user_status is None


@pytest.mark.parametrize("kind", [None, "fortnightly", ["weekly"], "WEEKLY", 2])
def test_an_odd_recurrence_type_is_no_recurrence(kind: Any) -> None:
    assert parse_appointment({**RECURRING, "recurrenceType": kind}).recurrence is None


def test_a_recurrence_type_without_is_recurrence_is_no_recurrence() -> None:
    appointment = parse_appointment({**RECURRING, "isRecurrence": None})
    assert appointment.recurrence is None


def test_patch_operations_of_the_update_page_example() -> None:
    patch = AppointmentPatch(
        add_calendars=("1658218",),
        user_status=UserStatus.LONG_OUT_OF_OFFICE,
        comment="Test Comment",
        remove_participants=("167843",),
    )
    assert {op.to_json()["path"]: op.to_json() for op in to_patch_operations(patch)} == {
        "/calendars": {"op": "add", "path": "/calendars", "value": "1658218"},
        "/userStatus": {"op": "replace", "path": "/userStatus", "value": "long_out_of_office"},
        "/comment": {"op": "replace", "path": "/comment", "value": "Test Comment"},
        "/participants/167843": {"op": "remove", "path": "/participants/167843"},
    }


def test_patch_operations_send_naive_times_as_they_are() -> None:
    patch = AppointmentPatch(all_start_day=True, start=datetime(2018, 12, 27))
    assert to_patch_operations(patch) == (
        PatchOperation("replace", "/allStartDay", True),
        PatchOperation("replace", "/starttime", "2018-12-27 00:00:00"),
    )


def test_patch_operations_send_aware_times_in_utc() -> None:
    patch = AppointmentPatch(end=datetime.fromisoformat("2018-12-27T12:00:00+02:00"))
    assert to_patch_operations(patch) == (
        PatchOperation("replace", "/endtime", "2018-12-27 10:00:00"),
    )


def test_patch_weekdays_replace_all_seven_day_flags() -> None:
    patch = AppointmentPatch(recurrence=RecurrenceFields(weekdays=frozenset({Weekday.FRIDAY})))
    operations = {op.path: op.value for op in to_patch_operations(patch)}
    assert operations == {
        "/monday": False,
        "/tuesday": False,
        "/wednesday": False,
        "/thursday": False,
        "/friday": True,
        "/saturday": False,
        "/sunday": False,
    }


def test_patch_sends_a_repeated_oid_once() -> None:
    patch = AppointmentPatch(add_participants=("1626711", "1626711"))
    assert to_patch_operations(patch) == (PatchOperation("add", "/participants", "1626711"),)


def test_patch_refuses_an_oid_that_could_leave_the_path() -> None:
    with pytest.raises(BadRequestError):
        to_patch_operations(AppointmentPatch(remove_calendars=("../me",)))


def test_create_payload_has_the_vendor_example_shape() -> None:
    new = NewAppointment(
        subject="Taart eten",
        start=datetime(2017, 2, 25, 11, 50, tzinfo=UTC),
        end=datetime(2017, 2, 25, 12, tzinfo=UTC),
        internal=True,
        user_status=UserStatus.UNAVAILABLE,
        comment="Taart halen bij de bakker",
        participants=("1626686",),
        calendars=("1658051",),
        recurrence=RecurrenceFields(
            type=RecurrenceType.MONTHLY, month_type=MonthRecurrenceType.DAY_OF_WEEK
        ),
    )
    assert to_create_payload(new) == {
        "objectType": "XCCAppointment",
        "subject": "Taart eten",
        "starttime": "2017-02-25 11:50:00",
        "endtime": "2017-02-25 12:00:00",
        "allStartDay": False,
        "allEndDay": False,
        "internal": True,
        "userStatus": "unavailable",
        "comment": {"objectType": "Comment", "content": "Taart halen bij de bakker"},
        "participants": [{"person": {"oid": "1626686", "objectType": "Person"}}],
        "calendars": [{"oid": "1658051", "objectType": "XCCCalendar"}],
        "recurrenceType": "monthly",
        "monthRecurrenceType": "dayOfWeek",
    }
