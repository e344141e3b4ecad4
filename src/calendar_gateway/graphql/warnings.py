"""Upstream warnings, returned beside the data in ``extensions.warnings``."""

from __future__ import annotations

from typing import Any

from strawberry.extensions import SchemaExtension


class UpstreamWarnings(SchemaExtension):
    """Reports what resolvers noted in ``Context.warnings``, each message once."""

    def get_results(self) -> dict[str, Any]:
        warnings = getattr(self.execution_context.context, "warnings", None)
        if not warnings:
            return {}
        return {"warnings": list(dict.fromkeys(warnings))}
