"""graphql-core's executor, as Strawberry runs it, without the reference cycle it makes.

graphql-core 3.3 keeps two of the executor's own bound methods in ``async_helpers``, so
every executor refers to itself, and so does everything an operation reached through it:
the request's context, its DataLoaders, the upstream answers and the result. Refcounting
could free none of it; each request waited for the cyclic garbage collector, which then
had ~180 objects a request to find (about a sixth of the CPU under make bench's load).
Held weakly, the helpers leave the executor to refcounting: freed when the operation ends.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from graphql import GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

P = ParamSpec("P")
R = TypeVar("R")


class Executor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=_weakly(self.gather_async_work), track=_weakly(self.track_async_work)
        )


def _weakly(method: Callable[P, R]) -> Callable[P, R]:
    """``method``, without keeping its object alive."""
    weak = weakref.WeakMethod(method)

    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = weak()
        # Resolvers reach the helpers only while the operation runs, in the executor's calls.
        if bound is None:
            raise RuntimeError("the operation's executor has already finished")
        return bound(*args, **kwargs)

    return call
