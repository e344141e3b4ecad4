"""Appointments through the gateway, over real HTTP, against the Xelion simulator."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from calendar_gateway.simulators import app as simulators
from tests.client import error_codes, execute
from tests.conftest import gateway_client, settings_for
from tests.servers import serve

Json = dict[str, Any]
XELION = "/api/v1/master"

APPOINTMENT_FIELDS = """
    id subject start end startDate endDate allDayStart allDayEnd internal userStatus
    participants { id name type } calendars { id name } comment
    recurrence { type interval termination { type date count } first last weekdays monthType }
    permissions { read write remove }
    raw
"""
APPOINTMENT = f"query($id: ID!) {{ appointment(id: $id) {{ {APPOINTMENT_FIELDS} }} }}"
APPOINTMENTS = """
query($calendarId: ID!, $after: Date, $before: Date, $first: Int) {
  appointments(calendarId: $calendarId, after: $after, before: $before, first: $first) {
    id subject start startDate allDayStart
  }
}"""
CREATE = f"""
mutation($input: CreateAppointmentInput!) {{
  createAppointment(input: $input) {{ {APPOINTMENT_FIELDS} }}
}}"""
UPDATE = f"""
mutation($id: ID!, $input: UpdateAppointmentInput!) {{
  updateAppointment(id: $id, input: $input) {{ {APPOINTMENT_FIELDS} }}
}}"""
DELETE = "mutation($id: ID!) { deleteAppointment(id: $id) }"


def data(body: Json) -> Json:
    assert "errors" not in body, body
    found: Json = body["data"]
    return found


def only_error(body: Json) -> Json:
    assert len(body["errors"]) == 1, body
    error: Json = body["errors"][0]
    return error


async def xelion_requests(upstream: httpx.AsyncClient) -> list[Json]:
    """What the gateway sent Xelion, logins left out.

    Each test's reset ends the gateway's session, so its first request is refused (401) and
    sent again after a login: only what Xelion did not refuse for the token counts.
    """
    recorded: list[Json] = (await upstream.get(f"{XELION}/_admin/requests")).json()["requests"]
    return [r for r in recorded if r["path"] != "/me/login" and r["status"] != 401]


async def patches_sent(upstream: httpx.AsyncClient) -> list[list[Json]]:
    return [
        request["body"]["operations"]
        for request in await xelion_requests(upstream)
        if request["method"] == "PATCH"
    ]


async def inject(upstream: httpx.AsyncClient, path: str, status: int, code: int) -> None:
    fault = {"path": path, "status": status, "times": None}
    body = {"errorCode": code, "message": "injected", "info": ""}
    (await upstream.post("/_admin/faults", json={**fault, "body": body})).raise_for_status()


async def update(gateway: httpx.AsyncClient, oid: str, **changes: Any) -> Json:
    return await execute(gateway, UPDATE, {"id": oid, "input": changes})


# -- queries ---------------------------------------------------------------------------------


async def test_appointment_answers_every_field_in_graphql_terms(gateway: httpx.AsyncClient) -> None:
    found = data(await execute(gateway, APPOINTMENT, {"id": "1758518"}))["appointment"]
    assert found["subject"] == "SLapen"
    assert found["start"] == "2017-03-13T10:10:00+00:00"
    assert (found["allDayStart"], found["internal"]) == (False, True)
    assert found["userStatus"] == "AT_APPOINTMENT"
    assert found["participants"] == [{"id": "1626686", "name": "Haas Henk", "type": "Person"}]
    assert found["calendars"] == [{"id": "1557367", "name": "Henk"}]
    assert found["recurrence"] == {
        "type": "WEEKLY",
        "interval": 1,
        "termination": {"type": "COUNT", "date": None, "count": 6},
        "first": "2017-03-19T23:00:00+00:00",
        "last": "2017-04-23T22:00:00+00:00",
        "weekdays": ["MONDAY"],
        "monthType": "DAY_OF_MONTH",
    }
    assert found["permissions"] == {"read": True, "write": True, "remove": True}
    assert found["raw"]["objectType"] == "XCCAppointment"


async def test_all_day_appointment_answers_dates_not_zone_less_times(
    gateway: httpx.AsyncClient,
) -> None:
    found = data(await execute(gateway, APPOINTMENT, {"id": "1627500"}))["appointment"]
    assert (found["startDate"], found["endDate"]) == ("2018-12-27", "2018-12-27")
    assert (found["start"], found["end"]) == (None, None)
    assert (found["allDayStart"], found["allDayEnd"]) == (True, True)


async def test_unknown_appointment_gives_not_found(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, APPOINTMENT, {"id": "999"})
    assert body["data"] == {"appointment": None}
    assert only_error(body)["extensions"] == {
        "code": "NOT_FOUND",
        "upstream": "appointments",
        "field": "id",
    }


async def test_id_that_is_no_oid_gives_bad_user_input_before_any_call(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    body = await execute(gateway, APPOINTMENT, {"id": "../me/logout"})
    assert only_error(body)["extensions"]["field"] == "id"
    assert only_error(body)["extensions"]["code"] == "BAD_USER_INPUT"
    assert await xelion_requests(upstream) == []


async def test_appointments_lists_a_calendar_between_dates(gateway: httpx.AsyncClient) -> None:
    variables = {"calendarId": "1557367", "after": "2017-03-20", "before": "2018-12-31"}
    found = data(await execute(gateway, APPOINTMENTS, variables))["appointments"]
    assert found == [
        {  # the weekly series recurs from 20 March: listed once, as stored
            "id": "1758518",
            "subject": "SLapen",
            "start": "2017-03-13T10:10:00+00:00",
            "startDate": None,
            "allDayStart": False,
        },
        {
            "id": "1758831",
            "subject": "Taart eten",
            "start": "2017-03-24T13:43:00+00:00",
            "startDate": None,
            "allDayStart": False,
        },
        {
            "id": "1627500",
            "subject": "Kerstvakantie",
            "start": None,
            "startDate": "2018-12-27",
            "allDayStart": True,
        },
    ]


async def test_appointments_without_dates_lists_today(gateway: httpx.AsyncClient) -> None:
    found = data(await execute(gateway, APPOINTMENTS, {"calendarId": "1557367"}))
    assert [a["subject"] for a in found["appointments"]] == ["Stand-up"]


async def test_appointments_stop_at_first(gateway: httpx.AsyncClient) -> None:
    variables = {"calendarId": "1557367", "after": "2017-01-01", "before": "2030-01-01"}
    found = data(await execute(gateway, APPOINTMENTS, {**variables, "first": 2}))["appointments"]
    assert [a["id"] for a in found] == ["1758518", "1758831"]


async def test_list_entries_read_their_details_once_each(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    query = """query { appointments(calendarId: "1557367", after: "2017-03-01",
                                    before: "2017-03-31")
                       { id userStatus participants { id } comment raw } }"""
    found = data(await execute(gateway, query))["appointments"]
    assert [a["userStatus"] for a in found] == ["AT_APPOINTMENT", "UNAVAILABLE"]
    gets = [r["path"] for r in await xelion_requests(upstream) if r["method"] == "GET"]
    details = [path for path in gets if path.startswith("/appointments/")]
    assert sorted(details) == ["/appointments/1758518", "/appointments/1758831"]


async def test_list_fields_alone_cost_no_detail_reads(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    variables = {"calendarId": "1557367", "after": "2017-03-01", "before": "2017-03-31"}
    data(await execute(gateway, APPOINTMENTS, variables))
    paths = [r["path"] for r in await xelion_requests(upstream)]
    assert not any(path.startswith("/appointments/") for path in paths)


async def test_appointments_with_first_out_of_range_gives_bad_user_input(
    gateway: httpx.AsyncClient,
) -> None:
    body = await execute(gateway, APPOINTMENTS, {"calendarId": "1557367", "first": 0})
    assert only_error(body)["extensions"]["field"] == "first"
    assert only_error(body)["extensions"]["code"] == "BAD_USER_INPUT"


# -- createAppointment -----------------------------------------------------------------------


async def test_create_appointment_answers_it_as_created(gateway: httpx.AsyncClient) -> None:
    new = {
        "subject": "Planning",
        "start": "2025-06-15T10:00:00+02:00",
        "end": "2025-06-15T11:30:00+02:00",
        "userStatus": "DONT_DISTURB",
        "comment": "bring coffee",
        "participants": ["1626711"],
        "calendars": ["1658051"],
        "recurrence": {"type": "WEEKLY", "interval": 2, "weekdays": ["MONDAY", "FRIDAY"]},
    }
    created = data(await execute(gateway, CREATE, {"input": new}))["createAppointment"]
    assert (created["start"], created["end"]) == (
        "2025-06-15T08:00:00+00:00",
        "2025-06-15T09:30:00+00:00",
    )
    assert created["userStatus"] == "DONT_DISTURB"
    assert [p["id"] for p in created["participants"]] == ["1626711"]
    assert created["recurrence"]["weekdays"] == ["MONDAY", "FRIDAY"]
    again = data(await execute(gateway, APPOINTMENT, {"id": created["id"]}))["appointment"]
    assert again == created


async def test_create_all_day_sends_the_date_not_a_utc_instant(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    new = {"subject": "Kerst", "startDate": "2018-12-27", "endDate": "2018-12-27"}
    created = data(await execute(gateway, CREATE, {"input": new}))["createAppointment"]
    sent = next(r["body"] for r in await xelion_requests(upstream) if r["method"] == "POST")
    assert (sent["starttime"], sent["endtime"]) == ("2018-12-27 00:00:00", "2018-12-27 23:59:59")
    assert (sent["allStartDay"], sent["allEndDay"]) == (True, True)
    assert (created["startDate"], created["endDate"]) == ("2018-12-27", "2018-12-27")


async def test_create_with_unknown_calendar_names_the_field(gateway: httpx.AsyncClient) -> None:
    new = {"subject": "x", "start": "2025-06-15T10:00:00Z", "end": "2025-06-15T11:00:00Z"}
    body = await execute(gateway, CREATE, {"input": {**new, "calendars": ["42"]}})
    extensions = only_error(body)["extensions"]
    assert (extensions["code"], extensions["field"]) == ("BAD_USER_INPUT", "calendars")
    assert [e["code"] for e in extensions["fieldErrors"]] == ["NOT_FOUND"]


async def test_create_ending_before_it_starts_gives_bad_user_input(
    gateway: httpx.AsyncClient,
) -> None:
    new = {"subject": "x", "start": "2025-06-15T10:00:00Z", "end": "2025-06-15T09:00:00Z"}
    body = await execute(gateway, CREATE, {"input": new})
    extensions = only_error(body)["extensions"]
    assert (extensions["code"], extensions["field"]) == ("BAD_USER_INPUT", "end")


# -- updateAppointment -----------------------------------------------------------------------


async def test_update_sends_one_operation_per_field_given(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await update(gateway, "1627410", subject="Weekstart", internal=False)
    assert await patches_sent(upstream) == [
        [
            {"op": "replace", "path": "/subject", "value": "Weekstart"},
            {"op": "replace", "path": "/internal", "value": False},
        ]
    ]


async def test_update_of_the_vendor_example_adds_and_removes_relations(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    updated = data(
        await update(
            gateway,
            "1627410",
            addCalendars=["1658218"],
            userStatus="LONG_OUT_OF_OFFICE",
            comment="Test Comment",
            removeParticipants=["167843"],
        )
    )["updateAppointment"]
    assert sorted(op["path"] for op in (await patches_sent(upstream))[0]) == [
        "/calendars",
        "/comment",
        "/participants/167843",
        "/userStatus",
    ]
    assert [c["id"] for c in updated["calendars"]] == ["1658051", "1658218"]
    assert [p["id"] for p in updated["participants"]] == ["1626686"]
    assert (updated["userStatus"], updated["comment"]) == ("LONG_OUT_OF_OFFICE", "Test Comment")


async def test_update_answers_the_appointment_as_re_read(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    updated = data(await update(gateway, "1627410", startDate="2018-12-19"))["updateAppointment"]
    assert (updated["startDate"], updated["start"], updated["allDayStart"]) == (
        "2018-12-19",
        None,
        True,
    )
    methods = [r["method"] for r in await xelion_requests(upstream)]
    assert methods[-2:] == ["PATCH", "GET"]


async def test_update_to_all_day_sends_the_dates_not_utc_instants(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    updated = data(await update(gateway, "1627410", startDate="2018-12-27", endDate="2018-12-27"))[
        "updateAppointment"
    ]
    assert (await patches_sent(upstream))[0] == [
        {"op": "replace", "path": "/allStartDay", "value": True},
        {"op": "replace", "path": "/starttime", "value": "2018-12-27 00:00:00"},
        {"op": "replace", "path": "/allEndDay", "value": True},
        {"op": "replace", "path": "/endtime", "value": "2018-12-27 23:59:59"},
    ]
    assert (updated["startDate"], updated["endDate"]) == ("2018-12-27", "2018-12-27")


async def test_update_to_a_timed_end_clears_the_stored_all_day_flag(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    # 1627500 is all-day; a DateTime end makes its end timed, sent in UTC.
    updated = data(await update(gateway, "1627500", end="2019-03-31T23:30:00+02:00"))
    assert (await patches_sent(upstream))[0] == [
        {"op": "replace", "path": "/allEndDay", "value": False},
        {"op": "replace", "path": "/endtime", "value": "2019-03-31 21:30:00"},
    ]
    answer = updated["updateAppointment"]
    assert (answer["end"], answer["endDate"]) == ("2019-03-31T21:30:00+00:00", None)


async def test_update_with_nothing_given_sends_no_patch(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    updated = data(await update(gateway, "1627410"))["updateAppointment"]
    assert updated["subject"] == "Teamoverleg"
    assert await patches_sent(upstream) == []


async def test_update_adding_and_removing_one_calendar_gives_bad_user_input(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    body = await update(gateway, "1627410", addCalendars=["1658218"], removeCalendars=["1658218"])
    extensions = only_error(body)["extensions"]
    assert (extensions["code"], extensions["field"]) == ("BAD_USER_INPUT", "addCalendars")
    assert await xelion_requests(upstream) == []


async def test_update_of_unknown_appointment_gives_not_found(gateway: httpx.AsyncClient) -> None:
    body = await update(gateway, "999", subject="x")
    assert only_error(body)["extensions"] == {
        "code": "NOT_FOUND",
        "upstream": "appointments",
        "field": "id",
    }


async def test_update_adding_an_unknown_participant_names_the_field_not_the_appointment(
    gateway: httpx.AsyncClient,
) -> None:
    body = await update(gateway, "1627410", addParticipants=["4242"])
    extensions = only_error(body)["extensions"]
    assert (extensions["code"], extensions["field"]) == ("BAD_USER_INPUT", "addParticipants")
    assert extensions["fieldErrors"] == [
        {
            "field": "addParticipants",
            "code": "NOT_FOUND",
            "message": "Xelion knows no addressable or calendar 4242",
        }
    ]


async def test_update_without_permission_gives_forbidden(gateway: httpx.AsyncClient) -> None:
    body = await update(gateway, "1627600", subject="x")
    assert only_error(body)["extensions"] == {"code": "FORBIDDEN", "upstream": "appointments"}


async def test_update_xelion_refuses_gives_bad_user_input(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    # 1627410 starts 2018-12-20 09:00: Xelion refuses an end before that (400/10202).
    body = await update(gateway, "1627410", end="2018-12-19T09:00:00Z")
    # Xelion names no field: the list a form reads is there, empty.
    assert only_error(body)["extensions"] == {
        "code": "BAD_USER_INPUT",
        "upstream": "appointments",
        "fieldErrors": [],
    }


# -- deleteAppointment -----------------------------------------------------------------------


async def test_delete_appointment_answers_its_id_and_removes_it(
    gateway: httpx.AsyncClient,
) -> None:
    assert data(await execute(gateway, DELETE, {"id": "1627410"})) == {
        "deleteAppointment": "1627410"
    }
    body = await execute(gateway, APPOINTMENT, {"id": "1627410"})
    assert only_error(body)["extensions"]["code"] == "NOT_FOUND"


async def test_delete_without_permission_gives_forbidden(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, DELETE, {"id": "1627600"})
    assert only_error(body)["extensions"]["code"] == "FORBIDDEN"


# -- Xelion's other errors, as the contract maps them ----------------------------------------


async def test_refused_login_gives_unauthenticated(simulator_url: str) -> None:
    settings = settings_for(simulator_url, appointments_password="wrong")
    async with gateway_client(settings) as client:
        body = await execute(client, APPOINTMENT, {"id": "1758831"})
    assert only_error(body)["extensions"] == {"code": "UNAUTHENTICATED", "upstream": "appointments"}


async def test_token_refused_after_re_login_gives_unauthenticated(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, "appointments/1758831", 401, 10021)
    body = await execute(gateway, APPOINTMENT, {"id": "1758831"})
    assert only_error(body)["extensions"] == {"code": "UNAUTHENTICATED", "upstream": "appointments"}


async def test_expired_token_is_replaced_without_an_error(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    data(await execute(gateway, APPOINTMENT, {"id": "1758831"}))
    await upstream.post(f"{XELION}/_admin/expire-tokens")
    assert data(await execute(gateway, APPOINTMENT, {"id": "1758831"}))["appointment"]


async def test_throttling_past_the_backoff_gives_rate_limited(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, "appointments/1758831", 429, 10402)
    extensions = only_error(await execute(gateway, APPOINTMENT, {"id": "1758831"}))["extensions"]
    assert extensions["code"] == "RATE_LIMITED"
    assert extensions["upstream"] == "appointments"
    assert extensions["retryAfter"] > 0


async def test_server_error_gives_upstream_unavailable(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, "appointments/1758831", 500, 11000)
    body = await execute(gateway, APPOINTMENT, {"id": "1758831"})
    assert only_error(body)["extensions"] == {
        "code": "UPSTREAM_UNAVAILABLE",
        "upstream": "appointments",
    }


async def test_vendor_bad_id_and_empty_payload_give_bad_user_input(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    for code in (10203, 10200):
        (await upstream.delete("/_admin/faults")).raise_for_status()
        await inject(upstream, "appointments/1627410", 400, code)
        body = await update(gateway, "1627410", subject="x")
        assert only_error(body)["extensions"]["code"] == "BAD_USER_INPUT", code


async def test_failing_appointment_nulls_only_its_own_field(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    query = """query { ok: appointment(id: "1758831") { subject }
                       gone: appointment(id: "999") { subject } }"""
    body = await execute(gateway, query)
    assert body["data"] == {"ok": {"subject": "Taart eten"}, "gone": None}
    assert error_codes(body) == ["NOT_FOUND"]


# -- the bound on Xelion requests in flight --------------------------------------------------


async def test_50_concurrent_appointment_reads_provoke_no_429() -> None:
    # Xelion allows 4 requests of a session at once; each takes 20 ms. Distinct ids, so
    # neither the cache nor single flight can spare the upstream any of the 50 reads.
    throttling = simulators.create_app(latency_seconds=0.02, xelion_max_in_flight=4)
    ids = ["1758831", *(str(2_000_000 + n) for n in range(49))]
    async with serve(throttling) as url, gateway_client(settings_for(url)) as gateway:
        bodies = await asyncio.gather(*(execute(gateway, APPOINTMENT, {"id": i}) for i in ids))
        async with httpx.AsyncClient(base_url=url) as upstream:
            stats = (await upstream.get(f"{XELION}/_admin/stats")).json()
    assert "errors" not in bodies[0]
    assert {code for body in bodies[1:] for code in error_codes(body)} == {"NOT_FOUND"}
    assert stats["throttled"] == 0
    # At least: under load a read that timed out is retried.
    assert stats["requests"]["get"] >= 50


async def test_two_gateways_configured_alike_both_log_in_to_xelion(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    # Two workers or replicas share one APPOINTMENTS_USERSPACE setting; Xelion allows one
    # session per userSpace, so each process must log in under a userSpace of its own.
    settings = settings_for(simulator_url)
    async with gateway_client(settings) as first, gateway_client(settings) as second:
        bodies = [await execute(g, APPOINTMENT, {"id": "1758831"}) for g in (first, second)]
    assert [b.get("errors") for b in bodies] == [None, None]
