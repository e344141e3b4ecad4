"""Which requests run GraphQL operations, and so meet the guards."""

from __future__ import annotations

from starlette.datastructures import Headers, QueryParams
from starlette.types import Scope

GRAPHQL_PATH = "/graphql"


def is_operation(scope: Scope) -> bool:
    """A request to /graphql, except a browser loading GraphiQL's page (a static IDE)."""
    return scope["type"] == "http" and scope["path"] == GRAPHQL_PATH and not _is_ide_page(scope)


def _is_ide_page(scope: Scope) -> bool:
    # Strawberry's rule for rendering GraphiQL, minus the GET persisted-query requests (no
    # query, but extensions) that a browser's Accept header would otherwise let through.
    # Asked once per guard for every operation: a POST is settled without parsing anything.
    if scope["method"] != "GET":
        return False
    params = QueryParams(scope["query_string"])
    accept = Headers(scope=scope).get("accept", "")
    return (
        "query" not in params
        and "extensions" not in params
        and ("text/html" in accept or "*/*" in accept)
    )
