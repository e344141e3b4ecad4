"""@defer and @stream: the error contract for the payloads that follow the first.

Strawberry hands the first payload's errors to ``Schema.process_errors`` but passes later
ones (a deferred fragment's, a streamed item's) through as graphql-core made them: uncoded,
and with an unexpected exception's own message. Each is coded here as it goes out.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from contextlib import aclosing
from typing import TypeVar

from graphql import GraphQLError
from graphql.execution import ExperimentalIncrementalExecutionResults
from graphql.execution.types import SubsequentIncrementalExecutionResult

from calendar_gateway.graphql.errors import apply_contract

R = TypeVar("R")


def with_coded_errors(result: R) -> R:
    """``result``, its later payloads' errors coded as they are produced."""
    if not isinstance(result, ExperimentalIncrementalExecutionResults):
        return result
    return result._replace(subsequent_results=_coded(result.subsequent_results))


async def _coded(
    results: AsyncGenerator[SubsequentIncrementalExecutionResult, None],
) -> AsyncGenerator[SubsequentIncrementalExecutionResult, None]:
    async with aclosing(results):
        async for result in results:
            apply_contract(list(_errors(result)))
            yield result


def _errors(result: SubsequentIncrementalExecutionResult) -> Iterator[GraphQLError]:
    for part in (*(result.incremental or ()), *(result.completed or ())):
        yield from part.errors or ()
