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
