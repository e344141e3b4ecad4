"""Domain-level errors the services raise before or instead of an upstream call."""

from __future__ import annotations

from collections.abc import Sequence

from calendar_gateway.upstreams.errors import FieldError

# The codes of a field's problem (``fieldErrors[].code``), for a form to key its messages on.
INVALID = "INVALID"
REQUIRED = "REQUIRED"
CONFLICT = "CONFLICT"
OUT_OF_RANGE = "OUT_OF_RANGE"
UNKNOWN = "NOT_FOUND"


class InvalidInputError(ValueError):
    """The client's input breaks rules we know: every broken field at once, the first named."""

    def __init__(self, field: str, message: str, code: str = INVALID) -> None:
        self.problems: tuple[FieldError, ...] = (FieldError(field, code, message),)
        super().__init__(message)
        self.field = field
        self.message = message

    @classmethod
    def of(cls, problems: Sequence[FieldError]) -> InvalidInputError:
        first = problems[0]
        error = cls(first.field, first.message, first.code)
        error.problems = tuple(problems)
        error.message = "; ".join(p.message for p in problems)
        error.args = (error.message,)
        return error


class FieldProblems:
    """Collects what is wrong with one input, so the client hears of every field at once."""

    def __init__(self) -> None:
        self._found: list[FieldError] = []

    def add(self, field: str, message: str, code: str = INVALID) -> None:
        self._found.append(FieldError(field, code, message))

    def raise_any(self) -> None:
        if self._found:
            raise InvalidInputError.of(self._found)


class EditTimeoutError(Exception):
    """An edit could not reach its write within its time budget; nothing was written."""


class EditStoreUnavailableError(Exception):
    """The store of edit mutexes and lock holders (Redis) failed; nothing was written."""
