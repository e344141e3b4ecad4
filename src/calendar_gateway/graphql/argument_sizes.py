"""Caps on argument values: ids in one list, the length of an id or of any other string.

Arguments end up in vendor calls: a list of 85,000 ids is 85,000 upstream calls and an
answer to match, a 900 KB id a 900 KB URL. Both are refused before anything runs, as
``BAD_USER_INPUT`` naming the argument, whether written in the document or sent as a variable.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    GraphQLType,
    ListValueNode,
    ObjectFieldNode,
    StringValueNode,
    ValidationRule,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_input_type,
    type_from_ast,
)
from strawberry.types import ExecutionContext

from calendar_gateway.services.errors import OUT_OF_RANGE


@dataclass(frozen=True)
class ArgumentSizes:
    """The caps, and the checks that apply them."""

    max_ids: int
    max_id_length: int
    max_string_length: int

    def list_problem(self, list_type: GraphQLType | None, count: int) -> str | None:
        nullable = list_type.of_type if isinstance(list_type, GraphQLNonNull) else list_type
        if not isinstance(nullable, GraphQLList) or count <= self.max_ids:
            return None
        if get_named_type(nullable) is GraphQLID:
            return f"{count} ids in one list; at most {self.max_ids} are allowed."
        if _is_reference(nullable):
            return f"{count} entity references in one list; at most {self.max_ids} are allowed."
        return None

    def string_problem(self, type_: GraphQLType | None, value: str) -> str | None:
        is_id = type_ is not None and get_named_type(type_) is GraphQLID
        limit = self.max_id_length if is_id else self.max_string_length
        if len(value) <= limit:
            return None
        kind = "An id" if is_id else "A string"
        return f"{kind} of {len(value)} characters; at most {limit} are allowed."

    def scalar_limit(self, type_: GraphQLInputType) -> int | None:
        """The length a string value of ``type_`` may have, if that is the one cap it can
        break (a scalar's, or an enum's); None for a list, an input object or a reference."""
        nullable = get_nullable_type(type_)
        if isinstance(nullable, GraphQLList | GraphQLInputObjectType) or _is_reference(nullable):
            return None
        return (
            self.max_id_length if get_named_type(nullable) is GraphQLID else self.max_string_length
        )

    def literal_rule(self) -> type[ValidationRule]:
        """A rule applying the caps to the values written in a document."""
        return _literal_rule(self)

    def variable_problems(
        self, type_: GraphQLInputType, value: object, path: str
    ) -> Iterator[tuple[str, str]]:
        """Each (path, message) where ``value``, of ``type_``, breaks a cap."""
        nullable = get_nullable_type(type_)
        if isinstance(nullable, GraphQLList):
            # Input coercion takes a single value where a list is expected.
            items = value if isinstance(value, list) else [value]
            problem = self.list_problem(nullable, len(items))
            if problem:
                yield path, problem
                return
            for index, item in enumerate(items):
                yield from self.variable_problems(nullable.of_type, item, f"{path}[{index}]")
        elif isinstance(nullable, GraphQLInputObjectType) and isinstance(value, dict):
            for name, field in nullable.fields.items():
                if name in value:
                    yield from self.variable_problems(field.type, value[name], f"{path}.{name}")
        elif isinstance(value, dict) and _is_reference(nullable):
            # A reference's members are the entity's key: ids, bound like any other id.
            for key, member in value.items():
                if isinstance(member, str) and (problem := self.string_problem(GraphQLID, member)):
                    yield f"{path}.{key}", problem
        elif isinstance(value, str) and (problem := self.string_problem(nullable, value)):
            yield path, problem


def _is_reference(type_: GraphQLType) -> bool:
    """Federation's ``_Any``: an entity reference, which ``_entities`` reads upstream."""
    return get_named_type(type_).name == "_Any"


def too_large(problems: list[tuple[str, str]]) -> GraphQLError:
    """The one error for every capped value, as the contract words BAD_USER_INPUT."""
    field, message = problems[0]
    field_errors = [{"field": f, "code": OUT_OF_RANGE, "message": m} for f, m in problems]
    return GraphQLError(
        f"{field}: {message}",
        extensions={"code": "BAD_USER_INPUT", "field": field, "fieldErrors": field_errors},
    )


def _literal_rule(sizes: ArgumentSizes) -> type[ValidationRule]:
    class ArgumentSizeLimit(ValidationRule):
        def __init__(self, context: Any) -> None:
            super().__init__(context)
            self._path: list[str] = []

        def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
            self._path.append(node.name.value)

        def leave_argument(self, *_args: Any) -> None:
            self._path.pop()

        def enter_object_field(self, node: ObjectFieldNode, *_args: Any) -> None:
            self._path.append(node.name.value)

        def leave_object_field(self, *_args: Any) -> None:
            self._path.pop()

        def enter_list_value(self, node: ListValueNode, *_args: Any) -> None:
            # TypeInfo has already entered the list: its own type is the parent's.
            problem = sizes.list_problem(self.context.get_parent_input_type(), len(node.values))
            self._report(problem)

        def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
            self._report(sizes.string_problem(self.context.get_input_type(), node.value))

        def _report(self, problem: str | None) -> None:
            if problem is not None:
                self.report_error(too_large([(".".join(self._path) or "value", problem)]))

    return ArgumentSizeLimit


class VariableCaps:
    """Applies the caps to an operation's variables, before it runs.

    Which variables an operation declares, and of which input types, is found once per
    document and operation (graphql-core's lookups took about 1% of the gateway's CPU
    under the fan-out load when done per request); the documents admission keeps come
    back as the same objects, so they are known by identity.
    """

    def __init__(self, sizes: ArgumentSizes, max_operations: int = 128) -> None:
        self.sizes = sizes
        self._declared: OrderedDict[tuple[int, str | None], _Declared] = OrderedDict()
        self._max_operations = max_operations

    def check(self, context: ExecutionContext) -> None:
        """Raises the one error for every capped variable of the operation."""
        variables, document = context.variables, context.graphql_document
        # Without variables, or a document, there is nothing to cap.
        if not variables or document is None:
            return
        problems: list[tuple[str, str]] = []
        for name, type_, limit in self._declared_in(context.schema._schema, document, context):
            if name not in variables:
                continue
            value = variables[name]
            # A scalar's value can break one cap only: as a string longer than its limit.
            if limit is not None and not (isinstance(value, str) and len(value) > limit):
                continue
            problems.extend(self.sizes.variable_problems(type_, value, name))
        if problems:
            raise too_large(problems)

    def _declared_in(
        self, schema: GraphQLSchema, document: DocumentNode, context: ExecutionContext
    ) -> tuple[tuple[str, GraphQLInputType, int | None], ...]:
        operation_name = context.operation_name
        key = (id(document), operation_name)
        known = self._declared.get(key)
        if known is not None and known.document is document and known.schema is schema:
            return known.variables
        variables = tuple(
            (name, type_, self.sizes.scalar_limit(type_))
            for name, type_ in declared_variables(schema, document, operation_name)
        )
        self._declared[key] = _Declared(document, schema, variables)
        while len(self._declared) > self._max_operations:
            self._declared.popitem(last=False)
        return variables


@dataclass(frozen=True)
class _Declared:
    document: DocumentNode
    """Held, so that its id names no other document while it is remembered."""
    schema: GraphQLSchema
    variables: tuple[tuple[str, GraphQLInputType, int | None], ...]
    """Each variable's name, type and, for a scalar's, the length a string may have."""


def declared_variables(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> tuple[tuple[str, GraphQLInputType], ...]:
    """Each variable the operation declares, with its input type."""
    operation = get_operation_ast(document, operation_name)
    declared: list[tuple[str, GraphQLInputType]] = []
    for definition in (operation.variable_definitions or ()) if operation else ():
        type_ = type_from_ast(schema, definition.type)
        # An unknown or output type is refused by validation, which ran already.
        if is_input_type(type_):
            declared.append((definition.variable.name.value, type_))
    return tuple(declared)
