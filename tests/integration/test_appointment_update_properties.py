"""updateAppointment, for any input: one operation per field given, and what Xelion then holds
is what the input asked for (applied by the simulator, read back through the gateway)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.client import execute
from tests.integration.test_appointments import APPOINTMENT, CREATE, UPDATE, XELION, data

Json = dict[str, Any]
CALENDARS = ["1557367", "1658051", "1658218"]
PERSONS = ["1626686", "1626711", "167843"]
WEEKDAYS = ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"]
SCALAR_PATHS = {
    "subject": "/subject",
    "comment": "/comment",
    "internal": "/internal",
    "userStatus": "/userStatus",
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
    """RFC 3339 date-times: in UTC (Z) or with an offset, never without."""
    naive = st.datetimes(min_value=first, max_value=last).map(lambda v: v.replace(microsecond=0))
    return st.one_of(
        naive.map(lambda v: v.isoformat() + "Z"),
        st.tuples(naive, offsets).map(lambda pair: pair[0].replace(tzinfo=pair[1]).isoformat()),
    )


def days(first: date, last: date) -> st.SearchStrategy[str]:
    return st.dates(min_value=first, max_value=last).map(date.isoformat)


def side(
    name: str, timed: st.SearchStrategy[str], day: st.SearchStrategy[str]
) -> st.SearchStrategy[Json]:
    """A side left out, given as an instant (``name``) or as an all-day date (``nameDate``)."""
    return st.one_of(
        st.just({}),
        timed.map(lambda value: {name: value}),
        day.map(lambda value: {f"{name}Date": value}),
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
        "count": st.integers(1, 50),  # COUNT with 0 is BAD_USER_INPUT
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
                "recurrence": recurrences,
            },
        )
    )
    start = side(
        "start",
        moments(datetime(2025, 6, 1), datetime(2025, 6, 13, 12)),
        days(date(2025, 6, 1), date(2025, 6, 13)),
    )
    end = side(
        "end",
        moments(datetime(2025, 6, 18), datetime(2025, 6, 30)),
        days(date(2025, 6, 18), date(2025, 6, 30)),
    )
    scalars = {**scalars, **draw(start), **draw(end)}
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
    # A side given, as an instant or a date, sets its time and its all-day flag.
    for name, flag in (("start", "/allStartDay"), ("end", "/allEndDay")):
        if name in changes or f"{name}Date" in changes:
            paths.update([f"/{name}time", flag])
    recurrence = changes.get("recurrence", {})
    paths.update(path for name, path in RECURRENCE_PATHS.items() if name in recurrence)
    if "weekdays" in recurrence:
        paths.update(f"/{day.lower()}" for day in WEEKDAYS)
    paths.update("/calendars" for _ in changes.get("addCalendars", ()))
    paths.update(f"/calendars/{oid}" for oid in changes.get("removeCalendars", ()))
    paths.update("/participants" for _ in changes.get("addParticipants", ()))
    paths.update(f"/participants/{oid}" for oid in changes.get("removeParticipants", ()))
    return paths


def expected_side(
    before: Json, changes: Json, name: str, flag: str
) -> tuple[bool, str | None, str | None]:
    """All-day, instant and date a side should answer: README.md's time rules, written out again."""
    day_field = f"{name}Date"
    if day_field in changes:
        return True, None, changes[day_field]
    if name in changes:
        instant = datetime.fromisoformat(changes[name].replace("Z", "+00:00")).astimezone(UTC)
        return False, instant.isoformat(), None
    return before[flag], before[name], before[day_field]


def ids(entries: list[Json]) -> set[str]:
    return {entry["id"] for entry in entries}


def assert_round_trip(before: Json, changes: Json, after: Json) -> None:
    for name in ("subject", "comment", "internal", "userStatus"):
        assert after[name] == changes.get(name, before[name]), name
    for name, flag in (("start", "allDayStart"), ("end", "allDayEnd")):
        answered = (after[flag], after[name], after[f"{name}Date"])
        assert answered == expected_side(before, changes, name, flag), name
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
