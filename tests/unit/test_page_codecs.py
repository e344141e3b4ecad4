"""The new cached answers (pages, tenants, permissions) survive the JSON cache unchanged."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from calendar_gateway.caching import Codec
from calendar_gateway.services.appointments import PAGE
from calendar_gateway.services.bookings import RANGE_PAGE, WORK_PAGE
from calendar_gateway.services.calendars import PERMISSIONS, TENANTS
from calendar_gateway.upstreams.appointment_model import AppointmentPage
from calendar_gateway.upstreams.appointments_wire import parse_summary
from calendar_gateway.upstreams.bookings import Listing, Reply, parse_booking, parse_estimate
from calendar_gateway.upstreams.calendars import Permissions, Tenant

ROW = {
    "calDiaryInternal": 137463, "calResourceId": "405", "calResourceName": "Mr.Later",
    "calTimeSummaryInternal": 1012213, "calIsoDateTimeStart": "2017-11-07T09:00:00",
    "calIsoDateTimeEnd": "2017-11-09T11:00:00", "calNumberOfDays": "3", "calHoursPerDay": "2",
    "calNotes": "n", "calRecordVersionNumber": 4, "calendarunallocatedunique": "x",
    "calendarunallocatedestimated": 2,
}  # fmt: skip


def round_trip(codec: Codec[Any], value: object) -> object:
    return codec.decode(codec.encode(value))


def test_a_page_of_bookings_with_its_days() -> None:
    value = Reply(Listing((parse_booking(ROW),), 7, True), ("warned",))
    assert round_trip(RANGE_PAGE, value) == value
    assert value.value.items[0].days[2].date == date(2017, 11, 9)


def test_a_page_of_estimates() -> None:
    value = Reply(Listing((parse_estimate(ROW),), None, False))
    assert round_trip(WORK_PAGE, value) == value


def test_a_page_of_appointments_with_owner() -> None:
    summary = parse_summary({
        "oid": "1", "subject": "s", "starttime": "2017-03-24 13:43:00",
        "endtime": "2017-03-24 16:00:00", "isRecurrence": True, "commonName": "c",
        "isAppointmentOf": {"oid": "9", "commonName": "Haas Henk", "objectType": "Person"},
    })  # fmt: skip
    value = AppointmentPage((summary,), True)
    assert round_trip(PAGE, value) == value
    assert summary.start == datetime(2017, 3, 24, 13, 43, tzinfo=UTC)


def test_tenants_and_permissions() -> None:
    assert round_trip(TENANTS, [Tenant("1", "Environment")]) == [Tenant("1", "Environment")]
    permissions = Permissions(can_view=True, can_create=False, can_modify=True, can_delete=False)
    assert round_trip(PERMISSIONS, permissions) == permissions
