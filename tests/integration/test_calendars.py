"""Business calendars through the gateway, over real HTTP, against the GRS simulator."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.client import error_codes, execute
from tests.conftest import gateway_client, settings_for

DADS = "dcc4a39b-3442-4408-a907-b85c44663681"
ANOTHER = "fdc4a39b-3442-4408-a907-b85c44663622"
PACKAGE = "/grs/v1/tenant/default/package/default"

CALENDAR_FIELDS = """
    id externalId tenantId packageId name locked lockOwner weekStarts weekEnds
    dayStarts dayEnds timeZone raw
    exceptions { name type placement fixedDate annualMonth annualDay relativeType
                 relativeDayOfWeek relativeMonth timeChangeStart timeChangeStop }
"""

ADD = """
mutation Add($id: ID!, $exception: CalendarExceptionInput!) {
  addCalendarException(id: $id, exception: $exception) { id locked exceptions { name } }
}"""


def holiday(name: str, month: int = 7, day: int = 4) -> dict[str, Any]:
    return {"name": name, "type": "HOLIDAY", "placement": "ANNUAL", "annualMonth": month,
            "annualDay": day}  # fmt: skip


async def grs_as(upstream: httpx.AsyncClient, user: str) -> httpx.BasicAuth:
    login = await upstream.get("/grs/v1/login", auth=(user, user))
    login.raise_for_status()
    return httpx.BasicAuth(user, login.json()["apiToken"])


async def locks(upstream: httpx.AsyncClient) -> dict[str, bool]:
    """Which calendars GRS itself reports as locked, asked as another user."""
    auth = await grs_as(upstream, "other")
    listing = await upstream.get(f"{PACKAGE}/calendars", auth=auth)
    return {c["calendarId"]: c["locked"] for c in listing.json()["calendars"]}


async def exception_names(upstream: httpx.AsyncClient, calendar_id: str = DADS) -> list[str]:
    auth = await grs_as(upstream, "other")
    body = await upstream.get(f"{PACKAGE}/businesscalendarbody/{calendar_id}", auth=auth)
    return [e["name"] for e in body.json()["exceptions"]]


async def grs_requests(upstream: httpx.AsyncClient) -> dict[str, int]:
    stats: dict[str, int] = (await upstream.get("/grs/v1/_admin/stats")).json()["requests"]
    return stats


async def inject(upstream: httpx.AsyncClient, **fault: Any) -> None:
    (await upstream.post("/_admin/faults", json=fault)).raise_for_status()


async def until_unlocked(upstream: httpx.AsyncClient, calendar_id: str = DADS) -> None:
    """Poll GRS (bounded) until the calendar's lock is given back."""
    for _ in range(200):
        if not (await locks(upstream))[calendar_id]:
            return
        await asyncio.sleep(0.025)
    pytest.fail("the calendar stayed locked")


async def test_business_calendars_lists_the_seeded_calendars(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, "{ businessCalendars { id externalId name weekStarts } }")
    assert body["data"]["businessCalendars"] == [
        {"id": DADS, "externalId": "Calendar_117", "name": "Dad's Dating Calendar",
         "weekStarts": "FRIDAY"},
        {"id": ANOTHER, "externalId": "Calendar_190", "name": "Another Calendar",
         "weekStarts": "SUNDAY"},
    ]  # fmt: skip


async def test_business_calendar_by_external_id_speaks_graphql(
    gateway: httpx.AsyncClient,
) -> None:
    query = f'{{ businessCalendar(id: "Calendar_117") {{ {CALENDAR_FIELDS} }} }}'
    calendar = (await execute(gateway, query))["data"]["businessCalendar"]
    assert calendar["id"] == DADS
    assert (calendar["dayStarts"], calendar["dayEnds"], calendar["timeZone"]) == (
        "17:30", "23:00", "EST"
    )  # fmt: skip
    assert calendar["raw"]["externalId"] == "Calendar_117"
    by_name = {e["name"]: e for e in calendar["exceptions"]}
    assert by_name["Christmas"]["fixedDate"] == "1970-12-25"
    assert by_name["Thanksgiving"]["relativeType"] == "FOURTH"
    assert by_name["Thanksgiving"]["relativeDayOfWeek"] == "THURSDAY"
    assert by_name["Thanksgiving"]["relativeMonth"] == 11
    assert by_name["A Time Change"]["timeChangeStart"] == "12:30"
    assert by_name["A Time Change"]["timeChangeStop"] == "16:22"


async def test_unknown_calendar_is_not_found(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, '{ businessCalendar(id: "Calendar_999") { id } }')
    assert body["data"] == {"businessCalendar": None}
    assert error_codes(body) == ["NOT_FOUND"]
    assert body["errors"][0]["extensions"]["upstream"] == "calendars"


async def test_create_business_calendar_answers_both_ids(gateway: httpx.AsyncClient) -> None:
    mutation = """mutation { createBusinessCalendar(input: {name: "Support", weekStarts: MONDAY,
      weekEnds: FRIDAY, dayStarts: "08:00", dayEnds: "17:00", timeZone: "Europe/Amsterdam"})
      { id externalId name weekStarts dayEnds timeZone exceptions { name } } }"""
    created = (await execute(gateway, mutation))["data"]["createBusinessCalendar"]
    assert created["externalId"].startswith("Calendar_")
    assert len(created["id"]) == 36
    assert (created["name"], created["weekStarts"], created["dayEnds"]) == (
        "Support", "MONDAY", "17:00"
    )  # fmt: skip
    assert created["exceptions"] == []


async def test_update_business_calendar_changes_only_the_given_fields(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    mutation = f"""mutation {{ updateBusinessCalendar(id: "{DADS}",
      input: {{weekStarts: WEDNESDAY, dayStarts: "14:30"}}) {{ {CALENDAR_FIELDS} }} }}"""
    updated = (await execute(gateway, mutation))["data"]["updateBusinessCalendar"]
    assert (updated["weekStarts"], updated["dayStarts"]) == ("WEDNESDAY", "14:30")
    assert (updated["weekEnds"], updated["dayEnds"], updated["name"]) == (
        "SATURDAY", "23:00", "Dad's Dating Calendar"
    )  # fmt: skip
    assert updated["locked"] is False
    assert (await locks(upstream))[DADS] is False


async def test_update_rejects_an_explicit_null_before_any_upstream_call(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    mutation = (
        f'mutation {{ updateBusinessCalendar(id: "{DADS}", input: {{name: null}}) {{ id }} }}'
    )
    body = await execute(gateway, mutation)
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "lockCalendar" not in await grs_requests(upstream)


async def test_an_explicit_null_is_refused_in_graphql_terms_not_python_ones(
    gateway: httpx.AsyncClient,
) -> None:
    # Found by schema fuzzing: Strawberry's message spelled out Maybe[...] and the repr
    # of the enum's Python definition.
    mutation = """mutation {
      updateBusinessCalendar(id: "Calendar_117", input: {weekStarts: null}) { id } }"""
    body = await execute(gateway, mutation)
    assert (
        body["errors"][0]["message"] == "Field 'weekStarts' cannot be null: leave it out instead."
    )


async def test_an_explicit_null_in_variables_is_bad_user_input_before_any_upstream_call(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    # Found by schema fuzzing: Strawberry refuses it while executing, and the error had no code.
    mutation = """mutation($input: UpdateBusinessCalendarInput!) {
      updateBusinessCalendar(id: "Calendar_117", input: $input) { id } }"""
    body = await execute(gateway, mutation, {"input": {"weekStarts": None}})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "Maybe" not in body["errors"][0]["message"]
    assert "lockCalendar" not in await grs_requests(upstream)


async def test_malformed_local_time_is_bad_user_input(gateway: httpx.AsyncClient) -> None:
    mutation = """mutation($t: LocalTime!) {
      updateBusinessCalendar(id: "x", input: {dayStarts: $t}) { id } }"""
    body = await execute(gateway, mutation, {"t": "25:00"})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "HH:MM" in body["errors"][0]["message"]


async def test_replace_calendar_exceptions_replaces_them_all(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    mutation = """mutation Replace($id: ID!, $exceptions: [CalendarExceptionInput!]!) {
      replaceCalendarExceptions(id: $id, exceptions: $exceptions) {
        exceptions { name placement fixedDate relativeMonth timeChangeStart timeChangeStop } } }"""
    exceptions = [
        {"name": "Launch", "type": "HOLIDAY", "placement": "FIXED", "fixedDate": "2026-12-01"},
        {"name": "Short Mondays", "type": "TIME_CHANGE", "placement": "RELATIVE",
         "relativeType": "EVERY", "relativeDayOfWeek": "MONDAY", "relativeMonth": 3,
         "timeChangeStart": "09:00", "timeChangeStop": "12:00"},
    ]  # fmt: skip
    body = await execute(gateway, mutation, {"id": DADS, "exceptions": exceptions})
    assert body["data"]["replaceCalendarExceptions"]["exceptions"] == [
        {"name": "Launch", "placement": "FIXED", "fixedDate": "2026-12-01",
         "relativeMonth": None, "timeChangeStart": None, "timeChangeStop": None},
        {"name": "Short Mondays", "placement": "RELATIVE", "fixedDate": None,
         "relativeMonth": 3, "timeChangeStart": "09:00", "timeChangeStop": "12:00"},
    ]  # fmt: skip
    assert await exception_names(upstream) == ["Launch", "Short Mondays"]
    assert (await locks(upstream))[DADS] is False


async def test_fixed_date_is_sent_as_local_midnight_of_the_calendar_zone(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    christmas = {"name": "Xmas", "type": "HOLIDAY", "placement": "FIXED", "fixedDate": "1970-12-25"}
    await execute(gateway, ADD, {"id": DADS, "exception": christmas})
    auth = await grs_as(upstream, "other")
    body = (await upstream.get(f"{PACKAGE}/businesscalendarbody/{DADS}", auth=auth)).json()
    stored = next(e for e in body["exceptions"] if e["name"] == "Xmas")
    assert stored["fixedDate"] == 30949200000  # the vendor page's Christmas, EST midnight


async def test_an_edit_sends_the_exceptions_it_keeps_as_grs_stores_them(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    # The seed's tc3 is midnight in New York (the vendor's example), not in the calendar's EST.
    auth = await grs_as(upstream, "other")
    path = f"{PACKAGE}/businesscalendarbody/{DADS}"
    before = (await upstream.get(path, auth=auth)).json()["exceptions"]
    assert [e["fixedDate"] for e in before if e["name"] == "tc3"] == [1428984000000]

    await execute(gateway, ADD, {"id": DADS, "exception": holiday("Fourth")})

    after = (await upstream.get(path, auth=auth)).json()["exceptions"]
    assert after[:-1] == before
    assert after[-1]["name"] == "Fourth"


async def test_add_then_remove_calendar_exception(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    added = await execute(gateway, ADD, {"id": "Calendar_190", "exception": holiday("Fourth")})
    assert added["data"]["addCalendarException"] == {
        "id": ANOTHER, "locked": False, "exceptions": [{"name": "Fourth"}]
    }  # fmt: skip
    remove = 'mutation { removeCalendarException(id: "Calendar_190", name: "Fourth") { exceptions { name } } }'  # noqa: E501
    removed = await execute(gateway, remove)
    assert removed["data"]["removeCalendarException"]["exceptions"] == []
    assert await exception_names(upstream, ANOTHER) == []


async def test_remove_unknown_exception_is_bad_user_input_and_unlocks(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    remove = f'mutation {{ removeCalendarException(id: "{DADS}", name: "Nope") {{ id }} }}'
    body = await execute(gateway, remove)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert (await locks(upstream))[DADS] is False


async def test_invalid_exception_is_rejected_before_any_upstream_call(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    body = await execute(gateway, ADD, {"id": DADS, "exception": holiday("Bad", month=13)})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "annualMonth"
    assert "lockCalendar" not in await grs_requests(upstream)


async def test_delete_business_calendar(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    body = await execute(gateway, 'mutation { deleteBusinessCalendar(id: "Calendar_190") }')
    assert body["data"] == {"deleteBusinessCalendar": ANOTHER}
    assert list(await locks(upstream)) == [DADS]


async def test_upstream_validation_failure_is_mapped_and_unlocks(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    field_error = {"code": "1007", "field": "relativeMonth", "message": "Invalid value"}
    grs_says = {"message": "Validation Failed", "errors": [field_error]}
    await inject(upstream, method="PUT", path="businesscalendarbody", status=422, body=grs_says)
    body = await execute(gateway, ADD, {"id": DADS, "exception": holiday("Disputed")})
    assert error_codes(body) == ["VALIDATION_FAILED"]
    assert body["errors"][0]["extensions"]["fieldErrors"] == [field_error]
    assert (await locks(upstream))[DADS] is False


async def test_upstream_500_mid_edit_is_unavailable_and_unlocks(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, method="PUT", path="businesscalendarbody", status=500)
    body = await execute(gateway, ADD, {"id": DADS, "exception": holiday("Lost")})
    assert error_codes(body) == ["UPSTREAM_UNAVAILABLE"]
    assert body["errors"][0]["extensions"]["upstream"] == "calendars"
    assert (await locks(upstream))[DADS] is False
    assert "Lost" not in await exception_names(upstream)


async def test_upstream_timeout_mid_edit_is_unavailable_and_unlocks(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, method="PUT", path="businesscalendarbody", delay=2.0)
    settings = settings_for(simulator_url, upstream_timeout_seconds=0.5)
    async with gateway_client(settings) as gateway:
        body = await execute(gateway, ADD, {"id": DADS, "exception": holiday("Slow")})
    assert error_codes(body) == ["UPSTREAM_UNAVAILABLE"]
    assert (await locks(upstream))[DADS] is False


async def test_client_disconnect_mid_edit_still_finishes_and_unlocks(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, method="PUT", path="businesscalendarbody", delay=0.5)
    variables = {"query": ADD, "variables": {"id": DADS, "exception": holiday("Orphan")}}
    with pytest.raises(httpx.ReadTimeout):
        await gateway.post("/graphql", json=variables, timeout=0.1)
    await until_unlocked_after_write(upstream)
    assert "Orphan" in await exception_names(upstream)


async def until_unlocked_after_write(upstream: httpx.AsyncClient) -> None:
    for _ in range(200):
        if (await grs_requests(upstream)).get("unlockCalendar"):
            break
        await asyncio.sleep(0.025)
    await until_unlocked(upstream)


async def test_two_concurrent_adds_through_one_gateway_both_land(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    first, second = await asyncio.gather(
        execute(gateway, ADD, {"id": DADS, "exception": holiday("One", day=1)}),
        execute(gateway, ADD, {"id": "Calendar_117", "exception": holiday("Two", day=2)}),
    )
    assert "errors" not in first
    assert "errors" not in second
    names = await exception_names(upstream)
    assert {"One", "Two"} <= set(names)
    assert (await locks(upstream))[DADS] is False


async def test_calendar_locked_by_another_user_names_the_owner(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    other = await grs_as(upstream, "other")
    (await upstream.get(f"{PACKAGE}/lockcalendar/{DADS}", auth=other)).raise_for_status()
    body = await execute(gateway, ADD, {"id": DADS, "exception": holiday("Blocked")})
    assert error_codes(body) == ["CALENDAR_LOCKED"]
    assert body["errors"][0]["extensions"]["lockOwner"] == "other"
    assert (await locks(upstream))[DADS] is True  # still the other user's


async def test_expired_token_between_requests_is_renewed(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await execute(gateway, "{ businessCalendars { id } }")
    (await upstream.post("/grs/v1/_admin/expire-tokens")).raise_for_status()
    body = await execute(gateway, "{ businessCalendars { id } }")
    assert "errors" not in body
    assert len(body["data"]["businessCalendars"]) == 2


async def test_token_expiring_mid_session_is_recovered_by_relogin(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, method="PUT", path="businesscalendarbody", delay=0.3)
    edit = asyncio.create_task(
        execute(gateway, ADD, {"id": DADS, "exception": holiday("Survivor")})
    )
    for _ in range(200):  # wait, bounded, until the session holds the upstream lock
        if (await grs_requests(upstream)).get("lockCalendar"):
            break
        await asyncio.sleep(0.01)
    (await upstream.post("/grs/v1/_admin/expire-tokens")).raise_for_status()
    body = await edit
    assert "errors" not in body, body
    assert "Survivor" in await exception_names(upstream)
    assert (await locks(upstream))[DADS] is False


async def test_viewer_credentials_are_forbidden_to_edit(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    settings = settings_for(simulator_url, calendars_user="viewer", calendars_password="viewer")
    async with gateway_client(settings) as gateway:
        read = await execute(gateway, "{ businessCalendars { id } }")
        body = await execute(gateway, ADD, {"id": DADS, "exception": holiday("Nope")})
    assert "errors" not in read
    assert error_codes(body) == ["FORBIDDEN"]


async def test_wrong_gateway_password_is_unauthenticated(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    settings = settings_for(simulator_url, calendars_password="wrong")
    async with gateway_client(settings) as gateway:
        body = await execute(gateway, "{ businessCalendars { id } }")
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert "wrong" not in str(body)


async def test_a_syntax_error_is_coded_graphql_parse_failed(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, "{ businessCalendars { ")
    assert error_codes(body) == ["GRAPHQL_PARSE_FAILED"]


async def test_one_calendar_asked_for_under_aliases_is_read_once(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    aliases = " ".join(
        f'c{n}: businessCalendar(id: "{DADS}") {{ name exceptions {{ name }} }}' for n in range(5)
    )
    await execute(gateway, "{ businessCalendars { id } }")  # logged in: no 401 and retry below
    before = (await grs_requests(upstream)).get("queryBusinessCalendarBody", 0)
    body = await execute(gateway, f"{{ {aliases} }}")
    assert "errors" not in body
    assert (await grs_requests(upstream))["queryBusinessCalendarBody"] == before + 1


async def test_shutdown_lets_an_orphaned_edit_finish_and_unlock(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, method="PUT", path="businesscalendarbody", delay=0.5)
    variables = {"query": ADD, "variables": {"id": DADS, "exception": holiday("Last")}}
    async with gateway_client(settings_for(simulator_url)) as gateway:
        with pytest.raises(httpx.ReadTimeout):
            await gateway.post("/graphql", json=variables, timeout=0.1)
    # The gateway has shut down; its edit was under way when it began to.
    assert (await locks(upstream))[DADS] is False
    assert "Last" in await exception_names(upstream)


async def test_a_mutation_answers_the_state_after_its_unlock_typed_and_raw_alike(
    gateway: httpx.AsyncClient,
) -> None:
    mutation = """mutation Add($id: ID!, $exception: CalendarExceptionInput!) {
      addCalendarException(id: $id, exception: $exception) { locked lockOwner raw } }"""
    body = await execute(gateway, mutation, {"id": DADS, "exception": holiday("After")})
    answer = body["data"]["addCalendarException"]
    assert (answer["locked"], answer["lockOwner"]) == (False, None)
    assert (answer["raw"]["locked"], answer["raw"]["lockOwner"]) == (False, None)
    assert "After" in [e["name"] for e in answer["raw"]["exceptions"]]
