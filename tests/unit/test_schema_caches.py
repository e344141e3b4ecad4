"""The schema's parser and validation caches outlive a request: a repeated query is parsed once."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any, cast

from strawberry.extensions.parser_cache import DEFAULT_MAXSIZE, _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from calendar_gateway.graphql.schema import create_schema


def _misses_and_hits(cache: Callable[..., Any]) -> tuple[int, int]:
    info = cast("functools._lru_cache_wrapper[Any]", cache).cache_info()
    return info.misses, info.hits


async def _execute_three_times(cache: Callable[..., Any]) -> tuple[int, int]:
    """Misses and hits of ``cache`` while one new query runs three times."""
    schema = create_schema()
    query = f"query Probe_{uuid.uuid4().hex} {{ __typename }}"
    misses, hits = _misses_and_hits(cache)
    for _ in range(3):
        assert (await schema.execute(query)).errors is None
    after_misses, after_hits = _misses_and_hits(cache)
    return after_misses - misses, after_hits - hits


async def test_a_repeated_query_is_parsed_once() -> None:
    assert await _execute_three_times(_get_parse_cache(DEFAULT_MAXSIZE)) == (1, 2)


async def test_a_repeated_query_is_validated_once() -> None:
    assert await _execute_three_times(_get_validate_cache(DEFAULT_MAXSIZE)) == (1, 2)
