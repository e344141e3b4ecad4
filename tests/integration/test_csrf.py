"""CSRF prevention as Apollo Server does it: operations a browser could send cross-site
without a preflight are refused; GraphiQL's page still loads."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import gateway_client, settings_for

QUERY = "{ __typename }"


@pytest.fixture(scope="module")
async def gateway(simulator_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway_client(settings_for(simulator_url)) as client:
        yield client


def assert_refused_as_csrf(response: httpx.Response) -> None:
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST"}
    assert "cross-site request forgery" in error["message"]


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "Text/Plain; charset=utf-8",
    ],
)
async def test_post_with_a_simple_content_type_is_refused(
    gateway: httpx.AsyncClient, content_type: str
) -> None:
    response = await gateway.post(
        "/graphql", content=f'{{"query": "{QUERY}"}}', headers={"Content-Type": content_type}
    )
    assert_refused_as_csrf(response)


async def test_post_without_a_content_type_is_refused(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/graphql", content=f'{{"query": "{QUERY}"}}')
    assert "content-type" not in response.request.headers
    assert_refused_as_csrf(response)


async def test_post_as_json_runs(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/graphql", json={"query": QUERY})
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("header", ["apollo-require-preflight", "x-apollo-operation-name"])
async def test_a_preflight_forcing_header_lets_a_simple_post_through_the_guard(
    gateway: httpx.AsyncClient, header: str
) -> None:
    response = await gateway.post(
        "/graphql",
        content=f'{{"query": "{QUERY}"}}',
        headers={"Content-Type": "text/plain", header: "Q"},
    )
    # Past the guard, the endpoint reads only JSON bodies.
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"] == {"code": "UNSUPPORTED_MEDIA_TYPE"}


async def test_an_empty_preflight_header_does_not_count(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/graphql",
        content=f'{{"query": "{QUERY}"}}',
        headers={"Content-Type": "text/plain", "apollo-require-preflight": ""},
    )
    assert_refused_as_csrf(response)


async def test_get_query_without_a_preflight_header_is_refused(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get("/graphql", params={"query": QUERY})
    assert_refused_as_csrf(response)


@pytest.mark.parametrize("header", ["apollo-require-preflight", "x-apollo-operation-name"])
async def test_get_query_with_a_preflight_header_runs(
    gateway: httpx.AsyncClient, header: str
) -> None:
    response = await gateway.get("/graphql", params={"query": QUERY}, headers={header: "Q"})
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_get_mutation_is_refused_even_with_a_preflight_header(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get(
        "/graphql",
        params={"query": 'mutation { deleteBooking(id: "1") }'},
        headers={"apollo-require-preflight": "true"},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"] == {"code": "METHOD_NOT_ALLOWED"}


async def test_graphiql_page_loads_without_a_preflight_header(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
