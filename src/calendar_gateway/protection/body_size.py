"""A ceiling on request bodies, so no client makes us buffer more than it."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import Response

from calendar_gateway.protection.rejection import rejection


class BodyTooLargeError(Exception):
    """Raised from ``receive`` once a body has come past the limit."""


class BodySizeLimit:
    """Answers 413 to a body over ``max_bytes``: declared, or counted as it arrives."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    def declared_over(self, headers: Mapping[bytes, bytes]) -> bool:
        """Whether the request's Content-Length is over the limit (a chunked body has none)."""
        declared = headers.get(b"content-length", b"")
        return declared.isdigit() and int(declared) > self.max_bytes

    def check(self, received: int) -> None:
        """Raise ``BodyTooLargeError`` if the ``received`` bytes of a body are over the limit."""
        if received > self.max_bytes:
            raise BodyTooLargeError

    def refusal(self) -> Response:
        message = f"The request body is larger than {self.max_bytes} bytes."
        return rejection(413, "PAYLOAD_TOO_LARGE", message)
