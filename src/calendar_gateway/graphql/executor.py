"""graphql-core's executor, as Strawberry runs it, without the reference cycle it makes, and
with the schema's attribute leaves completed at once.

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

from graphql import (
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    Undefined,
    is_leaf_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

P = ParamSpec("P")
R = TypeVar("R")


class Attribute:
    """The resolver of a field that reads its source's attribute, as Strawberry's default
    resolver does (``schema.read_attributes_at_once`` sets it), with what completing its
    value needs, worked out once."""

    __slots__ = ("_is_default", "leaf", "name", "null_message", "type")

    def __init__(self, name: str, parent: str, field: str, type_: GraphQLOutputType) -> None:
        self.name = name
        self.type = type_
        inner = type_.of_type if is_non_null_type(type_) else type_
        self.leaf: GraphQLLeafType | None = inner if is_leaf_type(inner) else None
        # graphql-core's message, for a non-null field; None where null is a value.
        self.null_message = (
            f"Cannot return null for non-nullable field {parent}.{field}."
            if is_non_null_type(type_)
            else None
        )
        self._is_default = True  # strawberry.resolvers.is_default_resolver reads it

    def __call__(
        self, source: object, _info: GraphQLResolveInfo[Any], **_arguments: object
    ) -> object:
        return getattr(source, self.name)


class Executor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=_weakly(self.gather_async_work), track=_weakly(self.track_async_work)
        )
        # A Strawberry extension that hooks resolvers (tracing's) is a middleware: it sees
        # every field, so none is completed around it.
        manager = self.middleware_manager
        self._direct = manager is None or not manager.middlewares

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        """A scalar or enum attribute is read and completed here, with the same value or
        error as graphql-core's path, which builds its resolve info first and goes through
        ``complete_value``: 13 of the fan-out's 16 fields, 20 us a request in all, 2.5% of its
        CPU in-process (#17)."""
        if self._direct:
            field_def = parent_type.fields.get(field_details_list[0].node.name.value)
            resolve = field_def.resolve if field_def is not None else None
            if type(resolve) is Attribute and resolve.leaf is not None:
                try:
                    result = getattr(source, resolve.name)
                    # An awaitable (never one of the gateway's) is graphql-core's to await.
                    if not self.is_awaitable(result):
                        return self._completed(resolve, result)
                except Exception as error:
                    self.handle_field_error(error, resolve.type, field_details_list, path)
                    return None
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def _completed(self, attribute: Attribute, result: object) -> Any:
        """``complete_value`` of a scalar or enum, raising where it raises."""
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            if attribute.null_message is not None:
                raise TypeError(attribute.null_message)
            return None
        return self.complete_leaf_value(attribute.leaf, result)  # type: ignore[arg-type]


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
