"""The lean runner enters a phase's one hook directly: it fails as Strawberry's stack fails."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext

from calendar_gateway.graphql.extension_runner import LeanRunner


class HookError(Exception):
    pass


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


def failing(phase: str, where: str) -> type[SchemaExtension]:
    """An extension with one hook, for ``phase``, that raises ``where`` it is told to."""

    def sync_hook(self: SchemaExtension) -> Iterator[None]:
        if where == "before":
            raise HookError(f"{phase} before")
        try:
            yield
        except Exception:  # swallowed: the phase's error is raised all the same
            if where != "swallow":
                raise
        if where == "after":
            raise HookError(f"{phase} after")

    async def async_hook(self: SchemaExtension) -> AsyncIterator[None]:
        for _ in sync_hook(self):
            yield

    hook = async_hook if phase in ("on_parse", "on_validate") else sync_hook
    return type(f"Failing_{phase}_{where}", (SchemaExtension,), {phase: hook})


class LeanSchema(strawberry.Schema):
    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return LeanRunner(execution_context, extensions)


async def outcome(schema: strawberry.Schema) -> tuple[object, list[str]] | str:
    try:
        result = await schema.execute("{ hello }")
    except Exception as error:  # the outcome compared, whatever it is
        return f"{type(error).__name__}: {error}"
    return result.data, [error.message for error in result.errors or []]


@pytest.mark.parametrize("phase", ["on_operation", "on_parse", "on_validate", "on_execute"])
@pytest.mark.parametrize("where", ["before", "after", "swallow", "nowhere"])
async def test_a_hook_s_failure_ends_the_operation_as_strawberry_s_runner_ends_it(
    phase: str, where: str
) -> None:
    extensions: list[Any] = [failing(phase, where)]
    expected = await outcome(strawberry.Schema(query=Query, extensions=extensions))
    assert await outcome(LeanSchema(query=Query, extensions=extensions)) == expected


@pytest.mark.parametrize("inner", ["on_parse", "on_validate", "on_execute"])
@pytest.mark.parametrize("where", ["after", "swallow", "nowhere"])
async def test_an_error_inside_the_operation_passes_its_hook_as_through_strawberry_s_stack(
    inner: str, where: str
) -> None:
    extensions: list[Any] = [failing("on_operation", where), failing(inner, "before")]
    expected = await outcome(strawberry.Schema(query=Query, extensions=extensions))
    assert await outcome(LeanSchema(query=Query, extensions=extensions)) == expected


def recording(name: str, calls: list[str]) -> type[SchemaExtension]:
    """An extension whose hooks note when they run: generators, and one plain function."""

    def on_operation(self: SchemaExtension) -> Iterator[None]:
        calls.append(f"{name} operation in")
        yield
        calls.append(f"{name} operation out")

    async def on_parse(self: SchemaExtension) -> AsyncIterator[None]:
        calls.append(f"{name} parse in")
        yield
        calls.append(f"{name} parse out")

    def on_execute(self: SchemaExtension) -> None:
        calls.append(f"{name} execute")

    hooks = {"on_operation": on_operation, "on_parse": on_parse, "on_execute": on_execute}
    return type(f"Recording_{name}", (SchemaExtension,), hooks)


async def test_hooks_of_several_extensions_and_plain_function_hooks_run_as_strawberry_s() -> None:
    expected: list[str] = []
    extensions: list[Any] = [recording("a", expected), recording("b", expected)]
    await strawberry.Schema(query=Query, extensions=extensions).execute("{ hello }")
    calls: list[str] = []
    extensions = [recording("a", calls), recording("b", calls)]
    for _ in range(2):  # the second time from the remembered hooks
        calls.clear()
        await LeanSchema(query=Query, extensions=extensions).execute("{ hello }")
        assert calls == expected
    assert "a execute" in calls
