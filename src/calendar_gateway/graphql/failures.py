"""Failures an answer reports whatever was selected: a source that left it partial."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from calendar_gateway.graphql.errors import apply_contract


class ReportedFailures(SchemaExtension):
    """Adds ``Context.failures`` to the errors, each unless a field already raised it."""

    def on_execute(self) -> Iterator[None]:
        yield
        failures = getattr(self.execution_context.context, "failures", None)
        result = self.execution_context.result
        if not failures or result is None:
            return
        errors = list(result.errors or ())
        raised = {id(error.original_error) for error in errors}
        missing = [f for f in failures if id(f.original_error) not in raised]
        # After Schema.process_errors has coded the rest: these are coded here.
        apply_contract(missing)
        result.errors = errors + missing
