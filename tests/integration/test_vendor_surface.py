"""Every documented vendor read as a typed field, over real HTTP, against the simulators."""

from __future__ import annotations

import httpx

from tests.client import execute
from tests.conftest import gateway_client, settings_for

EGON = "137463"
HENK = "1626686"  # the Xelion person who owns the seeded appointments


async def test_booking_days_are_the_real_slots(gateway: httpx.AsyncClient) -> None:
    # docs/vendors/synergist.md, Calendar Refresh: "3 day, 2 hours per day", 7 to 9 November.
    body = await execute(gateway, """query($id: ID!) { booking(id: $id) {
        days { date start end hours } status requestStatus notes description task stage
        recordVersion } }""", {"id": EGON})  # fmt: skip
    booking = body["data"]["booking"]
    assert booking["days"] == [
        {"date": f"2017-11-0{d}", "start": f"2017-11-0{d}T09:00:00",
         "end": f"2017-11-0{d}T11:00:00", "hours": 2.0}
        for d in (7, 8, 9)
    ]  # fmt: skip
    assert booking["status"] == "Normal"
    assert (booking["notes"], booking["task"], booking["recordVersion"]) == ("", "", 0)


async def test_booking_record_version_goes_up_with_an_update(gateway: httpx.AsyncClient) -> None:
    update = """mutation($input: UpdateBookingInput!) { updateBooking(input: $input) {
        recordVersion days { date } } }"""
    body = await execute(gateway, update, {"input": {"id": EGON, "resourceId": "34"}})
    assert body["data"]["updateBooking"]["recordVersion"] == 1
    assert len(body["data"]["updateBooking"]["days"]) == 3


async def test_unallocated_work_lists_what_can_be_booked(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, """{ unallocatedWork(company: "1", sort: REMAINING,
        direction: DESC) { totalCount edges { cursor node { timeSummaryId client { code }
        job { number phase { number } } chargeCode { code }
        allocation { estimatedHours remainingHours } } } } }""")  # fmt: skip
    work = body["data"]["unallocatedWork"]
    assert work["totalCount"] == 1
    node = work["edges"][0]["node"]
    assert node["timeSummaryId"] == "1014302"
    assert node["allocation"] == {"estimatedHours": 200.0, "remainingHours": 200.0}


async def test_unallocated_work_shrinks_when_booked(gateway: httpx.AsyncClient) -> None:
    create = """mutation { createBooking(input: {timeSummaryId: "1014302", resourceId: "198",
        start: "2020-05-05T09:00:00", numberOfDays: 1, durationHours: 8}) { warnings } }"""
    assert "errors" not in await execute(gateway, create)
    body = await execute(gateway, '{ unallocatedWork(job: "10482") { edges { node { '
                         "allocation { remainingHours } } } } }")  # fmt: skip
    edges = body["data"]["unallocatedWork"]["edges"]
    assert edges[0]["node"]["allocation"]["remainingHours"] == 192.0


async def test_unallocated_work_filters_to_nothing(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, '{ unallocatedWork(client: "3/ET") { totalCount edges '
                         "{ cursor } pageInfo { hasNextPage endCursor } } }")  # fmt: skip
    assert body["data"]["unallocatedWork"] == {
        "totalCount": 0, "edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}
    }  # fmt: skip


async def test_calendar_tenants_and_permissions(gateway: httpx.AsyncClient) -> None:
    body = await execute(
        gateway,
        """{ calendarTenants { id name }
        calendarPermissions(tenantId: "1") { view create modify delete } }""",
    )
    assert body["data"]["calendarTenants"] == [{"id": "1", "name": "Environment"}]
    assert body["data"]["calendarPermissions"] == {
        "view": True, "create": True, "modify": True, "delete": True
    }  # fmt: skip


async def test_viewer_can_tells_a_read_only_user_before_forbidden(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    settings = settings_for(simulator_url, calendars_user="viewer", calendars_password="viewer")
    async with gateway_client(settings) as client:
        body = await execute(client, """{ businessCalendarsConnection { edges { node {
            name viewerCan { view create modify delete } } } } }""")  # fmt: skip
    nodes = [e["node"] for e in body["data"]["businessCalendarsConnection"]["edges"]]
    assert nodes
    for node in nodes:
        assert node["viewerCan"] == {
            "view": True, "create": False, "modify": False, "delete": False
        }  # fmt: skip
    stats = (await upstream.get("/grs/v1/_admin/stats")).json()["requests"]
    assert stats["permissions"] == 1  # once for every calendar of the page


async def test_appointment_owner_common_name_and_recurrence(gateway: httpx.AsyncClient) -> None:
    body = await execute(
        gateway,
        """{ appointmentsConnection(calendarId: "1557367",
        from: "2017-01-01", to: "2017-12-31") { edges { node { id commonName isRecurring
        owner { id name type } participants { id name } calendars { id name } } } } }""",
    )
    nodes = {e["node"]["id"]: e["node"] for e in body["data"]["appointmentsConnection"]["edges"]}
    assert nodes["1758518"]["isRecurring"] is True
    assert nodes["1758831"]["isRecurring"] is False
    assert nodes["1758518"]["commonName"]
    assert nodes["1758831"]["owner"] == {"id": HENK, "name": "Haas Henk", "type": "Person"}
    assert nodes["1758831"]["calendars"] == [{"id": "1557367", "name": "Henk"}]


async def test_addressable_appointments_are_a_persons(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, """query($id: ID!) { addressableAppointments(
        addressableId: $id, from: "2017-01-01", to: "2018-12-31", first: 100) {
        edges { node { id owner { id } } } } }""", {"id": HENK})  # fmt: skip
    ids = [e["node"]["id"] for e in body["data"]["addressableAppointments"]["edges"]]
    assert {"1758518", "1758831", "1627410", "1627500"} <= set(ids)
