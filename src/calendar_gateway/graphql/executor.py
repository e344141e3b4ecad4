"""graphql-core's executor, as Strawberry runs it, without the reference cycle it makes,
with the schema's attribute leaves completed at once, with each object's subfields
collected once for a document's operations (``Executor.collect_subfields``), and with an
object whose selection is all attributes completed in one pass
(``Executor.collect_and_execute_subfields``).

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
from typing import Any, NamedTuple, ParamSpec, TypeVar

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
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList, FragmentDetails
from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

P = ParamSpec("P")
R = TypeVar("R")
K = TypeVar("K")
V = TypeVar("V")

_PLAIN = frozenset({str, int, float, bool})
"""Types of values that are neither awaitable nor an error: no check needed."""

SUBFIELD_ENTRIES = 1024
"""Selections whose collected subfields are remembered across operations, at most: each
keeps its document's nodes alive (a fan-out document has four)."""


class Attribute:
    """The resolver of a field that reads its source's attribute, as Strawberry's default
    resolver does (``schema.read_attributes_at_once`` sets it), with what completing its
    value needs, worked out once."""

    __slots__ = ("_is_default", "leaf", "name", "null_message", "object_type", "type")

    def __init__(self, name: str, parent: str, field: str, type_: GraphQLOutputType) -> None:
        self.name = name
        self.type = type_
        inner = type_.of_type if is_non_null_type(type_) else type_
        self.leaf: GraphQLLeafType | None = inner if is_leaf_type(inner) else None
        # An object (not a list, not abstract) that its type tells apart by no predicate.
        self.object_type = (
            inner if isinstance(inner, GraphQLObjectType) and inner.is_type_of is None else None
        )
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

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        """graphql-core's, remembered across operations where nothing but the selection
        decides it: no directive (@skip, @include, @defer) and no fragment variables.

        graphql-core remembers it for one operation; the same document's next operation
        collected each object's subfields again (4 a fan-out request).
        """
        return self._subfields(return_type, field_details_list)[0]

    def collect_and_execute_subfields(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's, but an object whose selected fields are all attributes, of
        scalars and enums or of such objects (the fan-out's four), is completed in one pass:
        130,000 of a fan-out request's 2.86 million instructions went to completing them
        field by field (#17).

        Where a value is not plainly one (null for a non-null field, an error, an awaitable,
        a leaf its type does not take), the object goes graphql-core's way, from its first
        field: reading an attribute again changes nothing, so that way meets the same values
        and answers them as it always has, errors and nulls included.
        """
        collected, remembered = self._subfields(return_type, field_details_list)
        if self._direct:
            plan = self._plan(return_type, collected, remembered)
            if plan is not None:
                data = self._completed_at_once(plan, result)
                if data is not None:
                    return data
        grouped_field_set, new_defer_usages, _forbidden = collected
        return self.execute_collected_subfields(
            return_type, result, path, grouped_field_set, new_defer_usages, position_context
        )

    def _subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> tuple[CollectedFields, _Remembered | None]:
        """The collected subfields, with their entry where they are remembered."""
        nodes = _plain_nodes(field_details_list)
        if nodes is None:
            return super().collect_subfields(return_type, field_details_list), None
        key = (return_type, *map(id, nodes))
        remembered = _subfields.get(key)
        # The entry holds its nodes, and these are alive too: the same ids are the same nodes.
        if remembered is not None:
            return remembered.collected, remembered
        collected = super().collect_subfields(return_type, field_details_list)
        # Remembered when seen again: a document sent once (its ids written in its text,
        # a new text each time) would only fill the memory with nodes kept alive.
        if not _sightings.pop(key, False):
            _remember(_sightings, key, True)
        elif all(_undirected(node.selection_set, self.fragments) for node in nodes):
            remembered = _Remembered(nodes, collected)
            _remember(_subfields, key, remembered)
        return collected, remembered

    def _plan(
        self,
        return_type: GraphQLObjectType,
        collected: CollectedFields,
        remembered: _Remembered | None,
    ) -> _Plan | None:
        """How to complete the object at once; None where it cannot be (a field with a
        resolver, a list, an abstract type, a deferred fragment). Worked out once for a
        remembered selection."""
        if remembered is not None and remembered.plan is not _UNPLANNED:
            return remembered.plan
        plan, lasting = self._planned(return_type, collected)
        if remembered is not None:
            # Kept only where no selection in it is decided by this operation's variables.
            remembered.plan = plan if lasting else None
        return plan

    def _planned(
        self, return_type: GraphQLObjectType, collected: CollectedFields
    ) -> tuple[_Plan | None, bool]:
        """The plan (None where there is none), and whether it may be kept: each of its
        objects' selections is remembered, not decided by this operation's variables."""
        grouped_field_set, new_defer_usages, _forbidden = collected
        if new_defer_usages:
            return None, True
        fields: list[_PlannedField] = []
        lasting = True
        for key, field_details_list in grouped_field_set.items():
            name = field_details_list[0].node.name.value
            if name == "__typename":
                fields.append((key, None, None))
                continue
            definition = return_type.fields.get(name)
            attribute = definition.resolve if definition is not None else None
            if type(attribute) is not Attribute:
                return None, True
            inner = None
            if attribute.object_type is not None:
                inner_collected, inner_remembered = self._subfields(
                    attribute.object_type, field_details_list
                )
                inner = self._plan(attribute.object_type, inner_collected, inner_remembered)
                lasting = lasting and inner_remembered is not None
            if inner is None and attribute.leaf is None:
                return None, True
            fields.append((key, attribute, inner))
        return _Plan(return_type.name, tuple(fields)), lasting

    def _completed_at_once(self, plan: _Plan, source: Any) -> dict[str, Any] | None:
        """The object's result, or None where a value is not plainly one."""
        data: dict[str, Any] = {}
        for key, attribute, inner in plan.fields:
            if attribute is None:
                data[key] = plan.type_name
                continue
            try:
                value = getattr(source, attribute.name)
            except Exception:  # graphql-core's way raises it again, where it belongs
                return None
            if value is None or value is Undefined:
                if attribute.null_message is not None:
                    return None
                data[key] = None
                continue
            if type(value) not in _PLAIN and (
                isinstance(value, Exception) or self.is_awaitable(value)
            ):
                return None
            completed: object = (
                _coerced(attribute.leaf, value)  # type: ignore[arg-type]  # a leaf's
                if inner is None
                else self._completed_at_once(inner, value)
            )
            if completed is None:
                return None
            data[key] = completed
        return data

    def _completed(self, attribute: Attribute, result: object) -> Any:
        """``complete_value`` of a scalar or enum, raising where it raises."""
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            if attribute.null_message is not None:
                raise TypeError(attribute.null_message)
            return None
        return self.complete_leaf_value(attribute.leaf, result)  # type: ignore[arg-type]


class _Plan(NamedTuple):
    """An object completed at once: each response key with its attribute (None for
    ``__typename``) and, for an object's attribute, that object's plan."""

    type_name: str
    fields: tuple[_PlannedField, ...]


_PlannedField = tuple[str, Attribute | None, "_Plan | None"]


_UNPLANNED: Any = object()


class _Remembered:
    """A selection's collected subfields, kept across operations, and its plan."""

    __slots__ = ("collected", "nodes", "plan")

    def __init__(self, nodes: tuple[FieldNode, ...], collected: CollectedFields) -> None:
        self.nodes = nodes  # alive while remembered: their ids are the entry's key
        self.collected = collected
        self.plan: _Plan | None = _UNPLANNED


def _coerced(leaf: GraphQLLeafType, value: object) -> object:
    """``complete_leaf_value``'s value; None where it would raise."""
    try:
        coerced = leaf.coerce_output_value(value)
    except Exception:
        return None
    return None if coerced is Undefined else coerced


_subfields: dict[tuple[object, ...], _Remembered] = {}
_sightings: dict[tuple[object, ...], bool] = {}
"""Selections collected once, not yet remembered: their keys alone (ids of their nodes)."""


def _remember(memory: dict[K, V], key: K, value: V) -> None:
    if len(memory) >= SUBFIELD_ENTRIES:  # the oldest goes
        del memory[next(iter(memory))]
    memory[key] = value


def _plain_nodes(field_details_list: FieldDetailsList) -> tuple[FieldNode, ...] | None:
    """The field nodes, when none is deferred or inside a fragment with variables."""
    nodes = []
    for details in field_details_list:
        if details.defer_usage is not None or details.fragment_variable_values is not None:
            return None
        nodes.append(details.node)
    return tuple(nodes)


def _undirected(
    selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDetails]
) -> bool:
    """Whether no selection that collecting ``selection_set`` visits has a directive."""
    if selection_set is None:
        return True
    for selection in selection_set.selections:
        if selection.directives:
            return False
        if isinstance(selection, InlineFragmentNode):
            inner: SelectionSetNode | None = selection.selection_set
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is None or fragment.definition.directives:
                return False
            inner = fragment.definition.selection_set
        else:
            continue
        if not _undirected(inner, fragments):
            return False
    return True


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
