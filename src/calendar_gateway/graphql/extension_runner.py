"""Strawberry's runner of extension hooks, with less made anew per request.

For every request and phase (operation, parse, validate, execute) Strawberry looks each
extension's hook up again and wraps a generator hook in a new context manager factory
(``contextlib.contextmanager``, with ``functools.update_wrapper``). Here each extension
class's hook is wrapped once, and only bound to the request's extension. The parse,
validate and execute phases are timed around their hooks, with no hook of their own.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, cast

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
    WrappedHook,
)
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext

from calendar_gateway.graphql.admission import Admission
from calendar_gateway.graphql.observability import observe_phase

HookFactory = Callable[[SchemaExtension], Any]
"""A hook made a context manager factory, called with the extension it belongs to."""


class _WrappedOnce(ExtensionContextManagerBase):
    """A phase's hooks, each generator hook wrapped once per process.

    A phase with one hook (each of the gateway's phases has one) enters and leaves it
    directly: Strawberry's exit stack around a single context manager added about 25
    calls per request. As with the stack, what the hook's exit returns is not passed on.
    A phase with none (an admitted document's parse) enters nothing.
    """

    _entered: contextlib.AbstractContextManager[None] | None = None
    _entered_async: contextlib.AbstractAsyncContextManager[None] | None = None

    def __init__(self, extensions: list[SchemaExtension]) -> None:
        # Which extensions have a hook for the phase is known by their classes: looked up
        # once per phase and classes, not for every request (8 lookups a request).
        plan = _plan(self.HOOK_NAME, tuple(map(type, extensions)))
        if plan is None:
            super().__init__(extensions)
            return
        self.hooks = [
            WrappedHook(extensions[i], functools.partial(factory, extensions[i]), is_async)
            for i, factory, is_async in plan
        ]

    def get_hook(self, extension: SchemaExtension) -> WrappedHook | None:
        hook = getattr(type(extension), self.HOOK_NAME)
        wrapped = None if hook is self.default_hook else _wrapped(hook)
        if wrapped is None:  # no hook of its own, or a plain function: as Strawberry does
            return super().get_hook(extension)
        factory, is_async = wrapped
        return WrappedHook(extension, functools.partial(factory, extension), is_async)

    def __enter__(self) -> None:
        if not self.hooks:
            return
        if len(self.hooks) != 1 or self.hooks[0].is_async:
            super().__enter__()  # Strawberry's stack, and its error for an async hook
            return
        entered = cast("contextlib.AbstractContextManager[None]", self.hooks[0].hook())
        entered.__enter__()
        self._entered = entered

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        if not self.hooks:
            return
        if self._entered is None:
            super().__exit__(exc_type, exc_val, exc_tb)
            return
        self._entered.__exit__(exc_type, exc_val, exc_tb)

    async def __aenter__(self) -> None:
        if not self.hooks:
            return
        if len(self.hooks) != 1:
            await super().__aenter__()
            return
        hook = self.hooks[0]
        if hook.is_async:
            entered_async = cast("contextlib.AbstractAsyncContextManager[None]", hook.hook())
            await entered_async.__aenter__()
            self._entered_async = entered_async
        else:
            entered = cast("contextlib.AbstractContextManager[None]", hook.hook())
            entered.__enter__()
            self._entered = entered

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        if self._entered_async is not None:
            await self._entered_async.__aexit__(exc_type, exc_val, exc_tb)
        elif self._entered is not None:
            self._entered.__exit__(exc_type, exc_val, exc_tb)
        elif self.hooks:
            await super().__aexit__(exc_type, exc_val, exc_tb)


@functools.cache
def _plan(
    hook_name: str, classes: tuple[type[SchemaExtension], ...]
) -> tuple[tuple[int, HookFactory, bool], ...] | None:
    """Each extension with a generator hook named ``hook_name``: its index, its factory and
    whether it is async. None when one has a plain function for it: Strawberry wraps those."""
    default_hook = getattr(SchemaExtension, hook_name)
    plan = []
    for index, cls in enumerate(classes):
        hook = getattr(cls, hook_name)
        if hook is default_hook:
            continue
        wrapped = _wrapped(hook)
        if wrapped is None:
            return None
        plan.append((index, *wrapped))
    return tuple(plan)


@functools.cache
def _wrapped(hook: Callable[..., Any]) -> tuple[HookFactory, bool] | None:
    """A generator hook as a context manager factory, and whether it is async."""
    if inspect.isgeneratorfunction(hook):
        return contextlib.contextmanager(hook), False
    if inspect.isasyncgenfunction(hook):
        return contextlib.asynccontextmanager(hook), True
    return None


class _Timed(ExtensionContextManagerBase):
    """A phase timed around its hooks, when it ends without an error (as a hook would)."""

    PHASE: str

    def __enter__(self) -> None:
        self._started = time.perf_counter()
        super().__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        super().__exit__(exc_type, exc_val, exc_tb)
        if exc_type is None:
            observe_phase(self.PHASE, time.perf_counter() - self._started)

    async def __aenter__(self) -> None:
        self._started = time.perf_counter()
        await super().__aenter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        await super().__aexit__(exc_type, exc_val, exc_tb)
        if exc_type is None:
            observe_phase(self.PHASE, time.perf_counter() - self._started)


class _Operation(_WrappedOnce, OperationContextManager):
    pass


class _Parsing(_Timed, _WrappedOnce, ParsingContextManager):
    PHASE = "parse"


class _Validation(_Timed, _WrappedOnce, ValidationContextManager):
    PHASE = "validate"


class _Execution(_Timed, _WrappedOnce, ExecutingContextManager):
    PHASE = "execute"


class LeanRunner(SchemaExtensionsRunner):
    """Runs the hooks as Strawberry does, each phase's context manager made cheaply.

    A document admitted before is set on the context at once, and Admission's parse and
    validate hooks are left out, the other extensions' run: entering and leaving them
    for a dictionary lookup was 2.7% of a fan-out request's instructions (#17).
    """

    def __init__(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> None:
        super().__init__(execution_context, extensions)
        admission = next((e for e in extensions if isinstance(e, Admission)), None)
        self._checking = extensions
        if admission is not None and admission.admit_known():
            self._checking = [e for e in extensions if e is not admission]

    def operation(self) -> OperationContextManager:
        return _Operation(self.extensions)

    def parsing(self) -> ParsingContextManager:
        return _Parsing(self._checking)

    def validation(self) -> ValidationContextManager:
        return _Validation(self._checking)

    def executing(self) -> ExecutingContextManager:
        return _Execution(self.extensions)
