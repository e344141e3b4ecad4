"""Automatic persisted queries, in Apollo's protocol.

A client sends ``extensions.persistedQuery.sha256Hash`` without the query; on a miss we
answer ``PersistedQueryNotFound`` and the client sends both, which we check, run, and keep
once the document has passed parsing and validation: strangers cannot make us keep text
that is not an operation of this schema, nor more than ``MAX_PERSISTED_QUERIES`` of at most
``MAX_PERSISTED_QUERY_BYTES`` each (the least recently used go first). With Redis the queries
are also written there, for the other replicas, for a day.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
from collections import OrderedDict
from typing import Any

from aiocache.base import BaseCache
from cross_web import HTTPException
from graphql.error import GraphQLError
from strawberry.http import GraphQLRequestData

from calendar_gateway.caching import STORE_ERRORS

NOT_FOUND = "PersistedQueryNotFound"
KEEP_SECONDS = 24 * 3600.0
"""How long Redis keeps a query unused: a day later, a client is asked for it again."""


class PersistedQueryError(GraphQLError):
    """A persisted-query request answered with an error and nothing run."""


class PersistedQueryNotFoundError(PersistedQueryError):
    def __init__(self) -> None:
        super().__init__(NOT_FOUND, extensions={"code": "PERSISTED_QUERY_NOT_FOUND"})


class PersistedQueryTooLargeError(PersistedQueryError):
    def __init__(self, size: int, max_bytes: int) -> None:
        super().__init__(
            f"A persisted query of {size} bytes; at most {max_bytes} are kept. Send it"
            " without extensions.persistedQuery.",
            extensions={"code": "PERSISTED_QUERY_TOO_LARGE"},
        )


class PersistedQueries:
    def __init__(self, shared: BaseCache | None, max_entries: int, max_bytes: int) -> None:
        self._shared = shared
        self._kept: OrderedDict[str, str] = OrderedDict()
        self._max_entries = max_entries
        self._max_bytes = max_bytes

    async def resolve(self, request: GraphQLRequestData) -> GraphQLRequestData:
        """The request with its query: looked up by hash, or checked against it."""
        digest = _requested_hash(request.extensions)
        if digest is None:
            return request
        if request.query is None:
            query = await self._lookup(digest)
            if query is None:
                raise PersistedQueryNotFoundError
            return dataclasses.replace(request, query=query)
        size = len(request.query.encode())
        if size > self._max_bytes:
            raise PersistedQueryTooLargeError(size, self._max_bytes)
        if _digest(request.query) != digest:
            raise HTTPException(400, "provided sha does not match query")
        return request

    async def keep(self, request: GraphQLRequestData) -> None:
        """Keep the query of a request that registered one, once it has proved valid."""
        digest = _requested_hash(request.extensions)
        if digest is None or request.query is None or digest in self._kept:
            return
        self._remember(digest, request.query)
        if self._shared is not None:
            with contextlib.suppress(*STORE_ERRORS):  # kept here; shared when Redis answers
                await self._shared.set(f"apq:{digest}", request.query, ttl=KEEP_SECONDS)

    async def _lookup(self, digest: str) -> str | None:
        query = self._kept.get(digest)
        if query is not None:
            self._kept.move_to_end(digest)
            return query
        if self._shared is None:
            return None
        try:
            stored = await self._shared.get(f"apq:{digest}")
        except STORE_ERRORS:
            # The store is down: the client is told to send the query itself.
            return None
        found = _stored_query(stored, digest, self._max_bytes)
        if found is not None:
            self._remember(digest, found)
        return found

    def _remember(self, digest: str, query: str) -> None:
        if self._max_entries == 0:
            return
        self._kept[digest] = query
        self._kept.move_to_end(digest)
        while len(self._kept) > self._max_entries:
            self._kept.popitem(last=False)


def _stored_query(stored: object, digest: str, max_bytes: int) -> str | None:
    # The store is not trusted: only text of a size we keep, whose hash the client named.
    if isinstance(stored, bytes):
        stored = stored.decode(errors="replace")
    if not isinstance(stored, str) or len(stored) > max_bytes or _digest(stored) != digest:
        return None
    return stored


def _digest(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


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
