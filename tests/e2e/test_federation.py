"""calendar-gateway as a Federation v2 subgraph: its SDL composes with real composition
libraries, and a real Apollo gateway joins it with another subgraph."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.client import execute
from tests.e2e import reviews
from tests.e2e.conftest import Node
from tests.servers import serve

CHECKED_IN = Path(__file__).parents[2] / "schema.graphql"
COMPOSERS = ["apollo", "guild"]
DADS = "dcc4a39b-3442-4408-a907-b85c44663681"
EGON = "137463"
CAKE = "1758831"

CONFLICTING_SUBGRAPH = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
type BusinessCalendar @key(fields: "tenantId packageId id") {
  tenantId: ID!  packageId: ID!  id: ID!  name: Int
}
type Query { somethingElse: Int }
"""


@pytest.fixture
async def reviews_url() -> AsyncIterator[str]:
    async with serve(reviews.create_app()) as url:
        yield url


def graphql_url(client: httpx.AsyncClient) -> str:
    return str(client.base_url.join("/graphql"))


async def served_sdl(gateway: httpx.AsyncClient) -> str:
    body = await execute(gateway, "{ _service { sdl } }")
    sdl: str = body["data"]["_service"]["sdl"]
    return sdl


async def compose(node: Node, library: str, subgraphs: dict[str, str]) -> list[str]:
    payload = {
        "library": library,
        "subgraphs": [
            {"name": name, "url": f"http://{name}.invalid/graphql", "sdl": sdl}
            for name, sdl in subgraphs.items()
        ],
    }
    result = await node.run("compose.mjs", payload)
    assert result["supergraph"] or result["errors"]
    errors: list[str] = result["errors"]
    return errors


async def through_apollo_gateway(node: Node, subgraphs: dict[str, str], query: str) -> Any:
    payload = {
        "subgraphs": [{"name": name, "url": url} for name, url in subgraphs.items()],
        "query": query,
        "variables": {},
    }
    return await node.run("gateway.mjs", payload)


async def test_served_sdl_is_the_checked_in_schema(gateway: httpx.AsyncClient) -> None:
    assert await served_sdl(gateway) + "\n" == CHECKED_IN.read_text()


@pytest.mark.parametrize("library", COMPOSERS)
async def test_served_sdl_composes_without_errors(
    node: Node, gateway: httpx.AsyncClient, library: str
) -> None:
    sdl = await served_sdl(gateway)
    assert await compose(node, library, {"calendar-gateway": sdl}) == []


@pytest.mark.parametrize("library", COMPOSERS)
async def test_sdl_composes_with_a_subgraph_extending_its_entities(
    node: Node, gateway: httpx.AsyncClient, library: str
) -> None:
    subgraphs = {
        "calendar-gateway": await served_sdl(gateway),
        "reviews": reviews.create_app().schema.as_str(),
    }
    assert await compose(node, library, subgraphs) == []


@pytest.mark.parametrize("library", COMPOSERS)
async def test_composition_reports_a_subgraph_that_contradicts_it(
    node: Node, gateway: httpx.AsyncClient, library: str
) -> None:
    subgraphs = {"calendar-gateway": await served_sdl(gateway), "other": CONFLICTING_SUBGRAPH}
    errors = await compose(node, library, subgraphs)
    assert any("BusinessCalendar.name" in error for error in errors), errors


async def test_apollo_gateway_adds_another_subgraphs_field_to_a_calendar(
    node: Node, gateway: httpx.AsyncClient, reviews_url: str
) -> None:
    subgraphs = {"calendar-gateway": graphql_url(gateway), "reviews": f"{reviews_url}/graphql"}
    query = f'{{ businessCalendar(id: "{DADS}") {{ name timeZone reviewNote }} }}'
    result = await through_apollo_gateway(node, subgraphs, query)
    assert result == {
        "data": {
            "businessCalendar": {
                "name": "Dad's Dating Calendar",
                "timeZone": "EST",
                "reviewNote": f"calendar {DADS} reviewed",
            }
        }
    }


async def test_apollo_gateway_resolves_calendars_another_subgraph_knows_by_key(
    node: Node, gateway: httpx.AsyncClient, reviews_url: str
) -> None:
    subgraphs = {"calendar-gateway": graphql_url(gateway), "reviews": f"{reviews_url}/graphql"}
    query = "{ calendarsUnderReview { id name reviewNote } }"
    result = await through_apollo_gateway(node, subgraphs, query)
    assert result == {
        "data": {
            "calendarsUnderReview": [
                {
                    "id": DADS,
                    "name": "Dad's Dating Calendar",
                    "reviewNote": f"calendar {DADS} reviewed",
                }
            ]
        }
    }


async def test_apollo_gateway_adds_another_subgraphs_field_to_a_booking(
    node: Node, gateway: httpx.AsyncClient, reviews_url: str
) -> None:
    subgraphs = {"calendar-gateway": graphql_url(gateway), "reviews": f"{reviews_url}/graphql"}
    query = f'{{ booking(id: "{EGON}") {{ id resource {{ name }} reviewNote }} }}'
    result = await through_apollo_gateway(node, subgraphs, query)
    assert result == {
        "data": {
            "booking": {
                "id": EGON,
                "resource": {"name": "Mr.Later"},
                "reviewNote": f"booking {EGON} reviewed",
            }
        }
    }


async def test_apollo_gateway_resolves_bookings_another_subgraph_knows_by_key(
    node: Node, gateway: httpx.AsyncClient, reviews_url: str
) -> None:
    subgraphs = {"calendar-gateway": graphql_url(gateway), "reviews": f"{reviews_url}/graphql"}
    query = "{ bookingsUnderReview { id start resource { name } reviewNote } }"
    result = await through_apollo_gateway(node, subgraphs, query)
    assert result == {
        "data": {
            "bookingsUnderReview": [
                {
                    "id": EGON,
                    "start": "2017-11-07T09:00:00",
                    "resource": {"name": "Mr.Later"},
                    "reviewNote": f"booking {EGON} reviewed",
                }
            ]
        }
    }


async def test_apollo_gateway_adds_another_subgraphs_field_to_an_appointment(
    node: Node, gateway: httpx.AsyncClient, reviews_url: str
) -> None:
    subgraphs = {"calendar-gateway": graphql_url(gateway), "reviews": f"{reviews_url}/graphql"}
    query = f'{{ appointment(id: "{CAKE}") {{ id subject reviewNote }} }}'
    result = await through_apollo_gateway(node, subgraphs, query)
    assert result == {
        "data": {
            "appointment": {
                "id": CAKE,
                "subject": "Taart eten",
                "reviewNote": f"appointment {CAKE} reviewed",
            }
        }
    }


async def test_apollo_gateway_resolves_appointments_another_subgraph_knows_by_key(
    node: Node, gateway: httpx.AsyncClient, reviews_url: str
) -> None:
    subgraphs = {"calendar-gateway": graphql_url(gateway), "reviews": f"{reviews_url}/graphql"}
    query = "{ appointmentsUnderReview { id subject comment reviewNote } }"
    result = await through_apollo_gateway(node, subgraphs, query)
    assert result == {
        "data": {
            "appointmentsUnderReview": [
                {
                    "id": CAKE,
                    "subject": "Taart eten",
                    "comment": "Taart halen bij de bakker",
                    "reviewNote": f"appointment {CAKE} reviewed",
                }
            ]
        }
    }
