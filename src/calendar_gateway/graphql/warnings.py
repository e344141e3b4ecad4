"""Upstream warnings, returned beside the data in ``extensions.warnings``."""

from __future__ import annotations

from typing import Any

from strawberry.types import ExecutionContext


def upstream_warnings(execution_context: ExecutionContext) -> dict[str, Any]:
    """What resolvers noted in ``Context.warnings``, each message once, as extensions."""
    warnings = getattr(execution_context.context, "warnings", None)
    if not warnings:
        return {}
    return {"warnings": list(dict.fromkeys(warnings))}
