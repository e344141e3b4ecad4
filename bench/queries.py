"""The GraphQL documents the scenarios send."""

from __future__ import annotations

import json
from dataclasses import asdict, astuple, dataclass

from bench.load import REQUEST_NUMBER
from bench.upstream_calls import Call, Entities
from calendar_gateway.simulators.calendars import seed as calendars_seed

_CALENDAR = "{ id name timeZone }"
_BOOKING = "{ id start end resource { id name } }"
_APPOINTMENT = "{ id subject start end }"

# One document with variables, as clients send it: parsed and validated once.
FANOUT = (
    "query FanOut($calendar: ID!, $booking: ID!, $appointment: ID!) { "
    f"businessCalendar(id: $calendar) {_CALENDAR} "
    f"booking(id: $booking) {_BOOKING} "
    f"appointment(id: $appointment) {_APPOINTMENT} }}"
)
BOOKINGS_IN_RANGE = (
    '{ bookingsInRange(company: "3", from: "2000-01-01", to: "2100-01-01") '
    "{ id uuid start end allDay status hoursPerDay raw resource { id name } job { number } } }"
)


@dataclass(frozen=True)
class Duplicates:
    """A query that names the same few seeded entities again and again."""

    document: str
    distinct: int
    references: int


def duplicates() -> Duplicates:
    # The gateway allows 10 root fields; this uses 9.
    calendar, other_calendar = (c.calendar_id for c in calendars_seed.CALENDARS[:2])
    document = (
        "query Duplicates { "
        f'c1: businessCalendar(id: "{calendar}") {_CALENDAR} '
        f'c2: businessCalendar(id: "{calendar}") {_CALENDAR} '
        f'c3: businessCalendar(id: "{other_calendar}") {_CALENDAR} '
        f'b1: booking(id: "137463") {_BOOKING} '
        f'b2: booking(id: "137463") {_BOOKING} '
        f'b3: bookings(ids: ["137463", "56569", "56570", "56569"]) {_BOOKING} '
        f'a1: appointment(id: "1627700") {_APPOINTMENT} '
        f'a2: appointment(id: "1627700") {_APPOINTMENT} '
        f'a3: appointment(id: "1627600") {_APPOINTMENT} }}'
    )
    return Duplicates(document, distinct=2 + 3 + 2, references=3 + 6 + 3)


def fanout_call(name: str, url: str, entities: Entities) -> Call:
    return graphql_call(name, url, FANOUT, asdict(entities))


def fanout_inline(entities: Entities) -> str:
    """The fan-out with the ids written in it, as GraphiQL users and simple clients send it.

    The comment numbers each request (``bench.load`` fills it in): no text repeats within a
    run, as none would with a real client's ever new ids, while the entities are (b)'s.
    """
    calendar, booking, appointment = map(json.dumps, astuple(entities))
    return (
        f"# request {REQUEST_NUMBER}\n"
        "query FanOut { "
        f"businessCalendar(id: {calendar}) {_CALENDAR} "
        f"booking(id: {booking}) {_BOOKING} "
        f"appointment(id: {appointment}) {_APPOINTMENT} }}"
    )


def fanout_inline_call(name: str, url: str, entities: Entities) -> Call:
    return graphql_call(name, url, fanout_inline(entities))


def graphql_call(
    name: str, url: str, document: str, variables: dict[str, str] | None = None
) -> Call:
    body = json.dumps({"query": document, "variables": variables or {}}).encode()
    return Call(name, "POST", f"{url}/graphql", {"Content-Type": "application/json"}, body)
