"""The Synergist simulator answers as docs/vendors/synergist.md describes."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from calendar_gateway.simulators.bookings.app import BookingsSimulatorConfig, create_app
from tests.servers import serve

Json = dict[str, Any]
CREDENTIALS = {"user": "user", "password": "user", "version": "3.9"}
# 2020-05-05 is a Tuesday; the simulator works Monday to Friday, 09:00 to 17:30.
TUESDAY = "2020-05-05"


@pytest.fixture(scope="module")
async def bookings_url() -> AsyncIterator[str]:
    """One simulator for the module, mounted where Synergist serves it."""
    async with serve(Starlette(routes=[Mount("/jsonapi", app=create_app())])) as url:
        yield f"{url}/jsonapi/"


@pytest.fixture
async def synergist(bookings_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=bookings_url) as client:
        (await client.post("_admin/reset")).raise_for_status()
        yield client


@contextlib.asynccontextmanager
async def simulator(config: BookingsSimulatorConfig) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=[Mount("/jsonapi", app=create_app(config))])
    async with serve(app) as url, httpx.AsyncClient(base_url=f"{url}/jsonapi/") as client:
        yield client


async def call(client: httpx.AsyncClient, action: str, **params: str) -> httpx.Response:
    return await client.post("calendar.json", data={**CREDENTIALS, "action": action, **params})


async def succeed(client: httpx.AsyncClient, action: str, **params: str) -> Json:
    response = await call(client, action, **params)
    assert response.status_code == 200
    body: Json = response.json()
    assert body["success"] is True, body
    return body


async def fail(client: httpx.AsyncClient, action: str, **params: str) -> Json:
    response = await call(client, action, **params)
    assert response.status_code == 200
    body: Json = response.json()
    assert body["success"] is False
    assert body["errorcode"] != 0
    assert body["errormessage"]
    return body


def input_of(*items: Json) -> str:
    return json.dumps({"data": list(items)})


async def create(client: httpx.AsyncClient, **fields: str) -> Json:
    item = {"calTimeSummaryInternal": "1014302", "calResourceId": "198", **fields}
    return await succeed(client, "create", input=input_of(item))


async def refresh(client: httpx.AsyncClient, diary: str | int) -> Json:
    body = await succeed(client, "calendarrefresh", diary=str(diary))
    record: Json = body["data"][0]
    return record


def spans(body: Json) -> list[tuple[str, str]]:
    return [(b["calIsoDateTimeStart"], b["calIsoDateTimeEnd"]) for b in body["data"]]


def xml_error_id(response: httpx.Response) -> str:
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/xml")
    assert response.text.startswith("<Error ErrorID=")
    assert "<ErrorText>" in response.text
    return response.text.split('"')[1]


# calendarrefresh


async def test_refresh_returns_the_egon_test_booking_of_the_vendor_page(
    synergist: httpx.AsyncClient,
) -> None:
    booking = await refresh(synergist, 137463)
    assert booking["calResourceName"] == "Mr.Later"
    assert booking["calClientName"] == "Egon Test"
    assert booking["calIsoDateTimeStart"] == "2017-11-07T09:00:00"
    assert booking["calIsoDateTimeEnd"] == "2017-11-09T11:00:00"
    assert booking["calDurationDescription"] == "3 day, 2 hours per day"
    assert booking["calendarunallocatedremaining"] == -4


async def test_refresh_keeps_the_vendor_type_drift(synergist: httpx.AsyncClient) -> None:
    booking = await refresh(synergist, "137463")
    assert booking["calDiaryInternal"] == 137463
    assert booking["calTimeSummaryInternal"] == 1012213
    assert booking["calResourceId"] == "405"
    assert booking["calNumberOfDays"] == "3"
    assert booking["calHoursPerDay"] == "2"


async def test_refresh_accepts_a_uuid(synergist: httpx.AsyncClient) -> None:
    booking = await refresh(synergist, "A3492EF45155B8438C2D13AA6F6030D2")
    assert booking["calDiaryInternal"] == 56570
    assert booking["calendarunallocatedbooked"] == 3.25
    assert booking["calendarunallocatedinitials"] == "F0,FC"


async def test_get_takes_the_parameters_in_the_query_string(
    synergist: httpx.AsyncClient,
) -> None:
    params = {**CREDENTIALS, "action": "calendarrefresh", "diary": "137463"}
    response = await synergist.get("calendar.json", params=params)
    assert response.json()["data"][0]["calDiaryInternal"] == 137463


async def test_unknown_booking_fails_with_an_errorcode(synergist: httpx.AsyncClient) -> None:
    await fail(synergist, "calendarrefresh", diary="999999")


async def test_missing_version_fails_with_an_errorcode(synergist: httpx.AsyncClient) -> None:
    response = await synergist.post(
        "calendar.json", data={"user": "user", "password": "user", "action": "calendarrefresh"}
    )
    assert response.json()["success"] is False


# credentials and unknown actions: HTTP 404 with an XML body


async def test_missing_credentials_give_error_404001(synergist: httpx.AsyncClient) -> None:
    response = await synergist.post("calendar.json", data={"action": "calendarrefresh"})
    assert xml_error_id(response) == "404001"


async def test_wrong_password_gives_error_404002(synergist: httpx.AsyncClient) -> None:
    response = await synergist.post(
        "calendar.json", data={**CREDENTIALS, "password": "nope", "action": "calendarrefresh"}
    )
    assert xml_error_id(response) == "404002"


async def test_disabled_account_gives_error_404003(synergist: httpx.AsyncClient) -> None:
    response = await synergist.post(
        "calendar.json",
        data={**CREDENTIALS, "user": "disabled", "password": "disabled", "action": "create"},
    )
    assert xml_error_id(response) == "404003"


async def test_unknown_action_gives_error_404004(synergist: httpx.AsyncClient) -> None:
    assert xml_error_id(await call(synergist, "calendarexplode")) == "404004"


async def test_sha512_password_is_accepted(synergist: httpx.AsyncClient) -> None:
    digest = hashlib.sha512(b"user").hexdigest()
    response = await synergist.post(
        "calendar.json",
        data={"user": "user", "sha512password": digest, "version": "3.9", "action": "unallocated"},
    )
    assert response.json()["success"] is True


# create


async def test_create_example_of_the_vendor_page_books_a_minimum_length_slot(
    synergist: httpx.AsyncClient,
) -> None:
    body = await create(
        synergist,
        calTimeSummaryInternal="1005543",
        calIsoDateTimeStart="2017-07-10T14:30:00",
        calIsoDateTimeEnd="2017-07-10T14:30:00",
        calDurationDecimalHours="-0.75",
        calResourceId="34",
    )
    assert spans(body) == [("2017-07-10T14:30:00", "2017-07-10T14:45:00")]
    assert body["data"][0]["calDurationDescription"] == "0.25 hour"


async def test_create_on_one_day_books_from_the_start_time(
    synergist: httpx.AsyncClient,
) -> None:
    body = await create(
        synergist,
        calIsoDateTimeStart=f"{TUESDAY}T10:00:00",
        calIsoDateTimeEnd=f"{TUESDAY}T10:00:00",
        calDurationDecimalHours="3",
    )
    assert spans(body) == [(f"{TUESDAY}T10:00:00", f"{TUESDAY}T13:00:00")]
    assert body["warningmessage"] == ""


async def test_create_by_number_of_days_books_each_working_day_until_its_end(
    synergist: httpx.AsyncClient,
) -> None:
    body = await create(
        synergist,
        calIsoDateTimeStart="2020-05-07T16:30:00",
        calNumberOfDays="3",
        calDurationDecimalHours="3",
    )
    assert spans(body) == [
        ("2020-05-07T16:30:00", "2020-05-07T17:30:00"),
        ("2020-05-08T16:30:00", "2020-05-08T17:30:00"),
        ("2020-05-11T16:30:00", "2020-05-11T17:30:00"),  # the weekend is skipped
    ]


async def test_create_fills_days_in_order_until_the_duration_is_used(
    synergist: httpx.AsyncClient,
) -> None:
    body = await create(
        synergist,
        calIsoDateTimeStart=f"{TUESDAY}T15:30:00",
        calIsoDateTimeEnd="2020-05-08T15:30:00",
        calDurationDecimalHours="3",
    )
    assert spans(body) == [
        (f"{TUESDAY}T15:30:00", f"{TUESDAY}T17:30:00"),
        ("2020-05-06T15:30:00", "2020-05-06T16:30:00"),
    ]


async def test_create_reduces_an_overlong_duration_with_a_warning(
    synergist: httpx.AsyncClient,
) -> None:
    body = await create(
        synergist,
        calIsoDateTimeStart=f"{TUESDAY}T14:30:00",
        calNumberOfDays="10",
        calDurationDecimalHours="500",
    )
    assert len(body["data"]) == 10
    assert all(b["calHoursPerDay"] == "3" for b in body["data"])
    assert "500" in body["warningmessage"]
    assert "30" in body["warningmessage"]


async def test_create_reduces_even_the_largest_duration_a_float_holds(
    synergist: httpx.AsyncClient,
) -> None:
    # Found by schema fuzzing through the gateway: 1e308 hours overflowed into minutes.
    body = await create(
        synergist,
        calIsoDateTimeStart=f"{TUESDAY}T14:30:00",
        calNumberOfDays="2",
        calDurationDecimalHours="1e308",
    )
    assert all(b["calHoursPerDay"] == "3" for b in body["data"])
    assert "Duration reduced" in body["warningmessage"]


async def test_create_with_dates_only_books_all_day(synergist: httpx.AsyncClient) -> None:
    body = await create(synergist, calIsoDateTimeStart=TUESDAY, calIsoDateTimeEnd="2020-05-06")
    assert [b["calAllDay"] for b in body["data"]] == [True, True]
    assert body["data"][0]["calHoursPerDay"] == "8.5"


async def test_create_with_dates_only_and_a_shorter_duration_is_not_all_day(
    synergist: httpx.AsyncClient,
) -> None:
    body = await create(
        synergist, calIsoDateTimeStart=TUESDAY, calNumberOfDays="1", calDurationDecimalHours="2"
    )
    assert spans(body) == [(f"{TUESDAY}T09:00:00", f"{TUESDAY}T11:00:00")]
    assert body["data"][0]["calAllDay"] is False


async def test_create_without_duration_books_minimum_length_slots(
    synergist: httpx.AsyncClient,
) -> None:
    body = await create(synergist, calIsoDateTimeStart=f"{TUESDAY}T11:00:00", calNumberOfDays="2")
    assert spans(body) == [
        (f"{TUESDAY}T11:00:00", f"{TUESDAY}T11:15:00"),
        ("2020-05-06T11:00:00", "2020-05-06T11:15:00"),
    ]


async def test_minimum_booking_length_is_a_setting() -> None:
    async with simulator(BookingsSimulatorConfig(minimum_booking_minutes=60)) as client:
        body = await create(client, calIsoDateTimeStart=f"{TUESDAY}T11:00:00", calNumberOfDays="1")
    assert spans(body) == [(f"{TUESDAY}T11:00:00", f"{TUESDAY}T12:00:00")]


async def test_create_needs_an_end_or_a_number_of_days(synergist: httpx.AsyncClient) -> None:
    item = {
        "calTimeSummaryInternal": "1014302",
        "calResourceId": "198",
        "calIsoDateTimeStart": f"{TUESDAY}T10:00:00",
    }
    await fail(synergist, "create", input=input_of(item))


async def test_create_with_an_end_before_the_start_fails(synergist: httpx.AsyncClient) -> None:
    item = {
        "calTimeSummaryInternal": "1014302",
        "calResourceId": "198",
        "calIsoDateTimeStart": f"{TUESDAY}T10:00:00",
        "calIsoDateTimeEnd": "2020-05-01T10:00:00",
    }
    await fail(synergist, "create", input=input_of(item))


async def test_create_for_an_unknown_time_summary_fails(synergist: httpx.AsyncClient) -> None:
    item = {
        "calTimeSummaryInternal": "1",
        "calResourceId": "198",
        "calIsoDateTimeStart": f"{TUESDAY}T10:00:00",
        "calNumberOfDays": "1",
    }
    await fail(synergist, "create", input=input_of(item))


async def test_create_with_malformed_input_fails(synergist: httpx.AsyncClient) -> None:
    await fail(synergist, "create", input="{not json")


async def test_create_takes_numbers_where_the_vendor_shows_strings(
    synergist: httpx.AsyncClient,
) -> None:
    item = {
        "calTimeSummaryInternal": 1014302,
        "calResourceId": 198,
        "calIsoDateTimeStart": f"{TUESDAY}T10:00:00",
        "calNumberOfDays": 1,
        "calDurationDecimalHours": 1.5,
    }
    body = await succeed(synergist, "create", input=input_of(item))
    assert spans(body) == [(f"{TUESDAY}T10:00:00", f"{TUESDAY}T11:30:00")]


# the unallocated figures


async def test_create_adds_to_booked_and_takes_from_remaining(
    synergist: httpx.AsyncClient,
) -> None:
    body = await create(
        synergist,
        calIsoDateTimeStart=f"{TUESDAY}T09:00:00",
        calNumberOfDays="2",
        calDurationDecimalHours="10",
    )
    last = body["data"][-1]
    assert last["calendarunallocatedestimated"] == 200
    assert last["calendarunallocatedbooked"] == 10
    assert last["calendarunallocatedremaining"] == 190


async def test_update_by_id_moves_a_booking_and_recounts_booked_hours(
    synergist: httpx.AsyncClient,
) -> None:
    change = {
        "calDiaryInternal": "137463",
        "calIsoDateTimeStart": "2017-11-08T09:00:00",
        "calIsoDateTimeEnd": "2017-11-08T12:00:00",
    }
    body = await succeed(synergist, "update", input=input_of(change))
    booking = body["data"][0]
    assert (booking["calNumberOfDays"], booking["calHoursPerDay"]) == ("1", "3")
    assert booking["calendarunallocatedbooked"] == 3
    assert booking["calendarunallocatedremaining"] == -1


async def test_update_by_uuid_changes_the_resource(synergist: httpx.AsyncClient) -> None:
    change = {"calDiaryInternal": "A3492EF45155B8438C2D13AA6F6030D2", "calResourceId": "405"}
    await succeed(synergist, "update", input=input_of(change))
    assert (await refresh(synergist, 56570))["calResourceName"] == "Mr.Later"


async def test_update_to_all_day_spans_the_working_day(synergist: httpx.AsyncClient) -> None:
    change = {"calDiaryInternal": "56570", "calAllDay": True}
    booking = (await succeed(synergist, "update", input=input_of(change)))["data"][0]
    assert booking["calIsoDateTimeStart"] == "2017-07-10T09:00:00"
    assert booking["calIsoDateTimeEnd"] == "2017-07-10T17:30:00"


async def test_update_onto_a_weekend_warns(synergist: httpx.AsyncClient) -> None:
    change = {
        "calDiaryInternal": "56570",
        "calIsoDateTimeStart": "2017-07-08T10:00:00",
        "calIsoDateTimeEnd": "2017-07-08T11:00:00",
    }
    body = await succeed(synergist, "update", input=input_of(change))
    assert "not a working day" in body["warningmessage"]


async def test_update_of_an_unknown_booking_fails(synergist: httpx.AsyncClient) -> None:
    await fail(synergist, "update", input=input_of({"calDiaryInternal": "1", "calAllDay": True}))


async def test_delete_by_uuid_frees_the_booked_hours(synergist: httpx.AsyncClient) -> None:
    body = await succeed(
        synergist,
        "delete",
        input=input_of({"calDiaryInternal": "A3492EF45155B8438C2D13AA6F6030D2"}),
    )
    assert body["data"] == [
        {"calDiaryInternal": 56570, "calUuid": "A3492EF45155B8438C2D13AA6F6030D2"}
    ]
    assert (await refresh(synergist, 56569))["calendarunallocatedbooked"] == 3


async def test_deleted_booking_is_gone(synergist: httpx.AsyncClient) -> None:
    await succeed(synergist, "delete", input=input_of({"calDiaryInternal": 137463}))
    await fail(synergist, "calendarrefresh", diary="137463")


async def test_delete_of_an_unknown_booking_fails(synergist: httpx.AsyncClient) -> None:
    await fail(synergist, "delete", input=input_of({"calDiaryInternal": "424242"}))


# calendardisplay and unallocated


async def test_display_lists_the_bookings_of_a_company_in_a_range(
    synergist: httpx.AsyncClient,
) -> None:
    body = await succeed(
        synergist, "calendardisplay", company="1", datefrom="2017-07-01", dateto="2017-07-31"
    )
    assert [b["calDiaryInternal"] for b in body["data"]] == [56569, 56570]
    assert body["totalrows"] == 2


async def test_display_includes_bookings_that_overlap_the_range(
    synergist: httpx.AsyncClient,
) -> None:
    body = await succeed(
        synergist, "calendardisplay", company="3", datefrom="2017-11-08", dateto="2017-11-08"
    )
    assert [b["calDiaryInternal"] for b in body["data"]] == [137463]


async def test_display_pages_with_page_and_rows(synergist: httpx.AsyncClient) -> None:
    await create(synergist, calIsoDateTimeStart=TUESDAY, calNumberOfDays="5")
    body = await succeed(
        synergist,
        "calendardisplay",
        company="1",
        datefrom="2020-05-01",
        dateto="2020-05-31",
        page="1",
        rows="2",
    )
    assert (body["totalrows"], body["totalpages"], body["pagenumber"]) == (5, 3, 1)
    assert body["pagerows"] == 2
    assert [b["calIsoDateTimeStart"][:10] for b in body["data"]] == ["2020-05-07", "2020-05-08"]


async def test_display_requires_a_company(synergist: httpx.AsyncClient) -> None:
    await fail(synergist, "calendardisplay", datefrom="2017-01-01")


async def test_unallocated_lists_estimates_with_hours_left(synergist: httpx.AsyncClient) -> None:
    body = await succeed(synergist, "unallocated")
    assert [row["calTimeSummaryInternal"] for row in body["data"]] == [1014302]


async def test_unallocated_shrinks_as_hours_are_booked(synergist: httpx.AsyncClient) -> None:
    await create(
        synergist,
        calIsoDateTimeStart=f"{TUESDAY}T09:00:00",
        calNumberOfDays="1",
        calDurationDecimalHours="4",
    )
    row = (await succeed(synergist, "unallocated", company="1", job="10482"))["data"][0]
    assert row["calendarunallocatedremaining"] == 196


# admin


async def test_stats_count_requests_by_action(synergist: httpx.AsyncClient) -> None:
    await refresh(synergist, 137463)
    await refresh(synergist, 56570)
    await call(synergist, "calendarexplode")
    stats = (await synergist.get("_admin/stats")).json()
    assert stats["requests"] == {"calendarrefresh": 2, "unrecognised": 1}


async def test_reset_restores_the_seed(synergist: httpx.AsyncClient) -> None:
    await succeed(synergist, "delete", input=input_of({"calDiaryInternal": "137463"}))
    await synergist.post("_admin/reset")
    assert (await refresh(synergist, 137463))["calDiaryInternal"] == 137463


async def test_requests_are_recorded_with_their_urls(synergist: httpx.AsyncClient) -> None:
    await synergist.get("calendar.json", params={**CREDENTIALS, "action": "unallocated"})
    recorded = (await synergist.get("_admin/requests")).json()["requests"]
    assert recorded[0]["method"] == "GET"
    assert "password=user" in recorded[0]["url"]


async def test_latency_delays_every_vendor_request() -> None:
    async with simulator(BookingsSimulatorConfig(latency_seconds=0.2)) as client:
        response = await call(client, "unallocated")
    assert response.elapsed.total_seconds() >= 0.2


# first run: the pages' examples, and ids


async def test_the_refresh_pages_example_request_answers_as_shown(
    synergist: httpx.AsyncClient,
) -> None:
    # docs/vendors/synergist.md, Calendar Refresh: the example request, as written after the host.
    response = await synergist.get(
        "calendar.json?user=user&password=user&version=3.9&action=calendarrefresh&diary=136006"
    )
    body = response.json()
    assert body["success"] is True
    assert [row["calDiaryInternal"] for row in body["data"]] == [136006]


async def test_a_deleted_bookings_id_is_never_handed_out_again(
    synergist: httpx.AsyncClient,
) -> None:
    item = {"calTimeSummaryInternal": "1014302", "calResourceId": "198",
            "calIsoDateTimeStart": "2020-05-05T09:00:00", "calNumberOfDays": "1"}  # fmt: skip
    first = (await succeed(synergist, "create", input=input_of(item)))["data"][0]
    deleted = first["calDiaryInternal"]
    await succeed(synergist, "delete", input=input_of({"calDiaryInternal": deleted}))
    second = (await succeed(synergist, "create", input=input_of(item)))["data"][0]
    assert second["calDiaryInternal"] > deleted
    assert second["calUuid"] != first["calUuid"]
