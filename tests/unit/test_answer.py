"""An answer built from its parts behaves as the ``httpx.Response`` httpx would build."""

from __future__ import annotations

import gzip
import json
import re

import httpx
import pytest

from calendar_gateway.upstreams.answer import Answer, RawHeaders

BODY = json.dumps({"name": "Zoë", "n": [1, 2]}).encode("latin-1")
RAW: tuple[tuple[bytes, bytes], ...] = (
    (b"Content-Type", b"application/json; charset=latin-1"),
    (b"Set-Cookie", b"a=1; Path=/"),
    (b"set-cookie", b"b=2"),
    (b"Date", b"Sun, 06 Dec 2026 23:00:00 GMT"),
)
REQUEST = httpx.Request("POST", "http://vendor.example/api/x", content=b"q=1")


def received(status: int, raw: RawHeaders, body: bytes, request: httpx.Request | None) -> Answer:
    """As Http1Transport hands an answer over: with what its parser saw of the headers."""
    names = {name.lower() for name, _ in raw}
    return Answer.received(
        status,
        raw,
        body,
        request,
        compressed=b"content-encoding" in names,
        sets_cookies=b"set-cookie" in names,
    )


def theirs(status: int, raw: tuple[tuple[bytes, bytes], ...], body: bytes) -> httpx.Response:
    return httpx.Response(
        status,
        headers=raw,
        content=body,
        request=REQUEST,
        extensions={"http_version": b"HTTP/1.1"},
    )


def state(response: httpx.Response) -> dict[str, object]:
    """What httpx's methods read, headers included; the decoder is made only to read a body."""
    skipped = {"_decoder", "_raw_headers", "_headers", "headers", "stream", "sets_cookies"}
    seen = {k: v for k, v in vars(response).items() if k not in skipped}
    stream = response.stream
    assert isinstance(stream, httpx.ByteStream)
    return {**seen, "headers": response.headers.multi_items(), "stream": list(stream)}


@pytest.mark.parametrize(
    ("status", "raw", "body"),
    [
        (200, RAW, BODY),
        (200, ((b"Content-Length", b"2"),), b"{}"),
        (204, (), b""),
        (404, ((b"Content-Type", b"text/xml"),), b"<Error ErrorID='404002'/>"),
    ],
)
def test_an_answer_has_the_state_httpx_gives_a_response(
    status: int, raw: tuple[tuple[bytes, bytes], ...], body: bytes
) -> None:
    assert state(received(status, raw, body, REQUEST)) == state(theirs(status, raw, body))


def test_an_answer_reads_as_httpxs_response_reads() -> None:
    ours, expected = received(200, RAW, BODY, REQUEST), theirs(200, RAW, BODY)
    assert ours.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2"]
    assert ours.headers["content-length"] == str(len(BODY))
    assert (ours.encoding, ours.text, ours.json()) == (
        expected.encoding,
        expected.text,
        expected.json(),
    )
    assert (ours.is_success, ours.http_version, repr(ours)) == (True, "HTTP/1.1", repr(expected))


def test_headers_are_made_once_and_only_when_asked_for() -> None:
    answer = received(200, RAW, BODY, REQUEST)
    assert answer._headers is None
    assert answer.status_code == 200
    assert answer.content == BODY
    assert answer.sets_cookies
    assert answer._headers is None
    assert answer.headers is answer.headers


def test_an_answer_says_whether_it_sets_a_cookie() -> None:
    assert received(200, RAW, BODY, REQUEST).sets_cookies
    assert not received(200, RAW[:1], BODY, REQUEST).sets_cookies


def test_an_answer_setting_a_cookie_in_a_lower_case_header_says_so() -> None:
    assert received(200, ((b"set-cookie", b"b=2"),), BODY, REQUEST).sets_cookies


@pytest.mark.parametrize("name", [b"Content-Encoding", b"content-encoding"])
def test_a_compressed_answer_is_decoded_as_httpx_decodes_it(name: bytes) -> None:
    raw = ((name, b"gzip"), (b"Content-Type", b"application/json"))
    answer = received(200, raw, gzip.compress(BODY), REQUEST)
    assert answer.content == BODY
    with pytest.raises(httpx.DecodingError):
        received(200, raw, b"not gzip", REQUEST)


def test_a_request_made_on_demand_names_the_call_and_the_error() -> None:
    answer = received(503, (), b"", None)
    answer.make_request = lambda: REQUEST
    with pytest.raises(httpx.HTTPStatusError) as raised:
        answer.raise_for_status()
    assert raised.value.request is REQUEST
    assert (answer.request, answer.url) == (REQUEST, REQUEST.url)


def test_a_successful_answer_raises_nothing() -> None:
    answer = received(200, (), b"{}", REQUEST)
    assert answer.raise_for_status() is answer


def test_an_answer_without_a_request_says_so_as_httpx_does() -> None:
    ours, theirs = received(503, (), b"", None), httpx.Response(503)
    with pytest.raises(RuntimeError) as expected:
        theirs.raise_for_status()
    with pytest.raises(RuntimeError, match=re.escape(str(expected.value))):
        ours.raise_for_status()
