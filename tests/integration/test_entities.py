"""Federation's ``_entities``: other subgraphs' references resolve through the services."""

from __future__ import annotations

from typing import Any

import httpx

from tests.client import error_codes, execute

DADS = "dcc4a39b-3442-4408-a907-b85c44663681"

CALENDARS = """
query Calendars($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on BusinessCalendar { id externalId name tenantId packageId }
  }
}"""


def calendar_key(calendar_id: str) -> dict[str, Any]:
    return {
        "__typename": "BusinessCalendar",
        "tenantId": "default",
        "packageId": "default",
        "id": calendar_id,
    }


async def test_a_calendar_reference_resolves_to_the_calendar(gateway: httpx.AsyncClient) -> None:
    body = await execute(gateway, CALENDARS, {"representations": [calendar_key(DADS)]})
    assert body == {
        "data": {
            "_entities": [
                {
                    "id": DADS,
                    "externalId": "Calendar_117",
                    "name": "Dad's Dating Calendar",
                    "tenantId": "default",
                    "packageId": "default",
                }
            ]
        }
    }


async def test_a_reference_to_an_unknown_calendar_gives_not_found(
    gateway: httpx.AsyncClient,
) -> None:
    unknown = "00000000-0000-0000-0000-000000000000"
    body = await execute(gateway, CALENDARS, {"representations": [calendar_key(unknown)]})
    assert body["data"] == {"_entities": [None]}
    assert error_codes(body) == ["NOT_FOUND"]


ANY_ENTITY = """
query Entities($representations: [_Any!]!) { _entities(representations: $representations) {
  ... on Booking { id } ... on Appointment { id } ... on BusinessCalendar { id } } }"""


async def test_a_representation_of_no_entity_is_bad_user_input_before_any_is_resolved(
    gateway: httpx.AsyncClient,
) -> None:
    # Found by schema fuzzing: one bad representation after a good one failed the list with
    # an internal error, and left the good one's resolver unawaited.
    representations = [calendar_key(DADS), {"__typename": "Job", "id": "1"}]
    body = await execute(gateway, ANY_ENTITY, {"representations": representations})
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_a_representation_that_is_no_object_is_bad_user_input(
    gateway: httpx.AsyncClient,
) -> None:
    body = await execute(gateway, ANY_ENTITY, {"representations": [calendar_key(DADS), "x"]})
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_a_representation_without_its_key_fields_is_bad_user_input(
    gateway: httpx.AsyncClient,
) -> None:
    representations = [{"__typename": "Booking"}, {"__typename": "Appointment", "id": 7}]
    body = await execute(gateway, ANY_ENTITY, {"representations": representations})
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_more_references_than_a_list_of_ids_may_hold_are_refused(
    gateway: httpx.AsyncClient,
) -> None:
    # Each reference is one upstream read: the list is capped like ids (MAX_IDS_PER_LIST).
    references = [calendar_key(DADS)] * 101
    body = await execute(gateway, CALENDARS, {"representations": references})
    assert "data" not in body or body["data"] is None
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "representations"


async def test_an_oversized_id_in_a_reference_is_refused_before_any_upstream_call(
    gateway: httpx.AsyncClient,
) -> None:
    body = await execute(gateway, CALENDARS, {"representations": [calendar_key("x" * 900_000)]})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "representations[0].id"


async def test_an_oversized_id_in_a_reference_written_in_the_query_is_refused(
    gateway: httpx.AsyncClient,
) -> None:
    query = (
        '{ _entities(representations: [{__typename: "BusinessCalendar", tenantId: "default", '
        f'packageId: "default", id: "{"x" * 20_000}"}}]) {{ ... on BusinessCalendar {{ id }} }} }}'
    )
    body = await execute(gateway, query)
    assert error_codes(body) == ["BAD_USER_INPUT"]
