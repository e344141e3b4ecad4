"""The Synergist client reads the vendor's envelope, both failure shapes and its type drift."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from calendar_gateway.upstreams.bookings import (
    Allocation,
    BookingDay,
    BookingsClient,
    NewBooking,
    Requisition,
    Resource,
    create_item,
)
from calendar_gateway.upstreams.errors import (
    NotFoundError,
    UnauthenticatedError,
    UpstreamUnavailableError,
    VendorError,
)
from calendar_gateway.upstreams.transport import Transport

Json = dict[str, Any]
PASSWORD = "s3cret-Pa55"

# The example response of Synergist's "Calendar Refresh" page (docs/vendors/synergist.md).
REFRESH_EXAMPLE: Json = {
    "calResourceId": "405",
    "calResourceName": "Mr.Later",
    "calTimeSummaryInternal": 1012213,
    "calClientCode": "3/ET",
    "calClientName": "Egon Test",
    "calJobNumber": "3/00001015",
    "calJobNumberSimple": "1015",
    "calJobDescription1stLine": "Here is the job description",
    "calJobHandlerName": "Adele.Graham",
    "calJobAndPhase": "3/00001015.001",
    "calJobPhaseNumberSimple": "1015.001",
    "calPhaseDescription1stLine": "Egon - Training 1",
    "calStageCode": "",
    "calTaskDescription": "",
    "calChargeCode": "3/R1",
    "calChargeCodeDescription": "Rail Engineer 1",
    "calDescription": "",
    "calNotes": "",
    "calStatus": "Normal",
    "calRequestStatus": "",
    "calStartDate": "2017-11-09",
    "calStartTime": "09:00:00",
    "calEndTime": "11:00:00",
    "calRequisitionId": 7562,
    "calRequisitionSubject": "job level reqisitiion",
    "calRequisitionDetails": "here is a desc",
    "calIsoDateTimeStart": "2017-11-07T09:00:00",
    "calIsoDateTimeEnd": "2017-11-09T11:00:00",
    "calAllDay": False,
    "calDiaryInternal": 137463,
    "calColourHex": "FFFFFF",
    "calFeedback": "TODO",
    "calWeakLink": 5305,
    "calendarunallocatedunique": "3/00001015.001###3/R1",
    "calendarunallocatedestimated": 2,
    "calendarunallocatedbooked": 6,
    "calendarunallocatedremaining": -4,
    "calendarunallocatedtimesheets": 14,
    "calendarunallocateddraft": 0,
    "calendarunallocatedinitials": "ML",
    "calNumberOfDays": "3",
    "calDurationDescription": "3 day, 2 hours per day",
    "calHoursPerDay": "2",
}

Handler = Callable[[httpx.Request], httpx.Response]


def envelope(data: list[Json], **extra: Any) -> Json:
    return {
        "responsecode": 1,
        "responsestatus": "OK",
        "errorcode": 0,
        "errormessage": "",
        "responsemessage": "data processed successfully.",
        "warningmessage": "",
        "success": True,
        "data": data,
        **extra,
    }


def failure(code: Any, message: str) -> Json:
    return {**envelope([]), "success": False, "errorcode": code, "errormessage": message}


def answering(body: Json) -> Handler:
    return lambda request: httpx.Response(200, json=body)


def answering_text(status: int, text: str) -> Handler:
    return lambda request: httpx.Response(status, text=text)


def xml_404(error_id: str, text: str) -> Handler:
    return answering_text(404, f'<Error ErrorID="{error_id}"><ErrorText>{text}</ErrorText></Error>')


def mock_transport(handler: Handler) -> Transport:
    return Transport(
        "bookings",
        "http://synergist.test",
        timeout=5,
        max_concurrency=4,
        transport=httpx.MockTransport(handler),
    )


def client_for(handler: Handler, page_size: int = 100) -> BookingsClient:
    return BookingsClient(mock_transport(handler), "user", PASSWORD, page_size=page_size)


def form_of(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


async def test_refresh_reads_the_vendor_page_example() -> None:
    booking = (await client_for(answering(envelope([REFRESH_EXAMPLE]))).refresh("137463")).value
    assert booking.id == "137463"
    assert booking.time_summary_id == "1012213"
    assert booking.resource == Resource("405", "Mr.Later")
    assert (booking.client.code, booking.client.name) == ("3/ET", "Egon Test")
    assert booking.job.phase.number == "3/00001015.001"
    assert booking.start == datetime(2017, 11, 7, 9, 0)
    assert booking.end == datetime(2017, 11, 9, 11, 0)
    assert (booking.number_of_days, booking.hours_per_day) == (3, 2.0)
    assert booking.requisition == Requisition("7562", "job level reqisitiion", "here is a desc")
    assert booking.allocation == Allocation(2.0, 6.0, -4.0, 14.0, 0.0, "ML")
    assert booking.colour == "#FFFFFF"
    assert booking.raw == REFRESH_EXAMPLE


async def test_refresh_tolerates_the_types_drifting_the_other_way() -> None:
    drifted = {
        **REFRESH_EXAMPLE,
        "calDiaryInternal": "137463",
        "calResourceId": 405,
        "calTimeSummaryInternal": "1012213",
        "calNumberOfDays": 3,
        "calHoursPerDay": 2.5,
        "calAllDay": "true",
        "calendarunallocatedbooked": "6.5",
    }
    booking = (await client_for(answering(envelope([drifted]))).refresh("137463")).value
    assert (booking.id, booking.resource.id, booking.time_summary_id) == (
        "137463",
        "405",
        "1012213",
    )
    assert (booking.number_of_days, booking.hours_per_day, booking.all_day) == (3, 2.5, True)
    assert booking.allocation is not None
    assert booking.allocation.booked_hours == 6.5


async def test_every_call_is_a_form_post_with_credentials_in_the_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=envelope([REFRESH_EXAMPLE]))

    await client_for(handler).refresh("137463")
    request = seen[0]
    assert request.method == "POST"
    assert request.url.path == "/jsonapi/calendar.json"
    assert request.url.query == b""
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form_of(request) == {
        "user": "user",
        "password": PASSWORD,
        "version": "3.9",
        "action": "calendarrefresh",
        "diary": "137463",
    }


async def test_warningmessage_reaches_the_caller() -> None:
    body = envelope([REFRESH_EXAMPLE], warningmessage="Duration reduced from 500 to 30 hours")
    reply = await client_for(answering(body)).create([])
    assert reply.warnings == ("Duration reduced from 500 to 30 hours",)


@pytest.mark.parametrize("error_id", ["404001", "404002", "404003"])
async def test_credential_error_ids_are_unauthenticated(error_id: str) -> None:
    with pytest.raises(UnauthenticatedError):
        await client_for(xml_404(error_id, "Invalid credentials")).refresh("1")


async def test_unrecognised_request_is_a_vendor_error_with_its_error_id() -> None:
    with pytest.raises(VendorError) as caught:
        await client_for(xml_404("404004", "Request not recognised")).refresh("1")
    assert caught.value.upstream_code == "404004"


async def test_a_404_without_a_synergist_error_is_unavailable() -> None:
    handler = answering_text(404, "<html>Not Found</html>")
    with pytest.raises(UpstreamUnavailableError):
        await client_for(handler).refresh("1")


async def test_success_false_is_a_vendor_error_with_the_errorcode() -> None:
    with pytest.raises(VendorError) as caught:
        await client_for(answering(failure(2004, "No working days in the range"))).create([])
    assert caught.value.upstream_code == "2004"
    assert caught.value.message == "No working days in the range"


async def test_a_configured_unknown_id_code_names_what_was_not_found() -> None:
    with pytest.raises(NotFoundError) as caught:
        await client_for(answering(failure(2002, "Time summary 1 not found"))).create([])
    assert caught.value.entity == "time_summary"


async def test_an_errorcode_not_configured_stays_the_vendors_own() -> None:
    client = BookingsClient(
        mock_transport(answering(failure(2002, "Time summary 1 not found"))),
        "user",
        PASSWORD,
        not_found_codes={"77": "resource"},
    )
    with pytest.raises(VendorError) as caught:
        await client.create([])
    assert caught.value.upstream_code == "2002"


async def test_unknown_booking_errorcode_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        await client_for(answering(failure("2001", "Booking 1 not found"))).refresh("1")


async def test_refresh_without_data_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        await client_for(answering(envelope([]))).refresh("1")


async def test_an_answer_that_is_not_json_is_unavailable() -> None:
    handler = answering_text(200, "<html>login</html>")
    with pytest.raises(UpstreamUnavailableError):
        await client_for(handler).refresh("1")


async def test_a_booking_without_times_is_unavailable_not_a_crash() -> None:
    broken = {k: v for k, v in REFRESH_EXAMPLE.items() if k != "calIsoDateTimeStart"}
    with pytest.raises(UpstreamUnavailableError):
        await client_for(answering(envelope([broken]))).refresh("1")


async def test_vendor_messages_never_carry_the_password() -> None:
    echoed = failure(1002, f"bad login user/{PASSWORD}")
    with pytest.raises(VendorError) as caught:
        await client_for(answering(echoed)).refresh("1")
    assert PASSWORD not in str(caught.value)


async def test_display_fetches_every_page() -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        page = form_of(request)["page"]
        asked.append(page)
        row = {**REFRESH_EXAMPLE, "calDiaryInternal": 100 + int(page)}
        return httpx.Response(200, json=envelope([row], totalrows=3, totalpages=3))

    reply = await client_for(handler, page_size=1).display(
        "3", date(2017, 1, 1), date(2017, 12, 31)
    )
    assert sorted(asked) == ["0", "1", "2"]
    assert [b.id for b in reply.value] == ["100", "101", "102"]


def test_all_day_create_sends_dates_without_times() -> None:
    item = create_item(
        NewBooking("1014302", "198", datetime(2020, 5, 5), end=datetime(2020, 5, 6), all_day=True)
    )
    assert (item["calIsoDateTimeStart"], item["calIsoDateTimeEnd"]) == ("2020-05-05", "2020-05-06")


def test_create_sends_strings_as_the_vendor_examples_do() -> None:
    item = create_item(
        NewBooking(
            "1005543", "5", datetime(2017, 7, 10, 14, 30), number_of_days=10, duration_hours=-0.75
        )
    )
    assert item == {
        "calTimeSummaryInternal": "1005543",
        "calResourceId": "5",
        "calIsoDateTimeStart": "2017-07-10T14:30:00",
        "calNumberOfDays": "10",
        "calDurationDecimalHours": "-0.75",
    }


async def test_a_time_with_an_offset_reads_as_its_wall_clock_time() -> None:
    row = {
        **REFRESH_EXAMPLE,
        "calIsoDateTimeStart": "2017-11-07T09:00:00+01:00",
        "calIsoDateTimeEnd": " 2017-11-09T11:00:00Z ",
    }
    booking = (await client_for(answering(envelope([row]))).refresh("137463")).value
    assert (booking.start, booking.end) == (datetime(2017, 11, 7, 9), datetime(2017, 11, 9, 11))
    assert booking.start.tzinfo is None
    assert booking.end.tzinfo is None


async def test_each_day_of_a_booking_repeats_its_first_start_and_last_end() -> None:
    booking = (await client_for(answering(envelope([REFRESH_EXAMPLE]))).refresh("137463")).value
    assert [(d.date, d.start, d.end, d.hours) for d in booking.days] == [
        (date(2017, 11, n), datetime(2017, 11, n, 9), datetime(2017, 11, n, 11), 2.0)
        for n in (7, 8, 9)
    ]


async def test_a_working_week_booking_skips_the_weekend() -> None:
    row = {
        **REFRESH_EXAMPLE,
        "calIsoDateTimeStart": "2017-11-10T09:00:00",  # a Friday
        "calIsoDateTimeEnd": "2017-11-13T11:00:00",
        "calNumberOfDays": "2",
    }
    booking = (await client_for(answering(envelope([row]))).refresh("137463")).value
    assert [d.date for d in booking.days] == [date(2017, 11, 10), date(2017, 11, 13)]


@pytest.mark.parametrize(
    ("start", "end", "number_of_days", "dates"),
    [
        ("2017-11-07T09:00:00", "2017-11-07T11:30:00", "1", [date(2017, 11, 7)]),
        ("2017-11-07", "2017-11-07", "1", [date(2017, 11, 7)]),
        # Saturday: no working day among its dates, so every date is a slot.
        ("2017-11-11T09:00:00", "2017-11-11T11:00:00", "2", [date(2017, 11, 11)]),
        ("2017-11-11T09:00:00", "2017-11-11T11:00:00", "0", []),
        (
            "2017-11-11T09:00:00",
            "2017-11-12T11:00:00",
            "1",
            [date(2017, 11, 11), date(2017, 11, 12)],
        ),
    ],
)
async def test_a_short_booking_has_the_slots_its_dates_and_day_count_give(
    start: str, end: str, number_of_days: str, dates: list[date]
) -> None:
    row = {
        **REFRESH_EXAMPLE,
        "calIsoDateTimeStart": start,
        "calIsoDateTimeEnd": end,
        "calNumberOfDays": number_of_days,
    }
    booking = (await client_for(answering(envelope([row]))).refresh("137463")).value
    starts, ends = booking.start.time(), booking.end.time()
    assert booking.days == tuple(
        BookingDay(d, datetime.combine(d, starts), datetime.combine(d, ends), 2.0) for d in dates
    )


@pytest.mark.parametrize(("message", "warnings"), [("", ()), (None, ()), (0, ("0",))])
async def test_warningmessage_of_nothing_is_no_warning(message: Any, warnings: Any) -> None:
    body = envelope([REFRESH_EXAMPLE], warningmessage=message)
    assert (await client_for(answering(body)).refresh("137463")).warnings == warnings


@pytest.mark.parametrize("start", ["2017-11-07 09:00:00x", "", 1.5])
async def test_an_unreadable_start_is_unavailable_with_the_parsers_reason(start: Any) -> None:
    row = {**REFRESH_EXAMPLE, "calIsoDateTimeStart": start}
    with pytest.raises(UpstreamUnavailableError, match="unreadable Synergist answer: Invalid"):
        await client_for(answering(envelope([row]))).refresh("137463")
