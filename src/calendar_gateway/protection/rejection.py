"""Refusals made before any GraphQL runs, in the shape GraphQL clients read errors from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse


def rejection(
    status: int,
    code: str,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> JSONResponse:
    error = {"message": message, "extensions": {"code": code, **(extensions or {})}}
    return JSONResponse({"errors": [error]}, status_code=status, headers=headers)
