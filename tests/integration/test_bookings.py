"""Bookings through the gateway, over real HTTP, against the Synergist simulator."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.client import error_codes, execute
from tests.conftest import gateway_client, settings_for

EGON = "137463"
SNAKEBYTE_UUID = "A3492EF45155B8438C2D13AA6F6030D2"
# 2020-05-05 is a Tuesday; the simulator works Monday to Friday, 09:00 to 17:30.
TUESDAY = "2020-05-05"

BOOKING_FIELDS = """
    id uuid timeSummaryId resource { id name } client { code name }
    job { number description handler phase { number description } }
    chargeCode { code description } start end allDay numberOfDays hoursPerDay
    durationDescription colour status requisition { id subject details }
    allocation { estimatedHours bookedHours remainingHours timesheetHours draftHours initials }
    raw
"""

CREATE = """
mutation Create($input: CreateBookingInput!) {
  createBooking(input: $input) {
    bookings { id start end allDay hoursPerDay allocation { bookedHours remainingHours } }
    warnings
  }
}"""

UPDATE = """
mutation Update($input: UpdateBookingInput!) {
  updateBooking(input: $input) { id start end numberOfDays hoursPerDay resource { name }
                                 allocation { bookedHours remainingHours } }
}"""

BOOKING = "query($id: ID!) { booking(id: $id) { id allocation { bookedHours } } }"


async def synergist_requests(upstream: httpx.AsyncClient) -> dict[str, int]:
    stats: dict[str, int] = (await upstream.get("/jsonapi/_admin/stats")).json()["requests"]
    return stats


async def inject(upstream: httpx.AsyncClient, **fault: Any) -> None:
    (await upstream.post("/_admin/faults", json=fault)).raise_for_status()


async def create(gateway: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    booking_input = {"timeSummaryId": "1014302", "resourceId": "198", **fields}
    return await execute(gateway, CREATE, {"input": booking_input})


def created(body: dict[str, Any]) -> list[dict[str, Any]]:
    assert "errors" not in body, body
    bookings: list[dict[str, Any]] = body["data"]["createBooking"]["bookings"]
    return bookings


# reads


async def test_booking_speaks_graphql(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, f"query($id: ID!) {{ booking(id: $id) {{ {BOOKING_FIELDS} }} }}",
                         {"id": EGON})  # fmt: skip
    booking = body["data"]["booking"]
    assert booking["resource"] == {"id": "405", "name": "Mr.Later"}
    assert booking["client"] == {"code": "3/ET", "name": "Egon Test"}
    assert booking["job"] == {
        "number": "3/00001015",
        "description": "Here is the job description",
        "handler": "Adele.Graham",
        "phase": {"number": "3/00001015.001", "description": "Egon - Training 1"},
    }
    assert booking["chargeCode"] == {"code": "3/R1", "description": "Rail Engineer 1"}
    assert (booking["start"], booking["end"]) == ("2017-11-07T09:00:00", "2017-11-09T11:00:00")
    assert (booking["numberOfDays"], booking["hoursPerDay"]) == (3, 2.0)
    assert booking["requisition"] == {
        "id": "7562",
        "subject": "job level reqisitiion",
        "details": "here is a desc",
    }
    assert booking["allocation"] == {
        "estimatedHours": 2.0,
        "bookedHours": 6.0,
        "remainingHours": -4.0,
        "timesheetHours": 14.0,
        "draftHours": 0.0,
        "initials": "ML",
    }
    assert booking["colour"] == "#FFFFFF"
    assert booking["raw"]["calDiaryInternal"] == 137463


async def test_booking_by_uuid(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, BOOKING, {"id": SNAKEBYTE_UUID})
    assert body["data"]["booking"] == {"id": "56570", "allocation": {"bookedHours": 3.25}}


async def test_unknown_booking_is_not_found(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, BOOKING, {"id": "999999"})
    assert body["data"]["booking"] is None
    assert error_codes(body) == ["NOT_FOUND"]
    assert body["errors"][0]["extensions"]["upstream"] == "bookings"


async def test_one_booking_under_ten_aliases_costs_one_upstream_call(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    aliases = " ".join(f'b{n}: booking(id: "{EGON}") {{ id }}' for n in range(10))
    body = await execute(gateway, f"{{ {aliases} }}")
    assert [body["data"][f"b{n}"]["id"] for n in range(10)] == [EGON] * 10
    assert await synergist_requests(upstream) == {"calendarrefresh": 1}


async def test_each_request_loads_afresh(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await execute(gateway, BOOKING, {"id": EGON})
    await execute(gateway, BOOKING, {"id": EGON})
    assert await synergist_requests(upstream) == {"calendarrefresh": 2}


async def test_bookings_nulls_only_the_unknown_id(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, '{ bookings(ids: ["137463", "404", "56570"]) { id } }')
    assert body["data"]["bookings"] == [{"id": EGON}, None, {"id": "56570"}]
    assert error_codes(body) == ["NOT_FOUND"]
    assert body["errors"][0]["path"] == ["bookings", 1]


async def test_bookings_asks_once_per_distinct_id(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await execute(gateway, '{ bookings(ids: ["137463", "56570", "137463", "56570"]) { id } }')
    assert await synergist_requests(upstream) == {"calendarrefresh": 2}


async def test_bookings_fetches_distinct_ids_concurrently_but_bounded(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, path=r"calendar\.json", delay=0.25, times=None)
    ids = ", ".join(f'"{n}"' for n in range(16))
    started = time.monotonic()
    body = await execute(gateway, f"{{ bookings(ids: [{ids}]) {{ id }} }}")
    elapsed = time.monotonic() - started
    assert body["data"]["bookings"] == [None] * 16
    # 16 calls of 0.25 s, eight at a time: two rounds, not sixteen, and not one.
    assert 0.5 <= elapsed < 2.0


async def test_bookings_in_range_lists_a_company_s_bookings(gateway: httpx.AsyncClient) -> None:
    body = await execute(
        gateway, '{ bookingsInRange(company: "1", from: "2017-07-01", to: "2017-07-31") { id } }'
    )
    assert body["data"]["bookingsInRange"] == [{"id": "56569"}, {"id": "56570"}]


async def test_bookings_in_range_rejects_a_reversed_range_before_any_upstream_call(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    body = await execute(
        gateway, '{ bookingsInRange(company: "1", from: "2017-07-31", to: "2017-07-01") { id } }'
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "to"
    assert await synergist_requests(upstream) == {}


ENTITIES = """
query Bookings($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Booking { id resource { name } } }
}"""


async def test_booking_references_resolve_through_the_loader(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    keys = [{"__typename": "Booking", "id": i} for i in (EGON, "56570", EGON)]
    body = await execute(gateway, ENTITIES, {"representations": keys})
    assert body["data"]["_entities"] == [
        {"id": EGON, "resource": {"name": "Mr.Later"}},
        {"id": "56570", "resource": {"name": "Freelancer.01"}},
        {"id": EGON, "resource": {"name": "Mr.Later"}},
    ]
    assert await synergist_requests(upstream) == {"calendarrefresh": 2}


# createBooking: the vendor's business logic


async def test_create_on_one_day_with_times(gateway: httpx.AsyncClient) -> None:
    body = await create(gateway, start=f"{TUESDAY}T10:00:00", end=f"{TUESDAY}T10:00:00",
                        durationHours=3)  # fmt: skip
    [booking] = created(body)
    assert (booking["start"], booking["end"]) == (f"{TUESDAY}T10:00:00", f"{TUESDAY}T13:00:00")
    assert body["data"]["createBooking"]["warnings"] == []


async def test_create_over_several_days_by_number_of_days(gateway: httpx.AsyncClient) -> None:
    bookings = created(await create(gateway, start="2020-05-07T16:30:00", numberOfDays=3,
                                    durationHours=3))  # fmt: skip
    assert [b["start"] for b in bookings] == [
        "2020-05-07T16:30:00",
        "2020-05-08T16:30:00",
        "2020-05-11T16:30:00",
    ]


async def test_create_all_day(gateway: httpx.AsyncClient) -> None:
    bookings = created(await create(gateway, start=f"{TUESDAY}T00:00:00", numberOfDays=2,
                                    allDay=True))  # fmt: skip
    assert [(b["allDay"], b["hoursPerDay"]) for b in bookings] == [(True, 8.5), (True, 8.5)]


async def test_create_without_duration_makes_minimum_length_bookings(
    gateway: httpx.AsyncClient,
) -> None:
    bookings = created(await create(gateway, start=f"{TUESDAY}T11:00:00", numberOfDays=2))
    assert [(b["start"], b["end"]) for b in bookings] == [
        (f"{TUESDAY}T11:00:00", f"{TUESDAY}T11:15:00"),
        ("2020-05-06T11:00:00", "2020-05-06T11:15:00"),
    ]


async def test_create_reduces_an_overlong_duration_and_says_so(
    gateway: httpx.AsyncClient,
) -> None:
    body = await create(gateway, start=f"{TUESDAY}T14:30:00", numberOfDays=10, durationHours=500)
    bookings = created(body)
    assert len(bookings) == 10
    assert {b["hoursPerDay"] for b in bookings} == {3.0}
    [warning] = body["data"]["createBooking"]["warnings"]
    assert "500" in warning


async def test_create_counts_against_the_estimate(gateway: httpx.AsyncClient) -> None:
    bookings = created(await create(gateway, start=f"{TUESDAY}T09:00:00", numberOfDays=1,
                                    durationHours=4))  # fmt: skip
    assert bookings[0]["allocation"] == {"bookedHours": 4.0, "remainingHours": 196.0}


async def test_create_with_both_end_and_number_of_days_is_bad_input(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    body = await create(gateway, start=f"{TUESDAY}T09:00:00", end=TUESDAY + "T09:00:00",
                        numberOfDays=1)  # fmt: skip
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert await synergist_requests(upstream) == {}


async def test_create_with_an_offset_is_bad_input(gateway: httpx.AsyncClient) -> None:
    body = await create(gateway, start=f"{TUESDAY}T09:00:00+02:00", numberOfDays=1)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "start"


async def test_vendor_refusal_is_upstream_error_with_its_code(gateway: httpx.AsyncClient) -> None:
    # 2020-05-09 is a Saturday: no working day to book (the simulator's errorcode 2004).
    body = await create(gateway, start="2020-05-09T09:00:00", end="2020-05-09T09:00:00")
    assert error_codes(body) == ["UPSTREAM_ERROR"]
    assert body["errors"][0]["extensions"]["upstreamCode"] == "2004"


# updateBooking and deleteBooking


async def test_update_moves_a_booking_by_uuid_and_recounts_the_estimate(
    gateway: httpx.AsyncClient,
) -> None:
    change = {"id": SNAKEBYTE_UUID, "start": "2017-07-11T10:00:00", "end": "2017-07-11T11:00:00"}
    body = await execute(gateway, UPDATE, {"input": change})
    assert body["data"]["updateBooking"] == {
        "id": "56570",
        "start": "2017-07-11T10:00:00",
        "end": "2017-07-11T11:00:00",
        "numberOfDays": 1,
        "hoursPerDay": 1.0,
        "resource": {"name": "Freelancer.01"},
        "allocation": {"bookedHours": 4.0, "remainingHours": -3.0},
    }


async def test_update_changes_only_the_resource(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, UPDATE, {"input": {"id": EGON, "resourceId": "34"}})
    booking = body["data"]["updateBooking"]
    assert booking["resource"] == {"name": "Freelancer.01"}
    assert (booking["start"], booking["numberOfDays"]) == ("2017-11-07T09:00:00", 3)


async def test_update_warning_reaches_extensions(gateway: httpx.AsyncClient) -> None:
    change = {"id": EGON, "start": "2017-11-11T09:00:00", "end": "2017-11-11T10:00:00"}
    body = await execute(gateway, UPDATE, {"input": change})
    assert body["data"]["updateBooking"]["id"] == EGON
    assert body["extensions"]["warnings"] == [
        "Booking 137463 starts on 2017-11-11, which is not a working day"
    ]


async def test_update_of_an_unknown_booking_is_not_found(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, UPDATE, {"input": {"id": "424242", "allDay": True}})
    assert error_codes(body) == ["NOT_FOUND"]


async def test_delete_answers_the_id_and_frees_the_hours(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, f'mutation {{ deleteBooking(id: "{SNAKEBYTE_UUID}") }}')
    assert body["data"]["deleteBooking"] == "56570"
    after = await execute(gateway, BOOKING, {"id": "56569"})
    assert after["data"]["booking"]["allocation"] == {"bookedHours": 3.0}


async def test_deleted_booking_is_not_found(gateway: httpx.AsyncClient) -> None:
    await execute(gateway, f'mutation {{ deleteBooking(id: "{EGON}") }}')
    body = await execute(gateway, BOOKING, {"id": EGON})
    assert error_codes(body) == ["NOT_FOUND"]


# upstream failures and credentials


async def test_refused_credentials_are_unauthenticated_and_never_echo_the_password(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    settings = settings_for(simulator_url, bookings_password="not-the-password")
    async with gateway_client(settings) as gateway:
        response = await gateway.post("/graphql", json={"query": '{ booking(id: "1") { id } }'})
    body = response.json()
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert "not-the-password" not in response.text


async def test_disabled_account_is_unauthenticated(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    settings = settings_for(simulator_url, bookings_user="disabled", bookings_password="disabled")
    async with gateway_client(settings) as gateway:
        body = await execute(gateway, BOOKING, {"id": EGON})
    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_upstream_5xx_is_unavailable(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, path=r"calendar\.json", status=503, times=None)
    body = await execute(gateway, BOOKING, {"id": EGON})
    assert error_codes(body) == ["UPSTREAM_UNAVAILABLE"]


async def test_a_failing_booking_leaves_the_rest_of_the_response(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, path=r"calendar\.json", status=503, times=None)
    body = await execute(gateway, '{ booking(id: "137463") { id } businessCalendars { id } }')
    assert body["data"]["booking"] is None
    assert body["data"]["businessCalendars"]


async def test_no_upstream_request_carries_the_password_in_its_url(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await execute(gateway, BOOKING, {"id": EGON})
    await execute(
        gateway, '{ bookingsInRange(company: "1", from: "2017-01-01", to: "2017-12-31") { id } }'
    )
    await create(gateway, start=f"{TUESDAY}T09:00:00", numberOfDays=1)
    await execute(gateway, UPDATE, {"input": {"id": EGON, "allDay": True}})
    await execute(gateway, f'mutation {{ deleteBooking(id: "{EGON}") }}')
    recorded = (await upstream.get("/jsonapi/_admin/requests")).json()["requests"]
    assert len(recorded) == 5
    assert {r["method"] for r in recorded} == {"POST"}
    assert all("password" not in r["url"] and "?" not in r["url"] for r in recorded)
