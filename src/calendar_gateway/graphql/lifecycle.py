"""What the gateway does around each operation, as one Strawberry extension.

Strawberry wraps every hook of every extension in a context manager made anew for each
request and phase: one extension carrying the observer, the variables' caps, the reported
failures and the warnings costs one wrapper per phase instead of one per concern. Each
concern stays in its own module; this only calls them, in the order they ran as extensions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from calendar_gateway.graphql.argument_sizes import ArgumentSizes, VariableCaps
from calendar_gateway.graphql.failures import add_reported_failures
from calendar_gateway.graphql.observability import Observed
from calendar_gateway.graphql.warnings import upstream_warnings


class OperationLifecycle(SchemaExtension):
    """Observes the operation; caps its variables, reports failures and warnings."""

    def __init__(self, caps: VariableCaps | None) -> None:
        self.caps = caps
        self._observed: Observed | None = None

    def on_operation(self) -> Iterator[None]:
        self._observed = Observed(self.execution_context)
        yield from self._observed.around()

    def on_execute(self) -> Iterator[None]:
        # Before anything runs: a capped variable fails the operation without data.
        if self.caps is not None:
            self.caps.check(self.execution_context)
        yield
        add_reported_failures(self.execution_context)

    def get_results(self) -> dict[str, Any]:
        # Asked for once the result's errors are coded, refused operations' included.
        if self._observed is not None:
            self._observed.settle()
        return upstream_warnings(self.execution_context)


def lifecycle(sizes: ArgumentSizes | None) -> Callable[[], SchemaExtension]:
    """The extension's factory: one fresh extension per request, with the caps (if any)."""
    caps = VariableCaps(sizes) if sizes is not None else None
    return lambda: OperationLifecycle(caps)
