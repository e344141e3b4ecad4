"""Typed upstream failures, raised by the clients and mapped to GraphQL in one place."""

from __future__ import annotations

from dataclasses import dataclass


class UpstreamError(Exception):
    """An upstream call failed; ``upstream`` names the vendor API ("bookings", ...)."""

    def __init__(self, upstream: str, message: str) -> None:
        super().__init__(message)
        self.upstream = upstream
        self.message = message


class UpstreamUnavailableError(UpstreamError):
    """Timeout, connection error, 5xx, or an open circuit."""


class NotFoundError(UpstreamError):
    """The upstream does not know the id.

    ``entity`` and ``entity_id`` say which, when the vendor's answer tells (a request may
    name several ids); ``field`` is the request's input field that named it, when known.
    """

    def __init__(
        self,
        upstream: str,
        message: str,
        *,
        entity: str | None = None,
        entity_id: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(upstream, message)
        self.entity = entity
        self.entity_id = entity_id
        self.field = field


class UnauthenticatedError(UpstreamError):
    """The upstream refused our credentials, also after one re-login."""


class ForbiddenError(UpstreamError):
    """Our credentials lack the permission for this call."""


class CalendarLockedError(UpstreamError):
    """Another user holds the calendar's lock (GRS 412)."""

    def __init__(self, upstream: str, message: str, lock_owner: str | None) -> None:
        super().__init__(upstream, message)
        self.lock_owner = lock_owner


class LockLostError(UpstreamError):
    """A write needed the calendar lock we had taken, and GRS no longer has it for us."""


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str


class ValidationFailedError(UpstreamError):
    """The upstream rejected a payload field by field (GRS 422)."""

    def __init__(self, upstream: str, message: str, field_errors: list[FieldError]) -> None:
        super().__init__(upstream, message)
        self.field_errors = field_errors


class BadRequestError(UpstreamError):
    """The upstream rejected the request's shape (Xelion 400)."""


class RateLimitedError(UpstreamError):
    """The upstream still throttles us after bounded backoff."""

    def __init__(self, upstream: str, message: str, retry_after: float | None) -> None:
        super().__init__(upstream, message)
        self.retry_after = retry_after


class VendorError(UpstreamError):
    """The vendor said no in its own terms (a Synergist ``errorcode``)."""

    def __init__(self, upstream: str, message: str, upstream_code: str) -> None:
        super().__init__(upstream, message)
        self.upstream_code = upstream_code
