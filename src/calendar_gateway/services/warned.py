"""A result with the warnings that came with it, for ``extensions.warnings``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Warned(Generic[T]):
    """``value``, and what the vendor changed of the request (Synergist's warningmessage)."""

    value: T
    warnings: tuple[str, ...] = ()
