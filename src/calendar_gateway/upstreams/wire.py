"""A request's headers and body as httpx 0.28 would send them, made from the request's parts.

``httpx.Request`` parses the URL, normalises every header to bytes and encodes the body
through its content machinery: for a form POST about as much CPU as the rest of the call.
The transport builds the same list of headers, in the same order, and the same body bytes
from the parts instead (``Transport._sent``). The names are lower case, as httpx hands them
to the transport (``Headers.multi_items``). tests/unit/test_wire.py holds each function to
what httpx does, and tests/integration/test_transport_requests.py the bytes on the wire.
"""

from __future__ import annotations

import functools
import json as jsonlib
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, quote_plus

import httpx

Header = tuple[str, str]

FORM = "application/x-www-form-urlencoded"
# Headers httpx.Request sets itself unless given: a call that gives one is left to httpx.
_SET_BY_HTTPX = frozenset({"content-length", "content-type", "transfer-encoding"})
# The methods httpx sends "Content-Length: 0" with when they have no body.
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# What quote and quote_plus leave as they are: urllib.parse's always-safe characters.
_UNQUOTED = re.compile(r"[A-Za-z0-9_.\-~]*")


class DefaultHeaders:
    """A client's default headers, looked at once, and a call's headers put over them."""

    def __init__(self, defaults: httpx.Headers) -> None:
        self._items = defaults.multi_items()
        self._names = frozenset(name for name, _ in self._items)

    def merged(self, own: Mapping[str, str]) -> list[Header]:
        """The defaults updated with ``own`` as ``httpx.Headers.update`` does it: a default
        that ``own`` names again, in any case, is dropped, and ``own`` follows in its order."""
        for name, value in own.items():
            # httpx encodes a call's headers as ASCII: the same error for one that is not.
            name.encode("ascii")
            value.encode("ascii")
        added = [(name.lower(), value) for name, value in own.items()]
        dropped = self._names.intersection([name for name, _ in added])
        if not dropped:
            return [*self._items, *added]
        return [item for item in self._items if item[0] not in dropped] + added


def set_header(headers: list[Header], name: str, value: str) -> None:
    """``headers[name] = value`` as on ``httpx.Headers``: the first of that name takes the
    new value, the others go; else it is appended."""
    name = name.lower()
    found = [at for at, (given, _) in enumerate(headers) if given == name]
    for at in reversed(found[1:]):
        del headers[at]
    if found:
        headers[found[0]] = (name, value)
    else:
        headers.append((name, value))


def prepared(
    method: str,
    host: str,
    headers: list[Header],
    data: Mapping[str, str] | None,
    json: Any,
) -> tuple[list[Header], bytes | None] | None:
    """The headers and body ``httpx.Request(method, url, headers=headers, data=data,
    json=json)`` sends to ``host``, for ``headers`` as ``merged`` makes them; None where
    httpx's own rules would need following further: a content header given, or a form
    value that is not a string."""
    names = {name for name, _ in headers}
    if not names.isdisjoint(_SET_BY_HTTPX):
        return None
    encoded = _body(data, json)
    if encoded is None:
        return None
    body, body_headers = encoded
    # httpx.Request puts its Host first, then "Content-Length: 0" for a method with an
    # empty body, then the headers given, then the body's.
    first = [] if "host" in names else [("host", host)]
    if body is None and method.upper() in _BODY_METHODS:
        first.append(("content-length", "0"))
    return [*first, *headers, *body_headers], body


def _body(data: Mapping[str, str] | None, json: Any) -> tuple[bytes | None, list[Header]] | None:
    """As httpx's encode_request: a non-empty form before JSON; None for a form ``form``
    leaves to httpx."""
    if data:
        text = form(data)
        if text is None:
            return None
        body = text.encode("utf-8")
        return body, [("content-length", str(len(body))), ("content-type", FORM)]
    if json is not None:
        text = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        body = text.encode("utf-8")
        return body, [("content-length", str(len(body))), ("content-type", "application/json")]
    return None, []


def form(data: Mapping[str, str]) -> str | None:
    """``urlencode(data, doseq=True)``: httpx's encoding of a form and of query params, for
    string values (None for others: httpx converts those its own way). In a fifth to a half
    of the time: most keys and values need no quoting."""
    if not all(type(value) is str for value in data.values()):
        return None
    return "&".join([f"{_quoted(name)}={_quoted(value)}" for name, value in data.items()])


# A form's names, credentials and actions come back on every call: their quotings are kept,
# for the last 128 texts. A five-field form took 3.9 us, 5.8 us with a password to quote;
# 2.7 us either way now.
@functools.lru_cache(maxsize=128)
def _quoted(text: str) -> str:
    return text if _UNQUOTED.fullmatch(text) else quote_plus(text)


def segment(text: str) -> str:
    """``quote(text, safe="")``: ``text`` as one segment of a URL's path. An id with nothing
    to quote (every id GRS makes, most a client sends) is checked in a third of the time."""
    return text if _UNQUOTED.fullmatch(text) else quote(text, safe="")
