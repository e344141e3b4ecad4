"""A JSON object as the vendors send and take it, before it is parsed into a typed result."""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]
