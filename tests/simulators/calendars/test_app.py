"""The GRS simulator answers as the pages say (docs/vendors/grs.md)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from calendar_gateway.simulators.calendars.app import CalendarsSimulatorConfig, create_app
from tests.servers import serve

Auth = tuple[str, str]
JsonObject = dict[str, object]

PACKAGE = "/tenant/default/package/default"
DADS = "dcc4a39b-3442-4408-a907-b85c44663681"
DADS_EXTERNAL = "Calendar_117"
ANOTHER = "fdc4a39b-3442-4408-a907-b85c44663622"
IDLE_TIMEOUT = 1800.0

# The pages' examples, verbatim.
LISTED = [
    {
        "calendarId": DADS,
        "extCalendarId": DADS_EXTERNAL,
        "name": "Dad's Dating Calendar",
        "locked": False,
        "lockOwner": None,
        "weekStarts": 6,
        "weekEnds": 7,
        "dayStartsHour": 17,
        "dayStartsMin": 30,
        "dayEndsHour": 23,
        "dayEndsMin": 0,
        "timeZoneId": "EST",
    },
    {
        "calendarId": ANOTHER,
        "extCalendarId": "Calendar_190",
        "name": "Another Calendar",
        "locked": False,
        "lockOwner": None,
        "weekStarts": 1,
        "weekEnds": 7,
        "dayStartsHour": 8,
        "dayStartsMin": 30,
        "dayEndsHour": 11,
        "dayEndsMin": 0,
        "timeZoneId": "America/Cayman",
    },
]


def _exception(name: str, type_: str, placement: str, **fields: object) -> JsonObject:
    return {
        "name": name,
        "type": type_,
        "placement": placement,
        "fixedDate": None,
        "annualMonth": 0,
        "annualDay": 0,
        "relativeType": None,
        "relativeDayOfWeek": 0,
        "relativeMonth": 0,
        "timeChangeStartHour": 0,
        "timeChangeStartMin": 0,
        "timeChangeStopHour": 0,
        "timeChangeStopMin": 0,
        **fields,
    }


CHRISTMAS = _exception("Christmas", "HOLIDAY", "FIXED", fixedDate=30949200000)
NEW_YEAR = _exception("It's New Year's Day", "HOLIDAY", "ANNUAL", annualMonth=1, annualDay=1)
THANKSGIVING = _exception(
    "Thanksgiving",
    "HOLIDAY",
    "RELATIVE",
    relativeType="FOURTH",
    relativeDayOfWeek=5,
    relativeMonth=11,
)
TIME_CHANGE = _exception(
    "A Time Change",
    "TIME_CHANGE",
    "ANNUAL",
    annualMonth=1,
    annualDay=9,
    timeChangeStartHour=12,
    timeChangeStartMin=30,
    timeChangeStopHour=16,
    timeChangeStopMin=22,
)
DADS_BODY = {
    "calendarId": DADS,
    "externalId": DADS_EXTERNAL,
    "name": "Dad's Dating Calendar",
    "locked": False,
    "lockOwner": None,
    "weekStarts": 6,
    "weekEnds": 7,
    "dayStartsHour": 17,
    "dayStartsMin": 30,
    "dayEndsHour": 23,
    "dayEndsMin": 0,
    "timeZoneId": "EST",
    "exceptions": [
        CHRISTMAS,
        NEW_YEAR,
        THANKSGIVING,
        _exception("My Dad's birthday !", "HOLIDAY", "ANNUAL", annualMonth=5, annualDay=20),
        TIME_CHANGE,
        _exception(
            "tc3",
            "TIME_CHANGE",
            "FIXED",
            fixedDate=1428984000000,
            timeChangeStartHour=1,
            timeChangeStartMin=33,
            timeChangeStopHour=7,
            timeChangeStopMin=33,
        ),
        _exception(
            "TC2",
            "TIME_CHANGE",
            "RELATIVE",
            relativeType="EVERY",
            relativeDayOfWeek=1,
            relativeMonth=1,
            timeChangeStartHour=3,
            timeChangeStopHour=19,
        ),
    ],
}
NEW_CALENDAR = {
    "name": "Dad's Calendar",
    "weekStarts": 6,
    "weekEnds": 7,
    "dayStartsHour": 17,
    "dayStartsMin": 30,
    "dayEndsHour": 23,
    "dayEndsMin": 0,
    "timeZoneId": "EST",
}
MODIFICATION = {"weekStarts": 4, "weekEnds": 5, "dayStartsHour": 14, "dayEndsMin": 30}


class FakeClock:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


def _mounted(config: CalendarsSimulatorConfig) -> Starlette:
    return Starlette(routes=[Mount("/grs/v1", app=create_app(config))])


@pytest.fixture(scope="module")
async def grs_url(clock: FakeClock) -> AsyncIterator[str]:
    """The simulator's root, mounted where GRS serves it."""
    config = CalendarsSimulatorConfig(token_idle_timeout_seconds=IDLE_TIMEOUT, clock=clock)
    async with serve(_mounted(config)) as url:
        yield f"{url}/grs/v1/"


@pytest.fixture
async def grs(grs_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=grs_url) as client:
        (await client.post("_admin/reset")).raise_for_status()
        yield client


async def log_in(grs: httpx.AsyncClient, user: str = "demo") -> Auth:
    """Log in with the seeded user whose password is its name; HTTP Basic user:apiToken."""
    response = await grs.get("login", auth=(user, user))
    assert response.status_code == 200
    return (user, response.json()["apiToken"])


async def lock(grs: httpx.AsyncClient, auth: Auth, calendar_id: str = DADS) -> None:
    response = await grs.get(f"{PACKAGE}/lockcalendar/{calendar_id}", auth=auth)
    assert response.status_code == 204


async def body_of(grs: httpx.AsyncClient, auth: Auth, calendar_id: str = DADS) -> JsonObject:
    response = await grs.get(f"{PACKAGE}/businesscalendarbody/{calendar_id}", auth=auth)
    assert response.status_code == 200
    body: JsonObject = response.json()
    return body


async def listed(grs: httpx.AsyncClient, auth: Auth) -> list[JsonObject]:
    response = await grs.get(f"{PACKAGE}/calendars", auth=auth)
    assert response.status_code == 200
    calendars: list[JsonObject] = response.json()["calendars"]
    return calendars


def lock_state(calendar: JsonObject) -> tuple[object, object]:
    return (calendar["locked"], calendar["lockOwner"])


def calendar_flags(permissions: JsonObject) -> list[object]:
    """canViewCalendar, canCreateCalendar, canModifyCalendar, canDeleteCalendar."""
    return [permissions[f"can{verb}Calendar"] for verb in ("View", "Create", "Modify", "Delete")]


def validation_failed(*errors: tuple[str, str, str]) -> JsonObject:
    return {
        "message": "Validation Failed",
        "errors": [
            {"code": code, "field": field, "message": message} for code, field, message in errors
        ],
    }


# --- login and tokens ---------------------------------------------------------------------------


async def test_first_login_returns_api_token_and_zero_last_login(grs: httpx.AsyncClient) -> None:
    response = await grs.get("login", auth=("demo", "demo"))

    assert response.status_code == 200
    assert set(response.json()) == {"apiToken", "lastLogin"}
    assert response.json()["lastLogin"] == 0


async def test_second_login_reports_previous_login_in_epoch_ms(grs: httpx.AsyncClient) -> None:
    before = int(time.time() * 1000)
    await log_in(grs)

    response = await grs.get("login", auth=("demo", "demo"))

    assert before <= response.json()["lastLogin"] <= int(time.time() * 1000)


async def test_login_with_wrong_password_gives_401(grs: httpx.AsyncClient) -> None:
    response = await grs.get("login", auth=("demo", "wrong"))

    assert response.status_code == 401


async def test_login_of_user_who_must_change_password_gives_422_code_1000(
    grs: httpx.AsyncClient,
) -> None:
    response = await grs.get("login", auth=("changeme", "changeme"))

    assert response.status_code == 422
    assert response.json() == {
        "message": "Validation Failed",
        "errors": [{"code": 1000, "message": "Password Change Required"}],
    }


async def test_call_without_credentials_gives_401_apitoken_not_valid(
    grs: httpx.AsyncClient,
) -> None:
    response = await grs.get(f"{PACKAGE}/calendars")

    assert response.status_code == 401
    assert response.json() == {"message": "APIToken not valid"}


async def test_password_is_not_an_api_token(grs: httpx.AsyncClient) -> None:
    response = await grs.get(f"{PACKAGE}/calendars", auth=("demo", "demo"))

    assert response.status_code == 401


async def test_token_is_valid_only_with_its_own_user_name(grs: httpx.AsyncClient) -> None:
    _, token = await log_in(grs, "demo")

    response = await grs.get(f"{PACKAGE}/calendars", auth=("other", token))

    assert response.status_code == 401


async def test_token_expires_after_idle_timeout(grs: httpx.AsyncClient, clock: FakeClock) -> None:
    auth = await log_in(grs)
    clock.advance(IDLE_TIMEOUT)

    response = await grs.get(f"{PACKAGE}/calendars", auth=auth)

    assert response.status_code == 401
    assert response.json() == {"message": "APIToken not valid"}


async def test_each_use_refreshes_token_idle_time(grs: httpx.AsyncClient, clock: FakeClock) -> None:
    auth = await log_in(grs)
    clock.advance(IDLE_TIMEOUT - 1)
    await listed(grs, auth)
    clock.advance(IDLE_TIMEOUT - 1)

    response = await grs.get(f"{PACKAGE}/calendars", auth=auth)

    assert response.status_code == 200


async def test_admin_expire_tokens_invalidates_current_tokens(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)

    expired = await grs.post("_admin/expire-tokens")

    assert expired.json() == {"expired": 1}
    assert (await grs.get(f"{PACKAGE}/calendars", auth=auth)).status_code == 401


async def test_login_after_token_expiry_gives_working_token(grs: httpx.AsyncClient) -> None:
    await log_in(grs)
    await grs.post("_admin/expire-tokens")
    auth = await log_in(grs)

    response = await grs.get(f"{PACKAGE}/calendars", auth=auth)

    assert response.status_code == 200


# --- tenants and permissions --------------------------------------------------------------------


async def test_tenants_lists_the_seeded_tenant(grs: httpx.AsyncClient) -> None:
    response = await grs.get("tenants", auth=await log_in(grs))

    assert response.json() == {"tenants": [{"nodeId": 1, "name": "Environment"}]}


async def test_permissions_of_demo_allow_every_calendar_operation(grs: httpx.AsyncClient) -> None:
    response = await grs.get("permissions/default", auth=await log_in(grs))

    assert calendar_flags(response.json()) == [True, True, True, True]


async def test_permissions_of_viewer_allow_only_viewing(grs: httpx.AsyncClient) -> None:
    response = await grs.get("permissions/1", auth=await log_in(grs, "viewer"))

    assert calendar_flags(response.json()) == [True, False, False, False]


async def test_permissions_for_unknown_tenant_give_403(grs: httpx.AsyncClient) -> None:
    response = await grs.get("permissions/99", auth=await log_in(grs))

    assert response.status_code == 403


# --- reading ------------------------------------------------------------------------------------


async def test_list_matches_vendor_page(grs: httpx.AsyncClient) -> None:
    assert await listed(grs, await log_in(grs)) == LISTED


async def test_body_matches_vendor_page(grs: httpx.AsyncClient) -> None:
    assert await body_of(grs, await log_in(grs)) == DADS_BODY


async def test_body_accepts_external_id(grs: httpx.AsyncClient) -> None:
    assert await body_of(grs, await log_in(grs), DADS_EXTERNAL) == DADS_BODY


async def test_tenant_node_id_addresses_the_default_tenant(grs: httpx.AsyncClient) -> None:
    response = await grs.get("tenant/1/package/default/calendars", auth=await log_in(grs))

    assert response.json() == {"calendars": LISTED}


async def test_viewer_may_read_calendars(grs: httpx.AsyncClient) -> None:
    assert await listed(grs, await log_in(grs, "viewer")) == LISTED


async def test_unknown_tenant_gives_403(grs: httpx.AsyncClient) -> None:
    response = await grs.get("tenant/nope/package/default/calendars", auth=await log_in(grs))

    assert response.status_code == 403


async def test_unknown_package_gives_404(grs: httpx.AsyncClient) -> None:
    response = await grs.get("tenant/default/package/nope/calendars", auth=await log_in(grs))

    assert response.status_code == 404


async def test_unknown_calendar_gives_404(grs: httpx.AsyncClient) -> None:
    response = await grs.get(f"{PACKAGE}/businesscalendarbody/Calendar_999", auth=await log_in(grs))

    assert response.status_code == 404


# --- create -------------------------------------------------------------------------------------


async def test_create_answers_201_with_external_id_as_on_vendor_page(
    grs: httpx.AsyncClient,
) -> None:
    response = await grs.post(f"{PACKAGE}/calendar", json=NEW_CALENDAR, auth=await log_in(grs))

    assert response.status_code == 201
    assert response.json() == {
        "calendarId": "Calendar_201",
        "locked": False,
        "lockOwner": None,
        **NEW_CALENDAR,
    }


async def test_created_calendar_is_listed_with_uuid_and_external_id(
    grs: httpx.AsyncClient,
) -> None:
    auth = await log_in(grs)
    await grs.post(f"{PACKAGE}/calendar", json=NEW_CALENDAR, auth=auth)

    created = (await listed(grs, auth))[-1]

    assert created["extCalendarId"] == "Calendar_201"
    assert await body_of(grs, auth, str(created["calendarId"])) == {
        "calendarId": created["calendarId"],
        "externalId": "Calendar_201",
        "locked": False,
        "lockOwner": None,
        **NEW_CALENDAR,
        "exceptions": [],
    }


async def test_create_by_viewer_gives_403(grs: httpx.AsyncClient) -> None:
    response = await grs.post(
        f"{PACKAGE}/calendar", json=NEW_CALENDAR, auth=await log_in(grs, "viewer")
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("key", "value", "error"),
    [
        ("name", " ", ("1000", "name", "name must be specified")),
        (
            "weekStarts",
            0,
            ("1001", "weekStarts", "weekStarts is invalid. Must be between 1 and 7."),
        ),
        ("weekEnds", 8, ("1002", "weekEnds", "weekEnds is invalid. Must be between 1 and 7.")),
        (
            "dayStartsHour",
            24,
            ("1003", "dayStartsHour", "dayStartsHour is invalid. Must be between 0 and 23."),
        ),
        (
            "dayEndsHour",
            -1,
            ("1004", "dayEndsHour", "dayEndsHour is invalid. Must be between 0 and 23."),
        ),
        (
            "dayStartsMin",
            60,
            ("1005", "dayStartsMin", "dayStartsMin is invalid. Must be between 0 and 59."),
        ),
        (
            "dayEndsMin",
            "30",
            ("1006", "dayEndsMin", "dayEndsMin is invalid. Must be between 0 and 59."),
        ),
        ("timeZoneId", "Mars/Olympus", ("1007", "timeZoneID", "Unrecognized time zone ID.")),
    ],
)
async def test_create_rejects_invalid_field_with_its_code(
    grs: httpx.AsyncClient, key: str, value: object, error: tuple[str, str, str]
) -> None:
    payload = {**NEW_CALENDAR, key: value}

    response = await grs.post(f"{PACKAGE}/calendar", json=payload, auth=await log_in(grs))

    assert response.status_code == 422
    assert response.json() == validation_failed(error)


async def test_create_reports_every_invalid_field_at_once(grs: httpx.AsyncClient) -> None:
    response = await grs.post(f"{PACKAGE}/calendar", json={}, auth=await log_in(grs))

    assert [error["code"] for error in response.json()["errors"]] == [
        str(code) for code in range(1000, 1008)
    ]


@pytest.mark.parametrize(
    "zone", ["EST", "MST", "HST", "PST", "CST", "ECT", "IST", "JST", "America/New_York"]
)
async def test_create_accepts_iana_and_java_short_time_zone_ids(
    grs: httpx.AsyncClient, zone: str
) -> None:
    payload = {**NEW_CALENDAR, "timeZoneId": zone}

    response = await grs.post(f"{PACKAGE}/calendar", json=payload, auth=await log_in(grs))

    assert response.status_code == 201


@pytest.mark.parametrize("zone", ["PDT", "america/new_york", "GMT+1", ""])
async def test_create_rejects_time_zone_ids_java_does_not_know(
    grs: httpx.AsyncClient, zone: str
) -> None:
    payload = {**NEW_CALENDAR, "timeZoneId": zone}

    response = await grs.post(f"{PACKAGE}/calendar", json=payload, auth=await log_in(grs))

    assert response.json() == validation_failed(
        ("1007", "timeZoneID", "Unrecognized time zone ID.")
    )


async def test_created_calendars_get_consecutive_external_ids(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)
    await grs.post(f"{PACKAGE}/calendar", json=NEW_CALENDAR, auth=auth)

    response = await grs.post(f"{PACKAGE}/calendar", json=NEW_CALENDAR, auth=auth)

    assert response.json()["calendarId"] == "Calendar_202"


# --- request bodies -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", f"{PACKAGE}/calendar"),
        ("PUT", f"{PACKAGE}/calendar/{DADS}"),
        ("PUT", f"{PACKAGE}/businesscalendarbody/{DADS}"),
    ],
)
async def test_body_without_json_content_type_gives_415(
    grs: httpx.AsyncClient, method: str, path: str
) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)

    response = await grs.request(
        method, path, content=b"{}", headers={"Content-Type": "text/plain"}, auth=auth
    )

    assert response.status_code == 415


async def test_unreadable_json_gives_400(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)

    # The modify page's own example has this trailing comma.
    response = await grs.put(
        f"{PACKAGE}/calendar/{DADS}",
        content=b'{"weekStarts": 4,}',
        headers={"Content-Type": "application/json"},
        auth=auth,
    )

    assert response.status_code == 400


# --- locks --------------------------------------------------------------------------------------


async def test_lock_shows_owner_in_list_and_body(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)

    await lock(grs, auth)

    dads = (await listed(grs, auth))[0]
    body = await body_of(grs, auth)
    assert lock_state(dads) == lock_state(body) == (True, "demo")


async def test_lock_accepts_external_id(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)

    await lock(grs, auth, DADS_EXTERNAL)

    assert (await body_of(grs, auth))["lockOwner"] == "demo"


async def test_lock_by_other_token_gives_412(grs: httpx.AsyncClient) -> None:
    await lock(grs, await log_in(grs, "other"))

    response = await grs.get(f"{PACKAGE}/lockcalendar/{DADS}", auth=await log_in(grs))

    assert response.status_code == 412


async def test_lock_by_another_token_of_same_user_gives_412(grs: httpx.AsyncClient) -> None:
    await lock(grs, await log_in(grs))

    response = await grs.get(f"{PACKAGE}/lockcalendar/{DADS}", auth=await log_in(grs))

    assert response.status_code == 412


async def test_relock_by_same_token_succeeds(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)

    response = await grs.get(f"{PACKAGE}/lockcalendar/{DADS}", auth=auth)

    assert response.status_code == 204


async def test_lock_by_viewer_gives_403(grs: httpx.AsyncClient) -> None:
    response = await grs.get(f"{PACKAGE}/lockcalendar/{DADS}", auth=await log_in(grs, "viewer"))

    assert response.status_code == 403


async def test_lock_of_unknown_calendar_gives_404(grs: httpx.AsyncClient) -> None:
    response = await grs.get(f"{PACKAGE}/lockcalendar/Calendar_999", auth=await log_in(grs))

    assert response.status_code == 404


async def test_unlock_lets_another_token_lock(grs: httpx.AsyncClient) -> None:
    holder = await log_in(grs, "other")
    await lock(grs, holder)

    unlocked = await grs.get(f"{PACKAGE}/unlockcalendar/{DADS}", auth=holder)

    assert unlocked.status_code == 204
    await lock(grs, await log_in(grs))


async def test_unlock_of_unlocked_calendar_is_204_no_op(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)

    response = await grs.get(f"{PACKAGE}/unlockcalendar/{DADS_EXTERNAL}", auth=auth)

    assert response.status_code == 204
    assert (await body_of(grs, auth))["locked"] is False


async def test_unlock_of_calendar_held_by_other_token_gives_412(grs: httpx.AsyncClient) -> None:
    await lock(grs, await log_in(grs, "other"))
    auth = await log_in(grs)

    response = await grs.get(f"{PACKAGE}/unlockcalendar/{DADS}", auth=auth)

    assert response.status_code == 412
    assert (await body_of(grs, auth))["lockOwner"] == "other"


async def test_token_expiry_releases_its_locks(grs: httpx.AsyncClient, clock: FakeClock) -> None:
    await lock(grs, await log_in(grs, "other"))
    clock.advance(IDLE_TIMEOUT)

    response = await grs.get(f"{PACKAGE}/lockcalendar/{DADS}", auth=await log_in(grs))

    assert response.status_code == 204


async def test_expired_holder_no_longer_shows_as_lock_owner(
    grs: httpx.AsyncClient, clock: FakeClock
) -> None:
    await lock(grs, await log_in(grs, "other"))
    clock.advance(IDLE_TIMEOUT)

    body = await body_of(grs, await log_in(grs))

    assert lock_state(body) == (False, None)


async def test_admin_expire_tokens_releases_locks(grs: httpx.AsyncClient) -> None:
    await lock(grs, await log_in(grs, "other"))
    await grs.post("_admin/expire-tokens")

    response = await grs.get(f"{PACKAGE}/lockcalendar/{DADS}", auth=await log_in(grs))

    assert response.status_code == 204


# --- modify -------------------------------------------------------------------------------------


@pytest.mark.parametrize("calendar_id", [DADS, DADS_EXTERNAL])
async def test_modify_example_from_vendor_page(grs: httpx.AsyncClient, calendar_id: str) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)

    response = await grs.put(f"{PACKAGE}/calendar/{calendar_id}", json=MODIFICATION, auth=auth)

    assert response.status_code == 201
    assert response.json() == {
        "calendarId": "Calendar_117",
        "name": "Dad's Dating Calendar",
        "locked": True,  # the page shows false, but modifying needs the lock
        "lockOwner": "demo",
        "weekStarts": 4,
        "weekEnds": 5,
        "dayStartsHour": 14,
        "dayStartsMin": 30,
        "dayEndsHour": 23,
        "dayEndsMin": 30,
        "timeZoneId": "EST",
    }


async def test_modify_is_kept(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)
    await grs.put(f"{PACKAGE}/calendar/{DADS}", json=MODIFICATION, auth=auth)

    body = await body_of(grs, auth)

    assert {key: body[key] for key in MODIFICATION} == MODIFICATION


async def test_modify_updates_name_and_time_zone(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)
    changes = {"name": "Renamed", "timeZoneId": "PST"}

    response = await grs.put(f"{PACKAGE}/calendar/{DADS}", json=changes, auth=auth)

    assert {key: response.json()[key] for key in changes} == changes


async def test_modify_ignores_fields_not_on_the_list(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)
    changes = {"calendarId": "x", "extCalendarId": "y", "locked": False, "exceptions": []}

    await grs.put(f"{PACKAGE}/calendar/{DADS}", json=changes, auth=auth)

    assert await body_of(grs, auth) == {**DADS_BODY, "locked": True, "lockOwner": "demo"}


async def test_modify_treats_null_as_not_given(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)

    response = await grs.put(f"{PACKAGE}/calendar/{DADS}", json={"weekStarts": None}, auth=auth)

    assert response.json()["weekStarts"] == 6


async def test_modify_without_lock_gives_412(grs: httpx.AsyncClient) -> None:
    response = await grs.put(
        f"{PACKAGE}/calendar/{DADS}", json=MODIFICATION, auth=await log_in(grs)
    )

    assert response.status_code == 412


async def test_modify_while_other_token_holds_lock_gives_412(grs: httpx.AsyncClient) -> None:
    await lock(grs, await log_in(grs, "other"))

    response = await grs.put(
        f"{PACKAGE}/calendar/{DADS}", json=MODIFICATION, auth=await log_in(grs)
    )

    assert response.status_code == 412


async def test_modify_by_viewer_gives_403(grs: httpx.AsyncClient) -> None:
    response = await grs.put(
        f"{PACKAGE}/calendar/{DADS}", json=MODIFICATION, auth=await log_in(grs, "viewer")
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("key", "value", "error"),
    [
        (
            "weekStarts",
            0,
            ("1000", "weekStarts", "weekStarts is invalid. Must be between 1 and 7."),
        ),
        ("weekEnds", 8, ("1001", "weekEnds", "weekEnds is invalid. Must be between 1 and 7.")),
        (
            "dayStartsHour",
            24,
            ("1002", "dayStartsHour", "dayStartsHour is invalid. Must be between 0 and 23."),
        ),
        (
            "dayEndsHour",
            24,
            ("1003", "dayEndsHour", "dayEndsHour is invalid. Must be between 0 and 23."),
        ),
        (
            "dayStartsMin",
            -1,
            ("1004", "dayStartsMin", "dayStartsMin is invalid. Must be between 0 and 59."),
        ),
        (
            "dayEndsMin",
            True,
            ("1005", "dayEndsMin", "dayEndsMin is invalid. Must be between 0 and 59."),
        ),
        ("timeZoneId", "Nowhere", ("1006", "timeZoneID", "Unrecognized time zone ID.")),
    ],
)
async def test_modify_rejects_invalid_field_with_its_code(
    grs: httpx.AsyncClient, key: str, value: object, error: tuple[str, str, str]
) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)

    response = await grs.put(f"{PACKAGE}/calendar/{DADS}", json={key: value}, auth=auth)

    assert response.status_code == 422
    assert response.json() == validation_failed(error)


async def test_rejected_modify_changes_nothing(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)

    await grs.put(f"{PACKAGE}/calendar/{DADS}", json={"weekStarts": 4, "weekEnds": 9}, auth=auth)

    assert (await body_of(grs, auth))["weekStarts"] == 6


# --- body replacement ---------------------------------------------------------------------------


@pytest.mark.parametrize("calendar_id", [DADS, DADS_EXTERNAL])
async def test_body_replacement_example_from_vendor_page(
    grs: httpx.AsyncClient, calendar_id: str
) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)
    await grs.put(f"{PACKAGE}/calendar/{DADS}", json=MODIFICATION, auth=auth)

    response = await grs.put(
        f"{PACKAGE}/businesscalendarbody/{calendar_id}",
        json={"exceptions": [CHRISTMAS, NEW_YEAR]},
        auth=auth,
    )

    assert response.status_code == 201
    assert response.json() == {
        "calendarId": "Calendar_117",
        "name": "Dad's Dating Calendar",
        "locked": True,
        "lockOwner": "demo",
        "weekStarts": 4,
        "weekEnds": 5,
        "dayStartsHour": 14,
        "dayStartsMin": 30,
        "dayEndsHour": 23,
        "dayEndsMin": 30,
        "timeZoneId": "EST",
        "exceptions": [CHRISTMAS, NEW_YEAR],
    }


async def test_body_replacement_replaces_the_whole_list(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)

    await grs.put(
        f"{PACKAGE}/businesscalendarbody/{DADS}", json={"exceptions": [THANKSGIVING]}, auth=auth
    )

    assert (await body_of(grs, auth))["exceptions"] == [THANKSGIVING]


async def test_body_replacement_with_empty_list_removes_every_exception(
    grs: httpx.AsyncClient,
) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)

    await grs.put(f"{PACKAGE}/businesscalendarbody/{DADS}", json={"exceptions": []}, auth=auth)

    assert (await body_of(grs, auth))["exceptions"] == []


async def test_body_stores_only_fields_the_placement_and_type_use(
    grs: httpx.AsyncClient,
) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)
    noisy = {**CHRISTMAS, "annualMonth": 12, "relativeType": "LAST", "timeChangeStartHour": 9}

    response = await grs.put(
        f"{PACKAGE}/businesscalendarbody/{DADS}", json={"exceptions": [noisy]}, auth=auth
    )

    assert response.json()["exceptions"] == [CHRISTMAS]


async def test_body_accepts_relative_month_zero_for_every_month(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)
    every_month = {**THANKSGIVING, "relativeType": "FIRST", "relativeMonth": 0}

    response = await grs.put(
        f"{PACKAGE}/businesscalendarbody/{DADS}", json={"exceptions": [every_month]}, auth=auth
    )

    assert response.status_code == 201


async def test_body_replacement_without_lock_gives_412(grs: httpx.AsyncClient) -> None:
    response = await grs.put(
        f"{PACKAGE}/businesscalendarbody/{DADS}",
        json={"exceptions": []},
        auth=await log_in(grs),
    )

    assert response.status_code == 412


async def test_body_replacement_by_viewer_gives_403(grs: httpx.AsyncClient) -> None:
    response = await grs.put(
        f"{PACKAGE}/businesscalendarbody/{DADS}",
        json={"exceptions": []},
        auth=await log_in(grs, "viewer"),
    )

    assert response.status_code == 403


async def test_body_without_exceptions_list_gives_400(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)

    response = await grs.put(f"{PACKAGE}/businesscalendarbody/{DADS}", json={}, auth=auth)

    assert response.status_code == 400


_BETWEEN_0_AND_23 = "Invalid value. Must be between 0 and 23"
_BETWEEN_0_AND_59 = "Invalid value. Must be between 0 and 59"


@pytest.mark.parametrize(
    ("exception", "error"),
    [
        (
            {**CHRISTMAS, "type": "VACATION"},
            ("1000", "type", "Invalid type. Must be HOLIDAY or TIME_CHANGE"),
        ),
        (
            {**CHRISTMAS, "placement": "WEEKLY"},
            ("1001", "placement", "Invalid placement. Must be ANNUAL, FIXED or RELATIVE"),
        ),
        (
            {**CHRISTMAS, "fixedDate": None},
            ("1002", "fixedDate", "fixedDate must be specified with type of FIXED"),
        ),
        (
            {**NEW_YEAR, "annualMonth": 13},
            ("1003", "annualMonth", "Invalid value. Must be between 1 and 12"),
        ),
        (
            {**NEW_YEAR, "annualDay": 0},
            ("1004", "annualDay", "Invalid value. Must be between 1 and 31."),
        ),
        (
            {**THANKSGIVING, "relativeType": "FIFTH"},
            (
                "1005",
                "relativeType",
                "Invalid value, must be EVERY, FIRST, SECOND, THIRD, FOURTH, or LAST",
            ),
        ),
        (
            {**THANKSGIVING, "relativeDayOfWeek": 8},
            ("1006", "relativeDayOfWeek", "Invalid value. Must be between 1 and 7"),
        ),
        (
            {**THANKSGIVING, "relativeMonth": 13},
            ("1007", "relativeMonth", "Invalid value. Must be between 1 and 12"),
        ),
        (
            {**TIME_CHANGE, "timeChangeStartHour": 24},
            ("1008", "timeChangeStartHour", _BETWEEN_0_AND_23),
        ),
        (
            {**TIME_CHANGE, "timeChangeStartMin": 60},
            ("1009", "timeChangeStartMin", _BETWEEN_0_AND_59),
        ),
        (
            {**TIME_CHANGE, "timeChangeStopHour": None},
            ("1010", "timeChangeStopHour", _BETWEEN_0_AND_23),
        ),
        (
            {**TIME_CHANGE, "timeChangeStopMin": 99},
            ("1011", "timeChangeStopMin", _BETWEEN_0_AND_59),
        ),
    ],
)
async def test_body_rejects_invalid_exception_field_with_its_code(
    grs: httpx.AsyncClient, exception: JsonObject, error: tuple[str, str, str]
) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)

    response = await grs.put(
        f"{PACKAGE}/businesscalendarbody/{DADS}", json={"exceptions": [exception]}, auth=auth
    )

    assert response.status_code == 422
    assert response.json() == validation_failed(error)


async def test_body_reports_errors_of_every_exception_at_once(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)
    exceptions = [{**CHRISTMAS, "type": None}, NEW_YEAR, {**TIME_CHANGE, "annualDay": 40}]

    response = await grs.put(
        f"{PACKAGE}/businesscalendarbody/{DADS}", json={"exceptions": exceptions}, auth=auth
    )

    assert [(e["code"], e["field"]) for e in response.json()["errors"]] == [
        ("1000", "type"),
        ("1004", "annualDay"),
    ]


async def test_rejected_body_leaves_exceptions_unchanged(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)
    exceptions = [NEW_YEAR, {**CHRISTMAS, "placement": None}]

    await grs.put(
        f"{PACKAGE}/businesscalendarbody/{DADS}", json={"exceptions": exceptions}, auth=auth
    )

    assert (await body_of(grs, auth))["exceptions"] == DADS_BODY["exceptions"]


# --- delete -------------------------------------------------------------------------------------


@pytest.mark.parametrize("calendar_id", [DADS, DADS_EXTERNAL])
async def test_delete_with_lock_removes_calendar(grs: httpx.AsyncClient, calendar_id: str) -> None:
    auth = await log_in(grs)
    await lock(grs, auth, calendar_id)

    response = await grs.delete(f"{PACKAGE}/calendar/{calendar_id}", auth=auth)

    assert response.status_code == 204
    assert await listed(grs, auth) == LISTED[1:]


async def test_delete_without_lock_gives_412(grs: httpx.AsyncClient) -> None:
    response = await grs.delete(f"{PACKAGE}/calendar/{DADS}", auth=await log_in(grs))

    assert response.status_code == 412


async def test_delete_by_viewer_gives_403(grs: httpx.AsyncClient) -> None:
    response = await grs.delete(f"{PACKAGE}/calendar/{DADS}", auth=await log_in(grs, "viewer"))

    assert response.status_code == 403


async def test_delete_of_unknown_calendar_gives_404(grs: httpx.AsyncClient) -> None:
    response = await grs.delete(f"{PACKAGE}/calendar/Calendar_999", auth=await log_in(grs))

    assert response.status_code == 404


# --- administration and configuration -----------------------------------------------------------


async def test_stats_count_requests_by_operation(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)
    await lock(grs, auth)
    await listed(grs, auth)

    stats = await grs.get("_admin/stats")

    assert stats.json()["requests"] == {"login": 1, "lockCalendar": 2, "queryBusinessCalendars": 1}


async def test_reset_restores_seed_and_ends_sessions(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)
    await grs.delete(f"{PACKAGE}/calendar/{DADS}", auth=auth)

    await grs.post("_admin/reset")

    assert (await grs.get(f"{PACKAGE}/calendars", auth=auth)).status_code == 401
    assert await listed(grs, await log_in(grs)) == LISTED


async def test_reset_restores_seeded_exceptions(grs: httpx.AsyncClient) -> None:
    auth = await log_in(grs)
    await lock(grs, auth)
    await grs.put(f"{PACKAGE}/businesscalendarbody/{DADS}", json={"exceptions": []}, auth=auth)

    await grs.post("_admin/reset")

    assert await body_of(grs, await log_in(grs)) == DADS_BODY


async def test_without_seed_the_package_is_empty() -> None:
    async with (
        serve(_mounted(CalendarsSimulatorConfig(seed=False))) as url,
        httpx.AsyncClient(base_url=f"{url}/grs/v1/") as grs,
    ):
        assert await listed(grs, await log_in(grs)) == []


async def test_latency_delays_every_vendor_request() -> None:
    async with (
        serve(_mounted(CalendarsSimulatorConfig(latency_seconds=0.2))) as url,
        httpx.AsyncClient(base_url=f"{url}/grs/v1/") as grs,
    ):
        started = time.monotonic()
        await log_in(grs)

        assert time.monotonic() - started >= 0.2


# admin: a calendar locked by someone else, for trying a UI

ADMIN_LOCK = f"_admin/lock/tenant/default/package/default/calendar/{DADS}"


async def test_admin_lock_holds_the_calendar_for_another_user(grs: httpx.AsyncClient) -> None:
    response = await grs.post(ADMIN_LOCK)
    assert response.json() == {"locked": True, "lockOwner": "other"}
    auth = await log_in(grs)
    refused = await grs.get(f"{PACKAGE}/lockcalendar/{DADS}", auth=auth)
    assert refused.status_code == 412
    mine = next(c for c in await listed(grs, auth) if c["calendarId"] == DADS)
    assert lock_state(mine) == (True, "other")


async def test_admin_lock_names_the_user_and_accepts_the_external_id(
    grs: httpx.AsyncClient,
) -> None:
    path = "_admin/lock/tenant/1/package/default/calendar/Calendar_117"
    response = await grs.post(path, params={"user": "viewer"})
    assert response.json()["lockOwner"] == "viewer"
    assert (await grs.post(path, params={"user": "nobody"})).status_code == 404


async def test_admin_unlock_releases_the_lock_whoever_holds_it(grs: httpx.AsyncClient) -> None:
    await grs.post(ADMIN_LOCK)
    assert (await grs.delete(ADMIN_LOCK)).status_code == 204
    await lock(grs, await log_in(grs))


async def test_admin_lock_of_an_unknown_calendar_is_404(grs: httpx.AsyncClient) -> None:
    response = await grs.post("_admin/lock/tenant/default/package/default/calendar/nope")
    assert response.status_code == 404
