"""Domain-level errors the services raise before or instead of an upstream call."""

from __future__ import annotations


class InvalidInputError(ValueError):
    """The client's input breaks a rule we know, so no upstream is asked."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class EditTimeoutError(Exception):
    """An edit could not reach its write within its time budget; nothing was written."""


class EditStoreUnavailableError(Exception):
    """The store of edit mutexes and lock holders (Redis) failed; nothing was written."""
