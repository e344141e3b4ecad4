"""What the simulators' JSON payloads are made of."""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]
"""A JSON object as a simulator reads or writes it."""
