"""Partial-update inputs: a ``strawberry.Maybe`` field left out means "leave it alone"."""

from __future__ import annotations

from typing import TypeVar

import strawberry

T = TypeVar("T")


def given(value: strawberry.Maybe[T]) -> T | None:
    """The value the client set, or None for a field it left out.

    GraphQL validation already refuses an explicit null for these fields.
    """
    return None if value is None else value.value
