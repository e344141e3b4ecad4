"""The Xelion simulator answers as docs/vendors/xelion.md describes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from calendar_gateway.simulators.appointments.app import AppointmentsSimulatorConfig, create_app
from tests.servers import serve

Json = dict[str, Any]
CREDENTIALS = {"userName": "demo", "password": "demo", "userSpace": "tests"}


def mounted(config: AppointmentsSimulatorConfig | None = None) -> Starlette:
    return Starlette(routes=[Mount("/api/v1/{tenant}", app=create_app(config))])


@pytest.fixture(scope="module")
async def xelion_url() -> AsyncIterator[str]:
    async with serve(mounted()) as url:
        yield f"{url}/api/v1/master/"


@pytest.fixture
async def xelion(xelion_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a freshly reset simulator, logged in as demo."""
    async with httpx.AsyncClient(base_url=xelion_url) as client:
        (await client.post("_admin/reset")).raise_for_status()
        token = await login(client)
        client.headers["Authorization"] = f"xelion {token}"
        yield client


@contextlib.asynccontextmanager
async def simulator(config: AppointmentsSimulatorConfig) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serve(mounted(config)) as url,
        httpx.AsyncClient(base_url=f"{url}/api/v1/master/") as client,
    ):
        yield client


async def login(client: httpx.AsyncClient, **changes: str) -> str:
    response = await client.post("me/login", json={**CREDENTIALS, **changes})
    assert response.status_code == 200, response.text
    token: str = response.json()["authentication"]
    return token


def assert_error(response: httpx.Response, status: int, code: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["errorCode"] == code
    assert set(body) == {"errorCode", "message", "info"}


async def read(client: httpx.AsyncClient, oid: str) -> Json:
    response = await client.get(f"appointments/{oid}")
    assert response.status_code == 200, response.text
    body: Json = response.json()["object"]
    return body


async def patch(client: httpx.AsyncClient, oid: str, *operations: Json) -> httpx.Response:
    return await client.patch(f"appointments/{oid}", json={"operations": list(operations)})


def replace(path: str, value: object) -> Json:
    return {"op": "replace", "path": path, "value": value}


# -- login and sessions ---------------------------------------------------------------------


async def test_login_answers_token_renewal_token_and_valid_until(xelion_url: str) -> None:
    async with httpx.AsyncClient(base_url=xelion_url) as client:
        await client.post("_admin/reset")
        body = (await client.post("me/login", json=CREDENTIALS)).json()
    assert body["authentication"]
    assert body["renewalToken"]
    valid_until = datetime.strptime(body["validUntil"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    assert valid_until > datetime.now(UTC)
    assert body["tenant"] == "master"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (None, 400, 10200),
        ("[1, 2]", 400, 10202),
        ('{"password": "demo", "userSpace": "tests"}', 400, 10002),
        ('{"userName": "demo", "userSpace": "tests"}', 400, 10003),
        ('{"userName": "demo", "password": "demo"}', 400, 10011),
        ('{"userName": "demo", "password": "wrong", "userSpace": "tests"}', 401, 10004),
        ('{"userName": "disabled", "password": "disabled", "userSpace": "tests"}', 401, 10006),
        ('{"userName": "demo", "password": "demo", "userSpace": "' + "x" * 201 + '"}', 400, 10010),
    ],
    ids=["empty", "malformed", "no-user", "no-password", "no-space", "wrong", "disabled", "long"],
)
async def test_login_rejects_bad_credentials_with_vendor_code(
    xelion_url: str, payload: str | None, status: int, code: int
) -> None:
    async with httpx.AsyncClient(base_url=xelion_url) as client:
        response = await client.post("me/login", content=payload or b"")
    assert_error(response, status, code)


async def test_second_login_in_same_user_space_gives_401_10005(
    xelion: httpx.AsyncClient,
) -> None:
    response = await xelion.post("me/login", json=CREDENTIALS, headers={"Authorization": ""})
    assert_error(response, 401, 10005)


async def test_login_in_another_user_space_opens_a_second_session(
    xelion: httpx.AsyncClient,
) -> None:
    other = await login(xelion, userSpace="elsewhere")
    headers = {"Authorization": f"xelion {other}"}
    assert (await xelion.get("appointments/1758831", headers=headers)).status_code == 200


async def test_login_with_session_token_in_header_ends_that_session_first(
    xelion: httpx.AsyncClient,
) -> None:
    old = xelion.headers["Authorization"]
    new = await login(xelion)
    stale = await xelion.get("appointments/1758831", headers={"Authorization": old})
    assert_error(stale, 401, 10020)
    fresh = await xelion.get("appointments/1758831", headers={"Authorization": f"xelion {new}"})
    assert fresh.status_code == 200


async def test_request_without_authorization_header_gives_403_10000(
    xelion: httpx.AsyncClient,
) -> None:
    del xelion.headers["Authorization"]
    assert_error(await xelion.get("appointments/1758831"), 403, 10000)


async def test_authorization_not_of_xelion_scheme_gives_401_10000(
    xelion: httpx.AsyncClient,
) -> None:
    xelion.headers["Authorization"] = "Bearer abc"
    assert_error(await xelion.get("appointments/1758831"), 401, 10000)


async def test_unknown_token_gives_401_10020(xelion: httpx.AsyncClient) -> None:
    xelion.headers["Authorization"] = "xelion not-a-token"
    assert_error(await xelion.get("appointments/1758831"), 401, 10020)


async def test_expired_token_gives_401_10021(xelion: httpx.AsyncClient) -> None:
    await xelion.post("_admin/expire-tokens")
    assert_error(await xelion.get("appointments/1758831"), 401, 10021)


async def test_token_lives_for_the_configured_lifetime() -> None:
    async with simulator(AppointmentsSimulatorConfig(token_lifetime_seconds=0)) as client:
        token = await login(client)
        response = await client.get(
            "appointments/1758831", headers={"Authorization": f"xelion {token}"}
        )
    assert_error(response, 401, 10021)


async def test_expired_session_no_longer_blocks_login_in_same_user_space(
    xelion: httpx.AsyncClient,
) -> None:
    await xelion.post("_admin/expire-tokens")
    await login(xelion)


async def test_renew_with_renewal_token_issues_a_new_token_and_ends_the_old(
    xelion_url: str,
) -> None:
    async with httpx.AsyncClient(base_url=xelion_url) as client:
        await client.post("_admin/reset")
        tokens = (await client.post("me/login", json=CREDENTIALS)).json()
        old = {"Authorization": f"xelion {tokens['authentication']}"}
        renewed = await client.post("me/renew", json=tokens["renewalToken"], headers=old)
        assert renewed.status_code == 200, renewed.text
        new = {"Authorization": f"xelion {renewed.json()['authentication']}"}
        assert (await client.get("appointments/1758831", headers=new)).status_code == 200
        assert_error(await client.get("appointments/1758831", headers=old), 401, 10020)


async def test_renew_with_wrong_renewal_token_gives_401_10022(xelion: httpx.AsyncClient) -> None:
    assert_error(await xelion.post("me/renew", json="wrong"), 401, 10022)


async def test_renew_without_payload_gives_400_10200(xelion: httpx.AsyncClient) -> None:
    assert_error(await xelion.post("me/renew"), 400, 10200)


async def test_renew_of_expired_token_gives_401_10021(xelion: httpx.AsyncClient) -> None:
    await xelion.post("_admin/expire-tokens")
    assert_error(await xelion.post("me/renew", json="anything"), 401, 10021)


async def test_logout_ends_the_session(xelion: httpx.AsyncClient) -> None:
    assert (await xelion.post("me/logout")).status_code == 204
    assert_error(await xelion.get("appointments/1758831"), 401, 10020)
    del xelion.headers["Authorization"]
    await login(xelion)


# -- reading ---------------------------------------------------------------------------------


async def test_get_answers_object_and_links_in_vendor_shape(xelion: httpx.AsyncClient) -> None:
    body = (await xelion.get("appointments/1758518")).json()
    assert set(body) == {"object", "links"}
    assert body["links"][0]["rel"] == "self"
    assert body["links"][0]["href"].endswith("/api/v1/master/appointments/1758518")
    item = body["object"]
    assert item["objectType"] == "XCCAppointment"
    assert item["subject"] == "SLapen"
    assert item["starttime"] == "2017-03-13 10:10:00"
    assert item["participants"] == [
        {"commonName": "Haas Henk", "oid": "1626686", "objectType": "Person"}
    ]
    assert item["recurrenceType"] == "weekly"
    assert item["recurrenceCount"] == 6
    assert item["monday"] is True
    assert item["permissions"] == "ReadWriteRemove"
    assert item["comment"]["objectType"] == "Comment"


async def test_get_unknown_oid_gives_404_10100(xelion: httpx.AsyncClient) -> None:
    assert_error(await xelion.get("appointments/999"), 404, 10100)


async def test_get_of_id_that_is_not_an_oid_gives_400_10203(xelion: httpx.AsyncClient) -> None:
    assert_error(await xelion.get("appointments/abc"), 400, 10203)


# -- creating --------------------------------------------------------------------------------

NEW_APPOINTMENT: Json = {  # the vendor's create example
    "subject": "Taart eten",
    "starttime": "2017-02-25 11:50:00",
    "endtime": "2017-02-25 12:00:00",
    "allStartDay": False,
    "allEndDay": False,
    "internal": True,
    "userStatus": "unavailable",
    "objectType": "XCCAppointment",
    "comment": {"objectType": "Comment", "content": "Taart halen bij de bakker"},
    "participants": [
        {"person": {"oid": "1626686", "objectType": "Person"}},
        {"person": {"oid": "1626711", "objectType": "Person"}},
    ],
    "calendars": [
        {"oid": "1658051", "objectType": "XCCCalendar"},
        {"oid": "1658218", "objectType": "XCCCalendar"},
    ],
    "recurrenceTerminationType": "recurrenceCount",
    "recurrenceTerminationDate": "",
    "firstRecurrenceDate": "2017-02-25 11:50:00",
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
}


async def test_create_of_vendor_example_answers_the_created_object(
    xelion: httpx.AsyncClient,
) -> None:
    response = await xelion.post("appointments", json=NEW_APPOINTMENT)
    assert response.status_code == 201, response.text
    created = response.json()["object"]
    assert created == await read(xelion, created["oid"])
    assert created["comment"]["content"] == "Taart halen bij de bakker"
    assert [p["oid"] for p in created["participants"]] == ["1626686", "1626711"]
    assert [c["oid"] for c in created["calendars"]] == ["1658051", "1658218"]
    assert created["isAppointmentOf"]["oid"] == "1626686"
    assert created["isRecurrence"] is True


async def test_create_without_payload_gives_400_10200(xelion: httpx.AsyncClient) -> None:
    assert_error(await xelion.post("appointments"), 400, 10200)


async def test_create_without_object_type_gives_400_10202(xelion: httpx.AsyncClient) -> None:
    payload = {key: value for key, value in NEW_APPOINTMENT.items() if key != "objectType"}
    assert_error(await xelion.post("appointments", json=payload), 400, 10202)


async def test_create_with_unknown_calendar_gives_404_10100(xelion: httpx.AsyncClient) -> None:
    payload = {**NEW_APPOINTMENT, "calendars": [{"oid": "42", "objectType": "XCCCalendar"}]}
    assert_error(await xelion.post("appointments", json=payload), 404, 10100)


async def test_create_all_day_moves_times_to_the_day_bounds(xelion: httpx.AsyncClient) -> None:
    payload = {**NEW_APPOINTMENT, "allStartDay": True, "allEndDay": True}
    created = (await xelion.post("appointments", json=payload)).json()["object"]
    assert (created["starttime"], created["endtime"]) == (
        "2017-02-25 00:00:00",
        "2017-02-25 23:59:59",
    )


# -- PATCH -----------------------------------------------------------------------------------


async def test_patch_of_vendor_example_applies_every_operation(xelion: httpx.AsyncClient) -> None:
    response = await patch(
        xelion,
        "1627410",
        {"op": "add", "path": "/calendars", "value": "1658218"},
        replace("/userStatus", "long_out_of_office"),
        replace("/comment", "Test Comment"),
        {"op": "remove", "path": "/participants/167843"},
    )
    assert response.status_code == 204
    assert response.content == b""
    after = await read(xelion, "1627410")
    assert [c["oid"] for c in after["calendars"]] == ["1658051", "1658218"]
    assert after["userStatus"] == "long_out_of_office"
    assert after["comment"]["content"] == "Test Comment"
    assert [p["oid"] for p in after["participants"]] == ["1626686"]


async def test_patch_of_all_day_example_keeps_the_local_dates(xelion: httpx.AsyncClient) -> None:
    response = await patch(
        xelion,
        "1627410",
        replace("/allStartDay", True),
        replace("/starttime", "2018-12-27 00:00:00"),
        replace("/allEndDay", True),
        replace("/endtime", "2018-12-27 23:59:59"),
    )
    assert response.status_code == 204
    after = await read(xelion, "1627410")
    assert (after["starttime"], after["endtime"]) == ("2018-12-27 00:00:00", "2018-12-27 23:59:59")


async def test_patch_all_day_with_utc_shifted_start_lands_on_the_wrong_day(
    xelion: httpx.AsyncClient,
) -> None:
    # The update page's warning: 2018-12-26 22:00 UTC is not the 27th, whatever the zone.
    await patch(
        xelion,
        "1627410",
        replace("/allStartDay", True),
        replace("/starttime", "2018-12-26 22:00:00"),
        replace("/endtime", "2018-12-28 10:00:00"),
    )
    assert (await read(xelion, "1627410"))["starttime"] == "2018-12-26 00:00:00"


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "/location", "value": "x"},
        {"op": "add", "path": "/subject", "value": "x"},
        {"op": "move", "path": "/calendars/1658218"},
        {"op": "remove", "path": "/calendars"},
        {"op": "replace", "path": "/subject"},
        {"op": "replace", "path": "/userStatus", "value": "asleep"},
        {"op": "replace", "path": "/starttime", "value": "2018-12-27T10:00:00Z"},
        {"op": "replace", "path": "/internal", "value": "yes"},
        {"op": "replace", "path": "/recurrenceInterval", "value": 0},
        {"path": "/subject", "value": "x"},
        "subject",
    ],
    ids=[
        "unknown-path",
        "add-on-scalar",
        "unknown-op",
        "remove-without-oid",
        "replace-without-value",
        "bad-status",
        "bad-time",
        "bad-boolean",
        "bad-interval",
        "no-op",
        "not-an-object",
    ],
)
async def test_patch_with_unsupported_operation_gives_400_10202(
    xelion: httpx.AsyncClient, operation: Json
) -> None:
    assert_error(await patch(xelion, "1627410", operation), 400, 10202)


async def test_patch_without_payload_gives_400_10200(xelion: httpx.AsyncClient) -> None:
    assert_error(await xelion.patch("appointments/1627410"), 400, 10200)


async def test_patch_with_no_operations_gives_400_10200(xelion: httpx.AsyncClient) -> None:
    assert_error(await patch(xelion, "1627410"), 400, 10200)


async def test_patch_of_unknown_oid_gives_404_10100(xelion: httpx.AsyncClient) -> None:
    assert_error(await patch(xelion, "999", replace("/subject", "x")), 404, 10100)


async def test_patch_of_id_that_is_not_an_oid_gives_400_10203(xelion: httpx.AsyncClient) -> None:
    assert_error(await patch(xelion, "abc", replace("/subject", "x")), 400, 10203)


async def test_patch_adding_unknown_calendar_gives_404_10100(xelion: httpx.AsyncClient) -> None:
    operation = {"op": "add", "path": "/calendars", "value": "42"}
    assert_error(await patch(xelion, "1627410", operation), 404, 10100)


async def test_patch_is_all_or_nothing(xelion: httpx.AsyncClient) -> None:
    before = await read(xelion, "1627410")
    response = await patch(
        xelion, "1627410", replace("/subject", "changed"), replace("/nonsense", 1)
    )
    assert response.status_code == 400
    assert await read(xelion, "1627410") == before


async def test_patch_ending_before_the_start_gives_400_10202(xelion: httpx.AsyncClient) -> None:
    response = await patch(xelion, "1627410", replace("/endtime", "2018-12-19 09:00:00"))
    assert_error(response, 400, 10202)


async def test_patch_adds_participant_given_as_value(xelion: httpx.AsyncClient) -> None:
    operation = {"op": "add", "path": "/participants", "value": "1626711"}
    assert (await patch(xelion, "1627410", operation)).status_code == 204
    participants = (await read(xelion, "1627410"))["participants"]
    bea = {"commonName": "Bakker Bea", "oid": "1626711", "objectType": "Person"}
    assert participants[-1] == bea


async def test_patch_removes_calendar_named_in_path(xelion: httpx.AsyncClient) -> None:
    operation = {"op": "remove", "path": "/calendars/1658051"}
    assert (await patch(xelion, "1627410", operation)).status_code == 204
    assert (await read(xelion, "1627410"))["calendars"] == []


async def test_patch_setting_recurrence_type_makes_it_recur(xelion: httpx.AsyncClient) -> None:
    await patch(xelion, "1758831", replace("/recurrenceType", "daily"))
    after = await read(xelion, "1758831")
    assert after["isRecurrence"] is True
    assert after["recurrenceInterval"] == 1
    assert after["firstRecurrenceDate"] == after["starttime"]


async def test_patch_of_read_only_appointment_gives_403_10101(xelion: httpx.AsyncClient) -> None:
    assert_error(await patch(xelion, "1627600", replace("/subject", "x")), 403, 10101)


# -- DELETE ----------------------------------------------------------------------------------


async def test_delete_removes_the_appointment(xelion: httpx.AsyncClient) -> None:
    response = await xelion.delete("appointments/1627410")
    assert response.status_code == 204
    assert_error(await xelion.get("appointments/1627410"), 404, 10100)


async def test_delete_of_read_only_appointment_gives_403_10101(xelion: httpx.AsyncClient) -> None:
    assert_error(await xelion.delete("appointments/1627600"), 403, 10101)


async def test_delete_of_unknown_oid_gives_404_10100(xelion: httpx.AsyncClient) -> None:
    assert_error(await xelion.delete("appointments/999"), 404, 10100)


# -- lists -----------------------------------------------------------------------------------


async def list_oids(client: httpx.AsyncClient, path: str, **params: str | int) -> list[str]:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return [entry["object"]["oid"] for entry in response.json()["data"]]


async def test_calendar_list_answers_summaries_in_vendor_shape(xelion: httpx.AsyncClient) -> None:
    march = {"after": "2017-03-01", "before": "2017-03-31"}
    body = (await xelion.get("calendars/1557367", params=march)).json()
    assert [entry["object"]["subject"] for entry in body["data"]] == ["SLapen", "Taart eten"]
    summary = body["data"][0]["object"]
    assert summary["isAppointmentOf"]["oid"] == "1626686"
    assert summary["commonName"].startswith("SLapen: 10:10 - 10:20")
    assert "participants" not in summary
    assert body["meta"]["paging"] == {"previousId": None, "nextId": None}
    assert body["meta"]["links"][0]["rel"] == "refresh"


async def test_calendar_list_selects_by_start_after_and_end_before(
    xelion: httpx.AsyncClient,
) -> None:
    # After the weekly series' last occurrence (24 April 2017); "Taart eten" starts before.
    oids = await list_oids(xelion, "calendars/1557367", after="2017-04-25", before="2018-12-31")
    assert oids == ["1627500"]


@pytest.mark.parametrize(
    ("day", "listed"),
    [
        ("2017-03-13", []),  # its stored start: the example's first occurrence is 20 March
        ("2017-03-20", ["1758518"]),
        ("2017-04-10", ["1758518"]),  # the fourth Monday
        ("2017-04-11", []),  # a Tuesday
        ("2017-04-24", ["1758518"]),  # the sixth and last
        ("2017-05-01", []),
    ],
)
async def test_calendar_list_names_a_series_once_on_the_dates_of_its_occurrences(
    xelion: httpx.AsyncClient, day: str, listed: list[str]
) -> None:
    oids = await list_oids(xelion, "calendars/1557367", after=day, before=day)
    assert oids == listed


async def test_calendar_list_pages_through_next_id(xelion: httpx.AsyncClient) -> None:
    first = (
        await xelion.get(
            "calendars/1557367", params={"after": "2017-01-01", "before": "2018-12-31", "limit": 2}
        )
    ).json()
    assert [entry["object"]["oid"] for entry in first["data"]] == ["1758518", "1758831"]
    assert first["meta"]["paging"]["nextId"] == "1758831"
    rest = await list_oids(
        xelion, "calendars/1557367", after="1758831", before="2018-12-31", limit=2
    )
    assert rest == ["1627500"]


async def test_next_link_carries_the_following_page(xelion: httpx.AsyncClient) -> None:
    first = await xelion.get(
        "calendars/1557367", params={"after": "2017-01-01", "before": "2018-12-31", "limit": 1}
    )
    link = next(link for link in first.json()["meta"]["links"] if link["rel"] == "next")
    second = (await xelion.get(link["href"])).json()
    assert [entry["object"]["oid"] for entry in second["data"]] == ["1758831"]
    assert second["meta"]["paging"]["previousId"] == "1758831"


async def test_calendar_list_limit_defaults_to_15(xelion: httpx.AsyncClient) -> None:
    for day in range(1, 18):
        times = {"starttime": f"2019-01-{day:02} 10:00:00", "endtime": f"2019-01-{day:02} 11:00:00"}
        await xelion.post("appointments", json={**NEW_APPOINTMENT, **times})
    oids = await list_oids(xelion, "calendars/1658051", after="2019-01-01", before="2019-01-31")
    assert len(oids) == 15


async def test_calendar_list_without_dates_answers_today(xelion: httpx.AsyncClient) -> None:
    assert await list_oids(xelion, "calendars/1557367") == ["1627700"]


async def test_addressable_calendar_lists_a_persons_appointments(
    xelion: httpx.AsyncClient,
) -> None:
    oids = await list_oids(
        xelion, "addressables/167843/calendar", after="2018-01-01", before="2018-12-31"
    )
    assert oids == ["1627410"]


async def test_list_of_unknown_oid_gives_404_10100(xelion: httpx.AsyncClient) -> None:
    assert_error(await xelion.get("calendars/42"), 404, 10100)


async def test_list_of_id_that_is_not_an_oid_gives_400_10203(xelion: httpx.AsyncClient) -> None:
    assert_error(await xelion.get("addressables/me/calendar"), 400, 10203)


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "many"}, {"after": "yesterday"}, {"before": "2019-13-01"}]
)
async def test_list_with_malformed_parameter_gives_400_10202(
    xelion: httpx.AsyncClient, params: dict[str, str]
) -> None:
    assert_error(await xelion.get("calendars/1557367", params=params), 400, 10202)


# -- concurrency, stats, reset ---------------------------------------------------------------


async def concurrent_reads(client: httpx.AsyncClient, count: int) -> list[int]:
    responses = await asyncio.gather(*(client.get("appointments/1758831") for _ in range(count)))
    return [response.status_code for response in responses]


async def test_more_requests_in_flight_than_allowed_gives_429_10400() -> None:
    config = AppointmentsSimulatorConfig(latency_seconds=0.2, max_in_flight_per_session=2)
    async with simulator(config) as client:
        client.headers["Authorization"] = f"xelion {await login(client)}"
        statuses = await concurrent_reads(client, 5)
        throttled = await client.get("appointments/1758831")
        stats = (await client.get("_admin/stats")).json()
    assert sorted(statuses) == [200, 200, 429, 429, 429]
    assert throttled.status_code == 200
    assert stats["throttled"] == 3


async def test_throttling_counts_each_session_apart() -> None:
    config = AppointmentsSimulatorConfig(latency_seconds=0.2, max_in_flight_per_session=1)
    async with simulator(config) as client:
        first, second = await login(client), await login(client, userSpace="other")
        responses = await asyncio.gather(
            *(
                client.get("appointments/1758831", headers={"Authorization": f"xelion {token}"})
                for token in (first, second)
            )
        )
    assert [response.status_code for response in responses] == [200, 200]


async def test_stats_count_requests_by_operation(xelion: httpx.AsyncClient) -> None:
    await xelion.get("appointments/1758831")
    await xelion.get("appointments/999")
    await patch(xelion, "1627410", replace("/subject", "x"))
    stats = (await xelion.get("_admin/stats")).json()
    assert stats["requests"] == {"login": 1, "get": 2, "patch": 1}


async def test_reset_restores_the_seed_and_ends_sessions(xelion: httpx.AsyncClient) -> None:
    await xelion.delete("appointments/1627410")
    await xelion.post("_admin/reset")
    assert_error(await xelion.get("appointments/1627410"), 401, 10020)
    xelion.headers["Authorization"] = f"xelion {await login(xelion)}"
    assert (await read(xelion, "1627410"))["subject"] == "Teamoverleg"


async def test_unseeded_simulator_has_no_appointments() -> None:
    async with simulator(AppointmentsSimulatorConfig(seed=False)) as client:
        client.headers["Authorization"] = f"xelion {await login(client)}"
        assert_error(await client.get("appointments/1758831"), 404, 10100)


async def test_list_limit_is_capped_by_the_servers_page_size() -> None:
    async with simulator(AppointmentsSimulatorConfig(max_limit=1)) as client:
        client.headers["Authorization"] = f"xelion {await login(client)}"
        params = {"after": "2017-01-01", "before": "2018-12-31", "limit": "10"}
        body = (await client.get("calendars/1557367", params=params)).json()
    assert len(body["data"]) == 1
    assert body["meta"]["paging"]["nextId"] == "1758518"


async def test_patch_adding_a_present_calendar_changes_nothing(xelion: httpx.AsyncClient) -> None:
    before = await read(xelion, "1627410")
    operation = {"op": "add", "path": "/calendars/1658051"}
    assert (await patch(xelion, "1627410", operation)).status_code == 204
    assert await read(xelion, "1627410") == before


async def test_requests_record_each_vendor_payload_but_no_password(
    xelion: httpx.AsyncClient,
) -> None:
    await patch(xelion, "1627410", replace("/subject", "x"))
    recorded = (await xelion.get("_admin/requests")).json()["requests"]
    assert recorded == [
        {"operation": "login", "method": "POST", "path": "/me/login", "body": None, "status": 200},
        {
            "operation": "patch",
            "method": "PATCH",
            "path": "/appointments/1627410",
            "body": {"operations": [{"op": "replace", "path": "/subject", "value": "x"}]},
            "status": 204,
        },
    ]


async def test_a_deleted_appointments_oid_is_never_handed_out_again(
    xelion: httpx.AsyncClient,
) -> None:
    first = (await xelion.post("appointments", json=NEW_APPOINTMENT)).json()["object"]["oid"]
    assert (await xelion.delete(f"appointments/{first}")).status_code == 204
    second = (await xelion.post("appointments", json=NEW_APPOINTMENT)).json()["object"]["oid"]
    assert int(second) > int(first)
