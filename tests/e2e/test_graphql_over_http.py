"""GraphQL over HTTP to the letter: graphql-http's audit suite (the spec's reference server
checks, pinned in tests/e2e/package.json) against the live gateway."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Node

# GET requests that carry no header forcing a CORS preflight are refused as possible CSRF
# (docs/operations-protection.md), as Apollo Server does; the spec lets a server refuse
# them ("MAY"), so these audits report notices, and pass once a client sends the header.
CSRF_REFUSED_GETS = {"5A70", "D6D5", "6A70"}


async def audit(node: Node, gateway_url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = await node.run(
        "graphql_http_audit.mjs", {"url": f"{gateway_url}/graphql", "headers": headers}
    )
    assert len(results) > 50
    return results


def failures(results: list[dict[str, Any]]) -> dict[str, str]:
    return {
        r["id"]: f"{r['status']}: {r['name']}: {r['reason']}"
        for r in results
        if r["status"] != "ok"
    }


async def test_every_audit_passes_for_a_client_that_forces_a_preflight(
    node: Node, shared_gateway_url: str
) -> None:
    results = await audit(node, shared_gateway_url, {"apollo-require-preflight": "true"})
    assert failures(results) == {}


async def test_without_the_csrf_header_only_simple_gets_are_refused(
    node: Node, shared_gateway_url: str
) -> None:
    results = await audit(node, shared_gateway_url, {})
    assert set(failures(results)) == CSRF_REFUSED_GETS
    assert {r["status"] for r in results if r["id"] in CSRF_REFUSED_GETS} == {"notice"}
