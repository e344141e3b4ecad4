"""iCalendar feeds over real HTTP: each feed parsed back by vobject (not the icalendar package
the gateway writes with) and compared with GraphQL's answer for the same window."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
import vobject

from calendar_gateway.settings import ENV_PREFIX
from tests.client import error_codes, execute
from tests.conftest import gateway_client, settings_for
from tests.integration.test_replicas import replica_env
from tests.servers import serve_gateway_process

SECRET = "feed-secret-for-tests-0123456789abcdef"
DADS = "dcc4a39b-3442-4408-a907-b85c44663681"
COMPANY, RESOURCE = "1", "198"

BOOKINGS_FEED = """
mutation($company: String!, $resource: ID!) {
  createBookingsFeed(company: $company, resourceId: $resource) { url kind daysBack daysAhead }
}"""
HOLIDAYS_FEED = "mutation($id: ID!) { createHolidaysFeed(id: $id) { url kind } }"
CREATE_BOOKING = """
mutation($input: CreateBookingInput!) { createBooking(input: $input) { bookings { id } } }"""


@pytest.fixture
async def gateway_with_feeds(
    simulator_url: str, upstream: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(simulator_url, feed_secret=SECRET, cache_ttl_seconds=0)
    async with gateway_client(settings) as client:
        yield client


def window() -> tuple[date, date]:
    today = datetime.now(UTC).date()
    return today - timedelta(days=30), today + timedelta(days=180)


def next_monday() -> datetime:
    """A working day within the window, whatever day the tests run on."""
    today = datetime.now(UTC).date()
    return datetime.combine(today + timedelta(days=7 - today.weekday()), datetime.min.time())


async def mint(gateway: httpx.AsyncClient, query: str, **variables: Any) -> str:
    body = await execute(gateway, query, variables)
    assert "errors" not in body, body
    link: dict[str, Any] = next(iter(body["data"].values()))
    return str(urlsplit(link["url"]).path)


async def book(gateway: httpx.AsyncClient, start: datetime, **fields: Any) -> None:
    booking = {"timeSummaryId": "1014302", "resourceId": RESOURCE, "start": start.isoformat(),
               "end": (start + timedelta(hours=2)).isoformat(), **fields}  # fmt: skip
    body = await execute(gateway, CREATE_BOOKING, {"input": booking})
    assert "errors" not in body, body


async def events(gateway: httpx.AsyncClient, path: str) -> list[Any]:
    response = await gateway.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    parsed = vobject.readOne(response.text)
    return list(getattr(parsed, "vevent_list", []))


async def test_bookings_feed_lists_the_resource_s_bookings_as_graphql_does(
    gateway_with_feeds: httpx.AsyncClient,
) -> None:
    soon = next_monday()
    await book(gateway_with_feeds, soon.replace(hour=9))
    await book(gateway_with_feeds, soon.replace(hour=13), resourceId="405")  # someone else's
    await book(gateway_with_feeds, soon + timedelta(days=1), allDay=True)
    path = await mint(gateway_with_feeds, BOOKINGS_FEED, company=COMPANY, resource=RESOURCE)
    first, last = window()
    listed = await execute(
        gateway_with_feeds,
        'query($from: Date!, $to: Date!) { bookingsInRange(company: "1", from: $from, to: $to)'
        " { id resource { id } start end allDay job { description } } }",
        {"from": first.isoformat(), "to": last.isoformat()},
    )
    expected = {
        f"booking-{b['id']}@calendar-gateway": b
        for b in listed["data"]["bookingsInRange"]
        if b["resource"]["id"] == RESOURCE
    }

    found = {e.uid.value: e for e in await events(gateway_with_feeds, path)}

    assert len(expected) >= 2
    assert found.keys() == expected.keys()
    for uid, booking in expected.items():
        event = found[uid]
        assert event.summary.value == booking["job"]["description"]
        start, end = event.dtstart.value, event.dtend.value
        if booking["allDay"]:
            assert start == date.fromisoformat(booking["start"][:10])
            assert end == date.fromisoformat(booking["end"][:10]) + timedelta(days=1)
        else:
            # Floating: Synergist's wall clock, without zone, as GraphQL gives it.
            assert start.tzinfo is None
            assert (start.isoformat(), end.isoformat()) == (booking["start"], booking["end"])


async def test_holidays_feed_lists_each_holiday_date_as_graphql_does(
    gateway_with_feeds: httpx.AsyncClient,
) -> None:
    path = await mint(gateway_with_feeds, HOLIDAYS_FEED, id=DADS)
    first, last = window()
    body = await execute(
        gateway_with_feeds,
        "query($id: ID!, $from: Date!, $to: Date!) { businessCalendar(id: $id)"
        " { exceptions { name type occurrences(from: $from, to: $to) } } }",
        {"id": DADS, "from": first.isoformat(), "to": last.isoformat()},
    )
    expected = sorted(
        (day, e["name"])
        for e in body["data"]["businessCalendar"]["exceptions"]
        if e["type"] == "HOLIDAY"
        for day in e["occurrences"]
    )

    found = await events(gateway_with_feeds, path)

    assert expected, "the window holds some of the seeded holidays"
    assert sorted((e.dtstart.value.isoformat(), e.summary.value) for e in found) == expected
    for event in found:
        assert event.dtend.value == event.dtstart.value + timedelta(days=1)
        assert event.transp.value == "TRANSPARENT"


async def test_feed_answers_not_modified_to_its_etag_until_its_data_changes(
    gateway_with_feeds: httpx.AsyncClient,
) -> None:
    path = await mint(gateway_with_feeds, BOOKINGS_FEED, company=COMPANY, resource=RESOURCE)
    etag = (await gateway_with_feeds.get(path)).headers["etag"]

    same = await gateway_with_feeds.get(path, headers={"If-None-Match": etag})
    await book(gateway_with_feeds, next_monday().replace(hour=10))
    changed = await gateway_with_feeds.get(path, headers={"If-None-Match": etag})

    assert (same.status_code, same.content, same.headers["etag"]) == (304, b"", etag)
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


async def test_tampered_or_foreign_tokens_open_no_feed(
    gateway_with_feeds: httpx.AsyncClient,
) -> None:
    path = await mint(gateway_with_feeds, BOOKINGS_FEED, company=COMPANY, resource=RESOURCE)
    payload, signature = path.removeprefix("/feeds/").removesuffix(".ics").split(".")
    other = await mint(gateway_with_feeds, BOOKINGS_FEED, company=COMPANY, resource="405")
    other_payload = other.removeprefix("/feeds/").split(".")[0]

    for token in (f"{other_payload}.{signature}", f"{payload}.{signature[:-2]}AA", payload,
                  "x" * 5000, f"{payload}.{signature}.x"):  # fmt: skip
        response = await gateway_with_feeds.get(f"/feeds/{token}.ics")
        assert (response.status_code, response.text) == (404, "No such feed."), token


async def test_a_new_secret_revokes_every_link(
    simulator_url: str, gateway_with_feeds: httpx.AsyncClient
) -> None:
    path = await mint(gateway_with_feeds, HOLIDAYS_FEED, id=DADS)
    rotated = settings_for(simulator_url, feed_secret=SECRET[::-1])

    async with gateway_client(rotated) as after_rotation:
        refused = await after_rotation.get(path)
        fresh = await mint(after_rotation, HOLIDAYS_FEED, id=DADS)
        served = await after_rotation.get(fresh)

    assert refused.status_code == 404
    assert served.status_code == 200


async def test_minting_without_a_feed_secret_fails_feeds_disabled(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    async with gateway_client(settings_for(simulator_url, feed_secret=None)) as gateway:
        body = await execute(gateway, HOLIDAYS_FEED, {"id": DADS})

    assert error_codes(body) == ["FEEDS_DISABLED"]


async def test_a_holidays_link_for_an_unknown_calendar_is_not_minted(
    gateway_with_feeds: httpx.AsyncClient,
) -> None:
    body = await execute(gateway_with_feeds, HOLIDAYS_FEED, {"id": "no-such-calendar"})

    assert error_codes(body) == ["NOT_FOUND"]


APPOINTMENTS_FEED = "mutation($id: ID!) { createAppointmentsFeed(calendarId: $id) { url } }"
CREATE_APPOINTMENT = """
mutation($input: CreateAppointmentInput!) { createAppointment(input: $input) { id } }"""
VIEW = """
query($id: ID!, $from: DateTime!, $to: DateTime!) {
  calendarView(calendarId: $id, from: $from, to: $to) { start end appointment { id } }
}"""
HENK = "1557367"
ZONE = ZoneInfo("Europe/Amsterdam")


async def appoint(gateway: httpx.AsyncClient, subject: str, **fields: Any) -> str:
    new = {"subject": subject, "calendars": [HENK], **fields}
    body = await execute(gateway, CREATE_APPOINTMENT, {"input": new})
    assert "errors" not in body, body
    return str(body["data"]["createAppointment"]["id"])


def expanded(event: Any, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The instants of each occurrence of a parsed VEVENT that shares time with the period."""
    first, last = event.dtstart.value, event.dtend.value
    all_day = not isinstance(first, datetime)
    if all_day:
        first = datetime.combine(first, datetime.min.time(), ZONE)
        last = datetime.combine(last, datetime.min.time(), ZONE)
    length = last - first
    rules = event.getrruleset(addRDate=True)
    if rules is None:
        starts = [first]
    elif all_day:
        # vobject expands a date series as naive midnights: local dates, in the feed's zone.
        local = [t.astimezone(ZONE).replace(tzinfo=None) for t in (start - length, end)]
        starts = [s.replace(tzinfo=ZONE) for s in rules.between(*local, inc=True)]
    else:
        starts = list(rules.between(start - length, end, inc=True))
    return [(s, s + length) for s in starts if s < end and s + length > start]


async def test_appointments_feed_has_each_series_once_and_expands_as_calendar_view_does(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    settings = settings_for(
        simulator_url, feed_secret=SECRET, cache_ttl_seconds=0, feed_days_back=7,
        feed_days_ahead=60, appointments_timezone="Europe/Amsterdam",
    )  # fmt: skip
    monday = next_monday().date()

    def at(day: date, hour: int, minute: int = 0) -> str:
        return (
            datetime.combine(day, datetime.min.time(), ZONE)
            .replace(hour=hour, minute=minute)
            .isoformat()
        )

    async with gateway_client(settings) as gateway:
        weekly = await appoint(
            gateway, "Weekoverleg", start=at(monday, 9), end=at(monday, 10),
            recurrence={"type": "WEEKLY", "weekdays": ["MONDAY", "WEDNESDAY"],
                        "terminationType": "COUNT", "count": 6},
        )  # fmt: skip
        daily = await appoint(
            gateway, "Standup", start=at(monday, 8, 45), end=at(monday, 9),
            recurrence={"type": "DAILY", "terminationType": "DATE",
                        "terminationDate": at(monday + timedelta(days=9), 12)},
        )  # fmt: skip
        friday = (monday + timedelta(days=4)).isoformat()
        days_off = await appoint(
            gateway, "Vrij", startDate=friday, endDate=friday,
            recurrence={"type": "WEEKLY", "terminationType": "COUNT", "count": 3},
        )  # fmt: skip
        once = await appoint(gateway, "Lunch", start=at(monday, 12), end=at(monday, 13))
        path = await mint(gateway, APPOINTMENTS_FEED, id=HENK)
        today = datetime.now(UTC).date()
        start = datetime.combine(today - timedelta(days=7), datetime.min.time(), UTC)
        end = datetime.combine(today + timedelta(days=61), datetime.min.time(), UTC)
        view = await execute(
            gateway, VIEW, {"id": HENK, "from": start.isoformat(), "to": end.isoformat()}
        )
        found = await events(gateway, path)

    expected = sorted(
        (o["appointment"]["id"], datetime.fromisoformat(o["start"]),
         datetime.fromisoformat(o["end"]))
        for o in view["data"]["calendarView"]
    )  # fmt: skip
    by_oid = {e.uid.value.removeprefix("appointment-").split("@")[0]: e for e in found}
    assert len(by_oid) == len(found), "each appointment once"
    for series in (weekly, daily, days_off):
        assert "rrule" in by_oid[series].contents, "a series is one VEVENT with its RRULE"
    assert "rrule" not in by_oid[once].contents
    # Zoned, so 09:00 stays 09:00 across a change of daylight saving time.
    weekly_start = by_oid[weekly].dtstart.value
    assert (weekly_start.hour, weekly_start.minute) == (9, 0)
    assert weekly_start.utcoffset() == ZONE.utcoffset(weekly_start.replace(tzinfo=None))
    occurrences = sorted(
        (oid, s.astimezone(UTC), e.astimezone(UTC))
        for oid, event in by_oid.items()
        for s, e in expanded(event, start, end)
    )
    assert occurrences == expected
    assert sum(1 for o in expected if o[0] == weekly) == 6


async def test_a_feed_token_never_reaches_the_log(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    env = replica_env(simulator_url, feed_secret=SECRET)
    env[f"{ENV_PREFIX}FEED_SECRET"] = SECRET  # a dump of the settings masks it
    async with (
        serve_gateway_process(env) as process,
        httpx.AsyncClient(base_url=process.url) as gateway,
    ):
        path = await mint(gateway, HOLIDAYS_FEED, id=DADS)
        assert (await gateway.get(path)).status_code == 200
        assert (await gateway.get(path + "x")).status_code == 404
    token = path.removeprefix("/feeds/").removesuffix(".ics")

    logged = b"".join(process.stderr).decode()
    assert "/feeds/" in logged  # the access lines are there
    assert token.split(".")[1] not in logged
