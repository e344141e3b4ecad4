"""GraphiQL at GET /graphql: this gateway's page, its files served by the gateway alone (and
only them), off unless GRAPHIQL is on, headers kept only when configured."""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from calendar_gateway import graphiql
from calendar_gateway.cli import demo_settings
from calendar_gateway.settings import Settings
from tests.conftest import gateway_client, settings_for

ASSET_REFERENCE = re.compile(r"""(?:src|href)="([^"]+)\"""")
CONFIG = re.compile(r'<script id="graphiql-config" type="application/json">(.*?)</script>', re.S)
PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"
API_KEY = "k" * 40

pytestmark = pytest.mark.skipif(
    not all(map(graphiql.is_installed, graphiql.ASSETS)) and os.environ.get("CI") != "true",
    reason="GraphiQL's npm files are not installed (run `make graphiql`; needs Node)",
)


async def ide_page(gateway: httpx.AsyncClient) -> str:
    response = await gateway.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def page_config(page: str) -> dict[str, Any]:
    match = CONFIG.search(page)
    assert match is not None
    config: dict[str, Any] = json.loads(match[1])
    return config


@pytest.fixture(scope="module")
async def api_key_gateway(simulator_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(simulator_url, graphiql=True, auth_mode="api-key", api_keys=API_KEY)
    async with gateway_client(settings) as client:
        yield client


async def test_page_references_no_external_host(gateway: httpx.AsyncClient) -> None:
    references = ASSET_REFERENCE.findall(await ide_page(gateway))
    assert len(references) == len(graphiql.ASSETS) + 1  # and the favicon
    external = [r for r in references if not r.startswith(("/", "data:"))]
    assert external == []
    assert "unpkg.com" not in await ide_page(gateway)


async def test_every_file_the_page_loads_is_served_for_good(gateway: httpx.AsyncClient) -> None:
    page = await ide_page(gateway)
    references = [r for r in ASSET_REFERENCE.findall(page) if r.startswith("/")]
    assert sorted(references) == sorted(asset.local_url for asset in graphiql.ASSETS)
    for asset in graphiql.ASSETS:
        response = await gateway.get(asset.local_url)
        assert response.status_code == 200, asset
        assert response.content == asset.path.read_bytes()
        assert "immutable" in response.headers["cache-control"]
        assert f'integrity="{asset.integrity}"' in page


@pytest.mark.parametrize(
    "path",
    [
        "/graphiql-assets/.package-lock.json",
        "/graphiql-assets/graphiql/package.json",
        "/graphiql-assets/graphiql/graphiql.min.js",
        "/graphiql-assets/graphiql@3.8.3/package.json",
        "/graphiql-assets/graphiql@3.8.3/../react@18.2.0/umd/react.development.js",
        "/graphiql-assets/react@18.2.0/umd/react.development.js",
        "/graphiql-assets/",
    ],
)
async def test_nothing_else_of_node_modules_is_served(
    gateway: httpx.AsyncClient, path: str
) -> None:
    response = await gateway.get(path)
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"] == {"code": "NOT_FOUND"}


async def test_the_page_is_this_gateways(gateway: httpx.AsyncClient) -> None:
    page = await ide_page(gateway)
    assert "<title>calendar-gateway · GraphiQL</title>" in page
    assert "Strawberry" not in page


async def test_the_example_query_runs_against_the_demo(gateway: httpx.AsyncClient) -> None:
    query = page_config(await ide_page(gateway))["query"]
    assert query == graphiql.EXAMPLE_QUERY
    body = (await gateway.post("/graphql", json={"query": query})).json()
    assert "errors" not in body
    assert "Dad's Dating Calendar" in {c["name"] for c in body["data"]["businessCalendars"]}


async def test_headers_are_not_kept_in_the_browser_by_default(gateway: httpx.AsyncClient) -> None:
    config = page_config(await ide_page(gateway))
    assert config["persistHeaders"] is False
    assert config["headers"] is None  # the demo needs no credentials


async def test_headers_are_kept_when_configured(simulator_url: str) -> None:
    settings = settings_for(simulator_url, graphiql_persist_headers=True)
    async with gateway_client(settings) as gateway:
        assert page_config(await ide_page(gateway))["persistHeaders"] is True


async def test_with_api_keys_the_page_says_where_the_key_goes(
    api_key_gateway: httpx.AsyncClient,
) -> None:
    config = page_config(await ide_page(api_key_gateway))
    assert json.loads(config["headers"]) == {"Authorization": "Bearer <your API key>"}
    assert config["query"].startswith("# This gateway needs your API key: in the Headers tab")


async def test_the_placeholder_key_is_refused_and_the_real_one_runs_the_example(
    api_key_gateway: httpx.AsyncClient,
) -> None:
    query = {"query": graphiql.EXAMPLE_QUERY}
    placeholder = {"Authorization": "Bearer <your API key>"}
    refused = await api_key_gateway.post("/graphql", json=query, headers=placeholder)
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    answered = await api_key_gateway.post(
        "/graphql", json=query, headers={"Authorization": f"Bearer {API_KEY}"}
    )
    assert "errors" not in answered.json()


async def test_graphiql_is_off_unless_configured(simulator_url: str) -> None:
    settings = settings_for(simulator_url, graphiql=False)
    async with gateway_client(settings) as gateway:
        page = await gateway.get("/graphql", headers={"Accept": "text/html"})
        asset = await gateway.get(graphiql.ASSETS[0].local_url)
    assert page.status_code == 400
    assert page.json()["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}
    assert asset.status_code == 404


def test_serve_leaves_graphiql_off_and_demo_turns_it_on() -> None:
    assert Settings.model_fields["graphiql"].default is False
    assert Settings.model_fields["graphiql_persist_headers"].default is False
    assert demo_settings("http://127.0.0.1:1", port=0).graphiql is True


def test_the_wheel_carries_exactly_the_files_the_page_loads() -> None:
    artifacts = tomllib.loads(PYPROJECT.read_text())["tool"]["hatch"]["build"]["targets"]["wheel"][
        "artifacts"
    ]
    root = PYPROJECT.parent
    assert sorted(artifacts) == sorted(
        str(asset.path.relative_to(root)) for asset in graphiql.ASSETS
    )
