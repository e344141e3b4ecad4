"""An operation of a document admitted before, run straight through the gateway's hooks.

Strawberry's ``Schema.execute`` runs every operation through its extension runner: four
phases, each a context manager made per request around each extension's hook, an
extension results gather, and the checks of a document not seen before. For a document
admitted (parsed and validated) before, most of that decides nothing: 3.8% of a fan-out
request's instructions (#17). Here such an operation calls the same hooks of the same
two extensions (``OperationLifecycle`` and ``Admission``), in Strawberry's order, with the
same phases timed; whatever else an operation is (a new text, a directive, an operation
type not allowed, a variable over its cap, other extensions) goes Strawberry's way.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from graphql.execution import experimental_execute_incrementally
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions import SchemaExtension
from strawberry.schema import Schema
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.utils.await_maybe import await_maybe

from calendar_gateway.graphql.admission import Admission
from calendar_gateway.graphql.hoisting import HoistedText
from calendar_gateway.graphql.incremental import with_coded_errors
from calendar_gateway.graphql.lifecycle import OperationLifecycle
from calendar_gateway.graphql.observability import observe_phase


class KnownOperation:
    """One operation whose document was admitted before, ready to run."""

    def __init__(
        self,
        schema: Schema,
        context: ExecutionContext,
        extensions: list[SchemaExtension],
        lifecycle: OperationLifecycle,
        started: float,
        *,
        hoisted: HoistedText | None,
    ) -> None:
        self._schema = schema
        self._context = context
        self._extensions = extensions
        self._lifecycle = lifecycle
        self._started = started
        self._hoisted = hoisted

    @classmethod
    def of(
        cls, schema: Schema, context: ExecutionContext, allowed: Iterable[OperationType]
    ) -> KnownOperation | None:
        """The operation, when it can run straight: else None, and Strawberry runs it."""
        started = time.perf_counter()
        if context.query is None or "@" in context.query:  # @defer, @stream: incremental
            return None
        extensions = schema.get_extensions()
        match extensions:
            case [OperationLifecycle() as lifecycle, Admission() as admission]:
                pass
            case _:
                return None
        lifecycle.execution_context = admission.execution_context = context
        if not admission.admit_at_once() or context.pre_execution_errors:
            return None
        try:
            if context.operation_type not in allowed:
                return None  # refused as Strawberry refuses it
        except RuntimeError:  # no such operation in the document
            return None
        return cls(schema, context, extensions, lifecycle, started, hoisted=admission.hoisted)

    async def run(self) -> ExecutionResult | None:
        """The operation's result; None, having done nothing, where a hook refuses it
        before it starts (a variable over its cap): Strawberry's way answers that."""
        executing = self._lifecycle.on_execute()
        try:
            next(executing)  # the variables' caps: they raise before anything runs
        except Exception:  # Strawberry's way raises it again, and answers it
            return None
        operation = self._lifecycle.on_operation()
        next(operation)
        # Parsed and validated before: each phase is timed as the runner would time it.
        observe_phase("parse", time.perf_counter() - self._started)
        observe_phase("validate", 0.0)
        try:
            result = await self._executed(executing)
        except Exception as error:  # as Strawberry: an answer with the error
            _raise_into(executing, error)
            _raise_into(operation, error)
            return await self._failed(error)
        _finish(operation)
        return await self._answer(result)

    async def _executed(self, executing: Iterator[None]) -> Any:
        """graphql-core's result, with the execute hook's ending and the errors coded."""
        context, started = self._context, time.perf_counter()
        result: Any = await await_maybe(
            experimental_execute_incrementally(
                self._schema._schema,
                context.graphql_document,  # type: ignore[arg-type]  # admitted: set
                root_value=context.root_value,
                context_value=context.context,
                variable_values=context.variables,
                operation_name=context.operation_name,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]  # as Strawberry
                executor_class=self._schema.execution_context_class,
                operation_extensions=context.operation_extensions,
            )
        )
        context.result = result
        if isinstance(result, GraphQLExecutionResult) and result.errors:
            self._relocate(result.errors)
            context.pre_execution_errors = result.errors
            self._schema._process_errors(result.errors, context)
        _finish(executing)
        observe_phase("execute", time.perf_counter() - started)
        return with_coded_errors(result)

    async def _answer(self, result: Any) -> ExecutionResult:
        """Strawberry's answer to a result: its errors kept, the extensions' results added."""
        context = self._context
        if not isinstance(result, GraphQLExecutionResult):
            return result  # type: ignore[no-any-return]  # incremental: as Strawberry
        if result.errors:
            context.pre_execution_errors = result.errors
        return await self._settled(ExecutionResult(data=result.data, errors=result.errors))

    async def _failed(self, error: Exception) -> ExecutionResult:
        """Strawberry's answer to an operation that raised: its error, coded, without data."""
        if not isinstance(error, GraphQLError):
            error = GraphQLError(str(error), original_error=error)
        errors = [error]
        self._relocate(errors)
        context = self._context
        context.pre_execution_errors = errors
        self._schema._process_errors(errors, context)
        return await self._settled(PreExecutionError(data=None, errors=errors))

    def _relocate(self, errors: list[GraphQLError]) -> None:
        """Errors located in a shape's hoisted document, located in the request's text."""
        if self._hoisted is not None:
            self._hoisted.relocate(errors)

    async def _settled(self, answer: ExecutionResult) -> ExecutionResult:
        """``answer``, with the extensions' results: the operation's result from now on."""
        results: dict[str, Any] = {}
        for extension in self._extensions:
            results.update(await await_maybe(extension.get_results()))
        results.update(self._context.extensions_results)
        answer.extensions = results
        self._context.result = answer
        return answer


def _raise_into(hook: Iterator[None], error: Exception) -> None:
    """Raises ``error`` at a generator hook's ``yield``, as leaving its phase with it would;
    what the hook raises then is the operation's error all the same."""
    with contextlib.suppress(Exception):  # answered by the caller
        hook.throw(error)  # type: ignore[attr-defined]  # a generator's


def _finish(hook: Iterator[None]) -> None:
    """Runs a generator hook's part after its ``yield``."""
    for _ in hook:
        raise RuntimeError("a hook yields once")
