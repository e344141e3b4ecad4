"""What the cached lists showed of each entity: a single read that shows another state knows
they are older than it.

A list is cached under its query (a company's dates, a calendar's days), so a single read
cannot tell which cached lists hold its entity. A fresh list read leaves, beside the cached
list, a digest of each entry's state; a fresh single read compares its own. In the shared
store, so it holds for every replica.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Iterable

from calendar_gateway.caching import Codec, ReadCache

DIGEST = Codec(str)


def digest(state: object) -> str:
    """A short fingerprint of ``state``, a JSON-able value (dates as ISO text)."""
    text = json.dumps(state, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class Sightings:
    """Digests of the entities a kind's fresh list reads showed, by id."""

    def __init__(self, cache: ReadCache, kind: str) -> None:
        self._cache = cache
        self._kind = kind

    async def listed(self, states: Iterable[tuple[str, str]]) -> None:
        """Note what a fresh list read showed: (id, digest) pairs."""
        await self._cache.put_many({self._key(i): d for i, d in states}, DIGEST)

    async def contradicts(self, entity_id: str, state: str) -> bool:
        """Whether a list read noted another state of the entity: cached lists are older."""
        seen = await self.seen(entity_id)
        return seen is not None and seen != state

    def seen(self, entity_id: str) -> Awaitable[str | None]:
        """The digest a list read noted of the entity, if any list showed it.

        Asked first, so a read that no list showed does not compute its own digest.
        """
        # peek's coroutine itself: a coroutine of this one's would only forward it.
        return self._cache.peek(self._key(entity_id), DIGEST)

    def _key(self, entity_id: str) -> str:
        return f"seen:{self._kind}:{entity_id}"
