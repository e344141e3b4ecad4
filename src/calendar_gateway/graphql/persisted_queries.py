"""Automatic persisted queries, in Apollo's protocol.

A client sends ``extensions.persistedQuery.sha256Hash`` without the query; on a miss we
answer ``PersistedQueryNotFound`` and the client sends both, which we check and keep.
Queries live in the read cache's store, so replicas sharing Redis share them too.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
from typing import Any

from aiocache.base import BaseCache
from cross_web import HTTPException
from graphql.error import GraphQLError
from strawberry.http import GraphQLRequestData

from calendar_gateway.caching import STORE_ERRORS

NOT_FOUND = "PersistedQueryNotFound"
KEEP_SECONDS = 24 * 3600.0
"""A query unused for a day is asked for again; bounds what strangers can make us keep."""


class PersistedQueryNotFoundError(GraphQLError):
    def __init__(self) -> None:
        super().__init__(NOT_FOUND, extensions={"code": "PERSISTED_QUERY_NOT_FOUND"})


class PersistedQueries:
    def __init__(self, store: BaseCache) -> None:
        self._store = store

    async def resolve(self, request: GraphQLRequestData) -> GraphQLRequestData:
        """The request with its query: looked up by hash, or checked against it and kept."""
        digest = _requested_hash(request.extensions)
        if digest is None:
            return request
        key = f"apq:{digest}"
        if request.query is None:
            query = _stored_query(await self._lookup(key), digest)
            if query is None:
                raise PersistedQueryNotFoundError
            return dataclasses.replace(request, query=query)
        if hashlib.sha256(request.query.encode()).hexdigest() != digest:
            raise HTTPException(400, "provided sha does not match query")
        with contextlib.suppress(*STORE_ERRORS):  # kept next time the store answers
            await self._store.set(key, request.query, ttl=KEEP_SECONDS)
        return request

    async def _lookup(self, key: str) -> object:
        try:
            return await self._store.get(key)
        except STORE_ERRORS:
            # The store is down: the client is told to send the query itself.
            return None


def _stored_query(stored: object, digest: str) -> str | None:
    # The store is not trusted: only the text whose hash the client named is a query.
    if isinstance(stored, bytes):
        stored = stored.decode(errors="replace")
    if not isinstance(stored, str) or hashlib.sha256(stored.encode()).hexdigest() != digest:
        return None
    return stored


def _requested_hash(extensions: dict[str, Any] | None) -> str | None:
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise HTTPException(400, "Unsupported persisted query version")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or len(digest) != 64:
        raise HTTPException(400, "persistedQuery.sha256Hash must be a SHA-256 hex digest")
    return digest.lower()
