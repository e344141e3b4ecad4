"""updateAppointment, for any input: one operation per field given, and what Xelion then holds
is what the input asked for (applied by the simulator, read back through the gateway)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.client import execute
from tests.integration.test_appointments import APPOINTMENT, CREATE, UPDATE, XELION, data

Json = dict[str, Any]
CALENDARS = ["1557367", "1658051", "1658218"]
PERSONS = ["1626686", "1626711", "167843"]
ZONES = ["Europe/Amsterdam", "America/Sao_Paulo", "Pacific/Kiritimati", "Etc/GMT+12"]
WEEKDAYS = ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"]
SCALAR_PATHS = {
    "subject": "/subject",
    "comment": "/comment",
    "internal": "/internal",
    "userStatus": "/userStatus",
    "allDayStart": "/allStartDay",
    "start": "/starttime",
    "allDayEnd": "/allEndDay",
    "end": "/endtime",
}
RECURRENCE_PATHS = {
    "type": "/recurrenceType",
    "interval": "/recurrenceInterval",
    "terminationType": "/recurrenceTerminationType",
    "count": "/recurrenceCount",
    "monthType": "/monthRecurrenceType",
}
# The target starts 2025-06-15 12:00Z and ends 2025-06-16 12:00Z; new starts fall before and
# new ends after those days in every zone, so any mix keeps the end after the start.
TARGET = {
    "subject": "Target",
    "start": "2025-06-15T12:00:00Z",
    "end": "2025-06-16T12:00:00Z",
    "participants": ["1626686"],
    "calendars": ["1658051"],
}

offsets = st.integers(-12 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))


def moments(first: datetime, last: datetime) -> st.SearchStrategy[str]:
    """ISO date-times: naive, in UTC (Z) or with an offset."""
    naive = st.datetimes(min_value=first, max_value=last).map(lambda v: v.replace(microsecond=0))
    return st.one_of(
        naive.map(datetime.isoformat),
        naive.map(lambda v: v.isoformat() + "Z"),
        st.tuples(naive, offsets).map(lambda pair: pair[0].replace(tzinfo=pair[1]).isoformat()),
    )


@st.composite
def relations(draw: st.DrawFn, oids: list[str]) -> tuple[list[str], list[str]]:
    chosen = draw(st.lists(st.sampled_from(oids), unique=True))
    added = [oid for oid in chosen if draw(st.booleans())]
    return added, [oid for oid in chosen if oid not in added]


recurrences = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
        "interval": st.integers(1, 10),
        "terminationType": st.sampled_from(["NEVER", "COUNT", "DATE"]),
        "count": st.integers(0, 50),
        "weekdays": st.lists(st.sampled_from(WEEKDAYS), unique=True),
        "monthType": st.sampled_from(["DAY_OF_MONTH", "DAY_OF_WEEK"]),
    },
)


@st.composite
def update_inputs(draw: st.DrawFn) -> Json:
    scalars = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "subject": st.text(max_size=20),
                "comment": st.text(max_size=20),
                "internal": st.booleans(),
                "userStatus": st.sampled_from(["AVAILABLE", "DONT_DISTURB", "AT_APPOINTMENT"]),
                "allDayStart": st.booleans(),
                "start": moments(datetime(2025, 6, 1), datetime(2025, 6, 13, 12)),
                "allDayEnd": st.booleans(),
                "end": moments(datetime(2025, 6, 18), datetime(2025, 6, 30)),
                "timeZone": st.sampled_from(ZONES),
                "recurrence": recurrences,
            },
        )
    )
    add_calendars, remove_calendars = draw(relations(CALENDARS))
    add_participants, remove_participants = draw(relations(PERSONS))
    lists = {
        "addCalendars": add_calendars,
        "removeCalendars": remove_calendars,
        "addParticipants": add_participants,
        "removeParticipants": remove_participants,
    }
    return {**scalars, **{name: oids for name, oids in lists.items() if oids}}


def expected_paths(changes: Json) -> Counter[str]:
    paths = Counter(path for name, path in SCALAR_PATHS.items() if name in changes)
    recurrence = changes.get("recurrence", {})
    paths.update(path for name, path in RECURRENCE_PATHS.items() if name in recurrence)
    if "weekdays" in recurrence:
        paths.update(f"/{day.lower()}" for day in WEEKDAYS)
    paths.update("/calendars" for _ in changes.get("addCalendars", ()))
    paths.update(f"/calendars/{oid}" for oid in changes.get("removeCalendars", ()))
    paths.update("/participants" for _ in changes.get("addParticipants", ()))
    paths.update(f"/participants/{oid}" for oid in changes.get("removeParticipants", ()))
    return paths


def vendor_clock(text: str, all_day: bool, zone: ZoneInfo | None) -> datetime:
    """docs/vendors/xelion.md (Time) written out again: what Xelion should be sent for a time."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if all_day:
        local = value.astimezone(zone) if zone and value.tzinfo else value
        return datetime.combine(local.date(), datetime.min.time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone or UTC)  # the demo's APPOINTMENTS_TIMEZONE is UTC
    return value.astimezone(UTC).replace(tzinfo=None)


def expected_time(before: Json, changes: Json, side: str, flag: str, bound: str) -> str:
    all_day = bool(changes.get(flag, before[flag]))
    zone = ZoneInfo(changes["timeZone"]) if "timeZone" in changes else None
    if side in changes:
        moment = vendor_clock(changes[side], all_day, zone)
    else:
        stored = datetime.fromisoformat(before[side])
        moment = stored.astimezone(UTC).replace(tzinfo=None) if stored.tzinfo else stored
    if all_day:
        return f"{moment.date().isoformat()}T{bound}"
    return moment.replace(tzinfo=UTC).isoformat()


def ids(entries: list[Json]) -> set[str]:
    return {entry["id"] for entry in entries}


def assert_round_trip(before: Json, changes: Json, after: Json) -> None:
    for name in ("subject", "comment", "internal", "userStatus"):
        assert after[name] == changes.get(name, before[name]), name
    for flag in ("allDayStart", "allDayEnd"):
        assert after[flag] == changes.get(flag, before[flag]), flag
    assert after["start"] == expected_time(before, changes, "start", "allDayStart", "00:00:00")
    assert after["end"] == expected_time(before, changes, "end", "allDayEnd", "23:59:59")
    calendars = (ids(before["calendars"]) | set(changes.get("addCalendars", ()))) - set(
        changes.get("removeCalendars", ())
    )
    assert ids(after["calendars"]) == calendars
    persons = (ids(before["participants"]) | set(changes.get("addParticipants", ()))) - set(
        changes.get("removeParticipants", ())
    )
    assert ids(after["participants"]) == persons
    assert_recurrence(before, changes.get("recurrence", {}), after["recurrence"])


def assert_recurrence(before: Json, given: Json, answered: Json | None) -> None:
    if answered is None:
        assert before["recurrence"] is None
        assert "type" not in given
        return
    termination = answered["termination"]
    flat = {**answered, "terminationType": termination["type"], "count": termination["count"]}
    for name, value in given.items():
        if name == "weekdays":
            assert set(flat[name]) == set(value)
        else:
            assert flat[name] == value, name


async def accepted_patches(upstream: httpx.AsyncClient) -> list[list[Json]]:
    recorded = (await upstream.get(f"{XELION}/_admin/requests")).json()["requests"]
    return [
        r["body"]["operations"] for r in recorded if r["method"] == "PATCH" and r["status"] < 400
    ]


@pytest.fixture
async def target(gateway: httpx.AsyncClient) -> str:
    """One appointment for all of a test's examples; each reads it afresh first."""
    created: Json = data(await execute(gateway, CREATE, {"input": TARGET}))["createAppointment"]
    oid: str = created["id"]
    return oid


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(changes=update_inputs())
async def test_update_sends_the_minimal_operations_and_round_trips(
    gateway: httpx.AsyncClient, upstream: httpx.AsyncClient, target: str, changes: Json
) -> None:
    before = data(await execute(gateway, APPOINTMENT, {"id": target}))["appointment"]
    sent_before = len(await accepted_patches(upstream))
    after = data(await execute(gateway, UPDATE, {"id": target, "input": changes}))[
        "updateAppointment"
    ]
    patches = (await accepted_patches(upstream))[sent_before:]
    sent = [op["path"] for operations in patches for op in operations]
    assert len(patches) == (1 if sent else 0)
    assert Counter(sent) == expected_paths(changes)
    assert_round_trip(before, changes, after)


def test_expected_time_reads_all_day_dates_in_the_given_zone() -> None:
    # The oracle itself, on the update page's UTC+2 example.
    before = {"start": "2025-06-15T12:00:00+00:00", "allDayStart": False}
    changes = {"start": "2018-12-26T22:00:00Z", "allDayStart": True, "timeZone": "Etc/GMT-2"}
    assert expected_time(before, changes, "start", "allDayStart", "00:00:00") == (
        "2018-12-27T00:00:00"
    )
