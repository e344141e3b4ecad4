"""Failures an answer reports whatever was selected: a source that left it partial."""

from __future__ import annotations

from strawberry.types import ExecutionContext

from calendar_gateway.graphql.errors import apply_contract


def add_reported_failures(execution_context: ExecutionContext) -> None:
    """Adds ``Context.failures`` to the executed result's errors, each unless a field raised it."""
    failures = getattr(execution_context.context, "failures", None)
    result = execution_context.result
    if not failures or result is None:
        return
    errors = list(result.errors or ())
    raised = {id(error.original_error) for error in errors}
    missing = [f for f in failures if id(f.original_error) not in raised]
    # After Schema.process_errors has coded the rest: these are coded here.
    apply_contract(missing)
    result.errors = errors + missing
