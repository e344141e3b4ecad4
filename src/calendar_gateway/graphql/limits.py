"""Limits on what one operation may ask for: depth, aliases, tokens, root fields, introspection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VisitorAction,
)
from graphql.language.visitor import SKIP
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from calendar_gateway.settings import Settings


def limits(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Extension factories enforcing the configured limits, one fresh extension per request."""
    # Strawberry's limiters make a new rule class per instance, and ValidationCache keys on
    # the rule classes: made once here, a repeated document is still validated only once.
    rules: list[type[ASTValidationRule]] = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
        root_field_limit(settings.max_root_fields),
    ]
    if not settings.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return [
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
    ]


def root_field_limit(max_root_fields: int) -> type[ValidationRule]:
    """A rule refusing operations with more than ``max_root_fields`` top-level fields.

    Fields are counted by response key, through fragments: each is one resolver call.
    """

    class RootFieldLimit(ValidationRule):
        def enter_operation_definition(
            self, node: OperationDefinitionNode, *_args: Any
        ) -> VisitorAction:
            count = len(self._response_keys(node.selection_set, set()))
            if count > max_root_fields:
                self.report_error(
                    GraphQLError(
                        f"The operation has {count} root fields; at most {max_root_fields}"
                        " are allowed.",
                        node,
                    )
                )
            return SKIP

        def _response_keys(self, selections: SelectionSetNode, seen: set[str]) -> set[str]:
            keys: set[str] = set()
            for selection in selections.selections:
                if isinstance(selection, FieldNode):
                    keys.add((selection.alias or selection.name).value)
                elif isinstance(selection, InlineFragmentNode):
                    keys |= self._response_keys(selection.selection_set, seen)
                elif isinstance(selection, FragmentSpreadNode):
                    keys |= self._spread_keys(selection.name.value, seen)
            return keys

        def _spread_keys(self, name: str, seen: set[str]) -> set[str]:
            fragment = self.context.get_fragment(name)
            # A cycle or an unknown fragment is reported by graphql's own rules.
            if fragment is None or name in seen:
                return set()
            return self._response_keys(fragment.selection_set, seen | {name})

    return RootFieldLimit
