"""Which requests run GraphQL operations, and so meet the guards."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import QueryParams
from starlette.types import Scope

GRAPHQL_PATH = "/graphql"


def is_operation(scope: Scope, headers: Mapping[bytes, bytes]) -> bool:
    """A request to /graphql, except a browser loading GraphiQL's page (a static IDE).

    ``headers`` are the request's, by lower-case name (the first of repeated ones).
    """
    return (
        scope["type"] == "http"
        and scope["path"] == GRAPHQL_PATH
        and not _is_ide_page(scope, headers)
    )


def _is_ide_page(scope: Scope, headers: Mapping[bytes, bytes]) -> bool:
    # Strawberry's rule for rendering GraphiQL, minus the GET persisted-query requests (no
    # query, but extensions) that a browser's Accept header would otherwise let through.
    # A POST is settled without parsing anything.
    if scope["method"] != "GET":
        return False
    params = QueryParams(scope["query_string"])
    accept = headers.get(b"accept", b"")
    return (
        "query" not in params
        and "extensions" not in params
        and (b"text/html" in accept or b"*/*" in accept)
    )
