"""The request id: taken from ``X-Request-ID`` or made up, logged, and sent on to upstreams."""

from __future__ import annotations

import random
import re
from contextvars import ContextVar, Token

from starlette.types import Message

REQUEST_ID_HEADER = "X-Request-ID"
# As ASGI servers hand header names over: lower-case bytes.
REQUEST_ID_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")

# A client's id is kept only when it is short and plain: it ends up in every log line.
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:\-]{1,128}")

# A version 4 UUID's version and variant bits (RFC 9562), as uuid.uuid4() sets them.
_UUID4_MASK = (0xF000 << 64) | (0xC000 << 48)
_UUID4_BITS = (0x4000 << 64) | (0x8000 << 48)

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request this task serves, if any."""
    return _request_id.get()


def adopt(offered: bytes | None) -> tuple[str, Token[str | None]]:
    """The request's id (the client's, if acceptable), now this task's until ``release``."""
    request_id = _acceptable(offered)
    return request_id, _request_id.set(request_id)


def release(token: Token[str | None]) -> None:
    """The task serves no request any more: back to the id it had before ``adopt``."""
    _request_id.reset(token)


def answer_with(request_id: str, start: Message) -> None:
    """Puts ``X-Request-ID`` on an ``http.response.start`` message, in place of any other."""
    headers = [header for header in start.get("headers", ()) if header[0] != REQUEST_ID_KEY]
    headers.append((REQUEST_ID_KEY, request_id.encode("latin-1")))
    start["headers"] = headers


def _acceptable(offered: bytes | None) -> str:
    if offered is not None:
        # Latin-1, as Starlette reads headers: any byte decodes, and the pattern judges it.
        text = offered.decode("latin-1")
        if _ACCEPTABLE.fullmatch(text):
            return text
    return new_request_id()


def new_request_id() -> str:
    """A random version 4 UUID in hex (32 characters), as ``uuid.uuid4().hex`` writes one.

    From the process's pseudo-random generator (reseeded in a forked worker), not from
    os.urandom: its system call and the UUID object made an id 5 us of the request's own
    CPU. An id names a request in logs and upstream calls; it guards nothing, and a client
    may send its own.
    """
    return f"{random.getrandbits(128) & ~_UUID4_MASK | _UUID4_BITS:032x}"
