"""A result with the warnings that came with it, for ``extensions.warnings``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from calendar_gateway.upstreams.records import quick_init

T = TypeVar("T")


@quick_init
@dataclass(frozen=True)
class Warned(Generic[T]):
    """``value``, and what the vendor changed of the request (Synergist's warningmessage)."""

    value: T
    warnings: tuple[str, ...] = ()
