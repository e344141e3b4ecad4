"""GraphiQL at GET /graphql works with no internet: the gateway serves its files."""

from __future__ import annotations

import os
import re

import httpx
import pytest

from calendar_gateway import graphiql

ASSET_REFERENCE = re.compile(r"""(?:src|href)="([^"]+)\"""")

pytestmark = pytest.mark.skipif(
    not (graphiql.ASSETS / "graphiql").is_dir() and os.environ.get("CI") != "true",
    reason="GraphiQL's npm files are not installed (run `make graphiql`; needs Node)",
)


async def ide_page(gateway: httpx.AsyncClient) -> str:
    response = await gateway.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response.text


async def test_page_references_no_external_host(gateway: httpx.AsyncClient) -> None:
    references = ASSET_REFERENCE.findall(await ide_page(gateway))
    assert len(references) >= 7
    external = [r for r in references if not r.startswith(("/", "data:"))]
    assert external == []
    assert "unpkg.com" not in await ide_page(gateway)


async def test_every_file_the_page_loads_is_served(gateway: httpx.AsyncClient) -> None:
    references = [r for r in ASSET_REFERENCE.findall(await ide_page(gateway)) if r.startswith("/")]
    assert len(references) >= 7
    for reference in references:
        response = await gateway.get(reference)
        assert response.status_code == 200, reference
        assert len(response.content) > 100, reference
