"""The schema as a client sees it: without Federation's internals.

``_entities``, ``_service``, ``_Any``, ``_Entity``, ``@link`` and ``@key`` are for a federation
router, and graphql-js's ``buildSchema`` rejects the directives it does not know. Codegen and
client caches want the plain schema.
"""

from __future__ import annotations

import strawberry
from graphql import (
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    print_schema,
    specified_directives,
)

FEDERATION_FIELDS = frozenset({"_entities", "_service"})


def _is_federation_type(named: GraphQLNamedType) -> bool:
    # Federation's own types start with "_" or live in link__/federation__ namespaces.
    return named.name.startswith(("_", "link__", "federation__")) or named.name == "FieldSet"


def client_sdl(schema: strawberry.Schema) -> str:
    """The SDL of ``schema`` without Federation's fields, types and directives."""
    full = schema._schema  # graphql-core's schema, printed by graphql-core: no SDL extensions
    query = full.query_type
    assert query is not None
    client_query = GraphQLObjectType(
        name=query.name,
        fields={name: f for name, f in query.fields.items() if name not in FEDERATION_FIELDS},
        description=query.description,
    )
    roots = {query.name}
    types = [
        named
        for name, named in full.type_map.items()
        if name not in roots and not name.startswith("__") and not _is_federation_type(named)
    ]
    client = GraphQLSchema(
        query=client_query,
        mutation=full.mutation_type,
        subscription=full.subscription_type,
        types=types,
        directives=specified_directives,
    )
    return print_schema(client) + "\n"
