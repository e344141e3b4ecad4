"""The schema's resolver functions, called without Strawberry's per-call wrapper.

For a field with a resolver, Strawberry's ``from_resolver`` builds a closure that, on every
call, converts each argument by inspecting its type (generic? optional? a list of leaves?),
chains the field's extensions with ``reduce`` and ``partial`` even when there are none,
and awaits the resolver inside a coroutine of its own. For a field with no extensions and
no exception handlers, all of that is the same for every call: ``Resolver`` works it out
once, converts only the arguments whose values need converting (with Strawberry's own
``convert_argument``), and hands graphql-core the resolver's own result or coroutine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, cast

import strawberry
from graphql import GraphQLField, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema
from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import StrawberryArgument, convert_argument
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField

# The names Strawberry gives its wrappers in ``from_resolver``: only those are replaced.
_STRAWBERRY_WRAPPERS = frozenset({"_resolver", "_async_resolver"})

Conversion = Callable[[object, strawberry.Info[Any, Any] | None], object]


class Resolver:
    """A field's resolver function, with its arguments' conversions worked out once."""

    __slots__ = (
        "_call",
        "_conversions",
        "_field",
        "_info_class",
        "_info_name",
        "_needs_info",
        "_pass_source",
        "_source_names",
    )

    def __init__(self, field: StrawberryField, schema: strawberry.Schema) -> None:
        resolver = field.base_resolver
        assert resolver is not None
        self._field = field
        # Strawberry's StrawberryResolver.__call__, without the call; only a callable is given.
        self._call = cast("Callable[..., Any]", resolver.wrapped_func)
        self._info_class = schema.config.info_class
        self._pass_source = resolver.self_parameter is not None
        self._source_names = tuple(
            parameter.name
            for parameter in (resolver.parent_parameter, resolver.root_parameter)
            if parameter is not None
        )
        self._info_name = resolver.info_parameter.name if resolver.info_parameter else None
        names = [schema.config.name_converter.from_argument(a) for a in field.arguments]
        self._conversions = tuple(
            (name, argument.python_name, _conversion(argument, name, schema))
            for name, argument in zip(names, field.arguments, strict=True)
        )
        # Strawberry makes its Info for every call; here only for a call that hands it on.
        self._needs_info = self._info_name is not None or any(
            convert is not None for _, _, convert in self._conversions
        )

    def __call__(self, source: object, info: GraphQLResolveInfo[Any], **arguments: object) -> Any:
        strawberry_info = (
            self._info_class(_raw_info=info, _field=self._field) if self._needs_info else None
        )
        kwargs: dict[str, object] = {}
        for name, python_name, convert in self._conversions:
            if name in arguments:
                value = arguments[name]
                kwargs[python_name] = value if convert is None else convert(value, strawberry_info)
        for name in self._source_names:
            kwargs[name] = source
        if self._info_name is not None:
            kwargs[self._info_name] = strawberry_info
        if self._pass_source:
            return self._call(source, **kwargs)
        return self._call(**kwargs)


def _conversion(
    argument: StrawberryArgument, name: str, schema: strawberry.Schema
) -> Conversion | None:
    """None where Strawberry passes the value on as it is: a scalar, or null."""
    type_ = argument.type
    if type(type_) is StrawberryOptional:  # not Maybe, which wraps its value
        type_ = type_.of_type
    registry = schema.schema_converter.scalar_registry
    if type_ is not GlobalID and is_scalar(type_, registry):
        return None

    def convert(value: object, info: strawberry.Info[Any, Any] | None) -> object:
        return convert_argument(value, argument.type, registry, schema.config, info, path=(name,))

    return convert


def strawberry_fields(
    schema: GraphQLSchema,
) -> Iterator[tuple[GraphQLObjectType, str, GraphQLField, StrawberryField]]:
    """Each object type's fields that Strawberry made, with the definition it made each from."""
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType):
            continue
        for name, field in type_.fields.items():
            definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if isinstance(definition, StrawberryField):
                yield type_, name, field, definition


def call_resolvers_at_once(schema: strawberry.Schema) -> None:
    """Each field whose resolver Strawberry wraps with nothing to add gets a ``Resolver``.

    A field with field extensions (permissions among them), exception handlers or its own
    ``get_result`` keeps Strawberry's wrapper, as does every subscription field.
    """
    for _, _, field, definition in strawberry_fields(schema._schema):
        if (
            definition.base_resolver is not None
            and callable(definition.base_resolver.wrapped_func)
            and not definition.extensions
            and not definition.is_subscription
            and type(definition).get_result is StrawberryField.get_result
            and not schema.schema_converter._get_field_exception_handlers(definition)
            and getattr(field.resolve, "__name__", None) in _STRAWBERRY_WRAPPERS
        ):
            field.resolve = Resolver(definition, schema)
