"""The one schema over all three vendors."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Any

import strawberry
from graphql import GraphQLSchema
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Key
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.name_converter import NameConverter
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from calendar_gateway.graphql.appointments import AppointmentMutation, AppointmentQuery
from calendar_gateway.graphql.availability import AvailabilityQuery
from calendar_gateway.graphql.bookings import BookingMutation, BookingQuery
from calendar_gateway.graphql.calendars import CalendarMutation, CalendarQuery
from calendar_gateway.graphql.context import Info
from calendar_gateway.graphql.errors import apply_contract
from calendar_gateway.graphql.executor import Attribute, Executor
from calendar_gateway.graphql.extension_runner import LeanRunner
from calendar_gateway.graphql.feeds import FeedMutation
from calendar_gateway.graphql.incremental import with_coded_errors
from calendar_gateway.graphql.known_operation import KnownOperation
from calendar_gateway.graphql.lifecycle import lifecycle
from calendar_gateway.graphql.limits import argument_sizes, limits
from calendar_gateway.graphql.resolvers import call_resolvers_at_once, strawberry_fields
from calendar_gateway.graphql.scalars import SCALARS
from calendar_gateway.graphql.subscriptions import Subscription
from calendar_gateway.services.errors import InvalidInputError
from calendar_gateway.settings import Settings


@strawberry.type
class Query(CalendarQuery, BookingQuery, AppointmentQuery, AvailabilityQuery):
    pass


@strawberry.type
class Mutation(CalendarMutation, BookingMutation, AppointmentMutation, FeedMutation):
    pass


class RememberedNames(NameConverter):
    """Strawberry's names, each worked out once per Python name.

    Strawberry names a resolver's arguments anew on every call (to_camel_case for each:
    about 20 calls a request under the fan-out load); the name depends on nothing else.
    """

    def __init__(self) -> None:
        super().__init__()
        self._applied: dict[str, str] = {}

    def apply_naming_config(self, name: str) -> str:
        applied = self._applied.get(name)
        if applied is None:
            # Bounded: only the schema's own names are named (its fields, arguments, values).
            applied = self._applied[name] = super().apply_naming_config(name)
        return applied


class Schema(strawberry.federation.Schema):
    """A Federation v2 subgraph: its entities can be joined from other subgraphs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        read_attributes_at_once(self._schema)
        call_resolvers_at_once(self)

    async def execute(  # noqa: PLR0917 - Strawberry's signature
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        # An operation of a document admitted before runs straight: known_operation.py.
        allowed = allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES
        context = self._create_execution_context(
            query,
            allowed,
            variable_values,
            context_value,
            root_value,
            operation_name,
            operation_extensions,
        )
        known = KnownOperation.of(self, context, allowed)
        result = await known.run() if known is not None else None
        if result is not None:
            return result
        return await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Instead of Strawberry's logging of every error: the contract codes them, and logs
        # only the unexpected; an upstream saying no is not a stack trace.
        apply_contract(errors)

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        # Hooks wrapped once per extension class, phases timed: extension_runner.py.
        return LeanRunner(execution_context, extensions)

    async def _execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        # Every transport (HTTP multipart, WebSocket) runs operations through this one.
        return with_coded_errors(await super()._execute_operation(*args, **kwargs))

    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        # Strawberry starts each entity's resolver in turn, and one representation it cannot
        # dispatch fails the whole list, leaving those started unawaited: check all first.
        for representation in representations:
            self._require_resolvable(representation)
        return super().entities_resolver(info, representations)

    @cached_property
    def _entity_keys(self) -> dict[str, list[list[str]]]:
        """Each entity type's name, with the fields of each of its keys."""
        keys: dict[str, list[list[str]]] = {}
        for name, converted in self.schema_converter.type_map.items():
            directives = getattr(converted.definition, "directives", None) or ()
            found = [d.fields.split() for d in directives if isinstance(d, Key)]
            if found:
                keys[name] = found
        return keys

    def _require_resolvable(self, representation: object) -> None:
        if not isinstance(representation, dict):
            raise InvalidInputError("representations", "each representation is an object")
        keys = self._entity_keys.get(str(representation.get("__typename")))
        if keys is None:
            raise InvalidInputError(
                "representations", f"__typename must name one of {', '.join(self._entity_keys)}"
            )
        if not any(all(isinstance(representation.get(f), str) for f in key) for key in keys):
            raise InvalidInputError(
                "representations", "a representation needs its entity's key fields, as strings"
            )


def read_attributes_at_once(schema: GraphQLSchema) -> None:
    """Each field without a resolver of its own reads its attribute with one call.

    Strawberry resolves such a field through a wrapper, ``get_result`` and two properties,
    to end in ``getattr(source, python_name)`` (its default resolver): 13 fields of the
    fan-out, ~50 calls a request. The same ``getattr``, called at once; a field with a
    resolver, extensions or error handlers keeps Strawberry's. The executor completes such a
    field of a scalar or enum type itself (``Executor.execute_field``).
    """
    for type_, name, field, definition in strawberry_fields(schema):
        if (
            definition.is_basic_field
            and definition.default_resolver is getattr
            and getattr(field.resolve, "__name__", None) == "_get_basic_result"
        ):
            field.resolve = Attribute(definition.python_name, type_.name, name, field.type)


def create_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema; with ``settings``, also their limits and batching (the SDL is the same)."""
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        # The newest version that both composition libraries in tests/e2e understand.
        federation_version="2.9",
        extensions=[
            lifecycle(argument_sizes(settings) if settings else None),
            *(limits(settings) if settings else []),
        ],
        execution_context_class=Executor,
        config=StrawberryConfig(
            name_converter=RememberedNames(),
            scalar_map=SCALARS,
            # @defer and @stream, answered as multipart/mixed (graphql-core's incremental delivery).
            enable_experimental_incremental_execution=True,
            batching_config=(
                {"max_operations": settings.max_batch_operations} if settings else None
            ),
        ),
    )
