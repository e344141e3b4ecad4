"""Limits on what one operation may ask for: depth, aliases, root fields, introspection.

Each rule measures a fragment once, however often it is spread: a document of chained
fragments (``F1 { ...F2 ...F2 }``, ``F2 { ...F3 ...F3 }``, ...) costs time linear in its
length, not doubling with every fragment.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    ValidationContext,
    ValidationRule,
    ValueNode,
    VisitorAction,
)
from graphql.language.visitor import SKIP
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from calendar_gateway.graphql.admission import Admission, AdmissionRules, Documents
from calendar_gateway.graphql.argument_sizes import ArgumentSizes
from calendar_gateway.graphql.shapes import LiteralCheck, ShapeCache
from calendar_gateway.settings import Settings

T = TypeVar("T")


class PerFragmentRule(ValidationRule, Generic[T]):
    """A rule measuring selection sets, each fragment once per document."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self._fragments: dict[str, T] = {}

    @abstractmethod
    def measure(self, selections: SelectionSetNode) -> T: ...

    @abstractmethod
    def nothing(self) -> T: ...

    def spread(self, name: str) -> T:
        if name not in self._fragments:
            # While it is measured a fragment counts as nothing: a cycle (graphql's own
            # NoFragmentCycles reports it) or an unknown fragment ends the walk.
            self._fragments[name] = self.nothing()
            fragment = self.context.get_fragment(name)
            if fragment is not None:
                self._fragments[name] = self.measure(fragment.selection_set)
        return self._fragments[name]


def depth_limit(max_depth: int) -> type[ValidationRule]:
    """Refuses operations whose fields nest deeper than ``max_depth`` (introspection aside)."""

    class DepthLimit(PerFragmentRule[int]):
        def enter_operation_definition(
            self, node: OperationDefinitionNode, *_args: Any
        ) -> VisitorAction:
            if self.measure(node.selection_set) > max_depth:
                name = node.name.value if node.name else "anonymous"
                message = f"'{name}' exceeds maximum operation depth of {max_depth}"
                self.report_error(GraphQLError(message, node))
            return SKIP

        def nothing(self) -> int:
            return 0

        def measure(self, selections: SelectionSetNode) -> int:
            return max(map(self._depth, selections.selections), default=0)

        def _depth(self, selection: Any) -> int:
            if isinstance(selection, FieldNode):
                # As Strawberry's limiter: introspection fields do not count.
                if selection.selection_set is None or selection.name.value.startswith("__"):
                    return 0
                return 1 + self.measure(selection.selection_set)
            if isinstance(selection, InlineFragmentNode):
                return self.measure(selection.selection_set)
            return self.spread(selection.name.value)

    return DepthLimit


def alias_limit(max_aliases: int) -> type[ValidationRule]:
    """Refuses operations with more than ``max_aliases`` aliases, a fragment's per spread."""

    class AliasLimit(PerFragmentRule[int]):
        def enter_operation_definition(
            self, node: OperationDefinitionNode, *_args: Any
        ) -> VisitorAction:
            count = self.measure(node.selection_set)
            if count > max_aliases:
                message = f"{count} aliases found. Allowed: {max_aliases}"
                self.report_error(GraphQLError(message, node))
            return SKIP

        def nothing(self) -> int:
            return 0

        def measure(self, selections: SelectionSetNode) -> int:
            return sum(map(self._aliases, selections.selections))

        def _aliases(self, selection: Any) -> int:
            if isinstance(selection, FieldNode):
                own = 1 if selection.alias else 0
                nested = selection.selection_set
                return own + (self.measure(nested) if nested else 0)
            if isinstance(selection, InlineFragmentNode):
                return self.measure(selection.selection_set)
            return self.spread(selection.name.value)

    return AliasLimit


def root_field_limit(max_root_fields: int) -> type[ValidationRule]:
    """Refuses operations with more than ``max_root_fields`` top-level fields.

    Fields are counted by response key, through fragments: each is one resolver call.
    """

    class RootFieldLimit(PerFragmentRule[frozenset[str]]):
        def enter_operation_definition(
            self, node: OperationDefinitionNode, *_args: Any
        ) -> VisitorAction:
            count = len(self.measure(node.selection_set))
            if count > max_root_fields:
                message = (
                    f"The operation has {count} root fields; at most {max_root_fields} are allowed."
                )
                self.report_error(GraphQLError(message, node))
            return SKIP

        def nothing(self) -> frozenset[str]:
            return frozenset()

        def measure(self, selections: SelectionSetNode) -> frozenset[str]:
            keys: set[str] = set()
            for selection in selections.selections:
                if isinstance(selection, FieldNode):
                    keys.add((selection.alias or selection.name).value)
                elif isinstance(selection, InlineFragmentNode):
                    keys |= self.measure(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    keys |= self.spread(selection.name.value)
            return frozenset(keys)

    return RootFieldLimit


class NoFederationSdlRule(ValidationRule):
    """Refuses ``_service``: its SDL is the whole schema, which introspection being off hides."""

    def enter_operation_definition(
        self, node: OperationDefinitionNode, *_args: Any
    ) -> VisitorAction:
        # Only a query reaches _service; a mutation's fields cannot be named so.
        return None if node.operation == OperationType.QUERY else SKIP

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        parent = self.context.get_parent_type()
        query_type = self.context.schema.query_type
        if node.name.value == "_service" and parent is query_type:
            self.report_error(
                GraphQLError(
                    "The federation SDL (_service) is not served: set FEDERATION=true"
                    " (or INTROSPECTION=true) to serve it.",
                    node,
                )
            )


def _string_size_check(sizes: ArgumentSizes) -> LiteralCheck:
    """The literal rule's test of one string, for a document validated by its shape."""

    def passes(type_: GraphQLInputType, node: ValueNode) -> bool:
        return not isinstance(node, StringValueNode) or not sizes.string_problem(type_, node.value)

    return passes


def argument_sizes(settings: Settings) -> ArgumentSizes:
    """The configured caps on argument values (the operation's lifecycle checks variables)."""
    return ArgumentSizes(
        max_ids=settings.max_ids_per_list,
        max_id_length=settings.max_id_length,
        max_string_length=settings.max_string_length,
    )


def limits(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Extension factories enforcing the configured limits, one fresh extension per request."""
    sizes = argument_sizes(settings)
    rules: list[type[ASTValidationRule]] = [
        depth_limit(settings.max_query_depth),
        alias_limit(settings.max_aliases),
        root_field_limit(settings.max_root_fields),
        sizes.literal_rule(),
    ]
    if not settings.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
        if not settings.federation:
            rules.append(NoFederationSdlRule)
    # Made once here, so the documents admitted stay known to every request of this schema.
    admission = AdmissionRules(
        documents=Documents(),
        # A new text of a known shape has its literals checked, the size caps included.
        shapes=ShapeCache(literal_checks=[_string_size_check(sizes)]),
        rules=tuple(rules),
        max_tokens=settings.max_query_tokens,
        budget_seconds=settings.operation_cpu_budget_seconds,
    )
    return [lambda: Admission(admission)]
