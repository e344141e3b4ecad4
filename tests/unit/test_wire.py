"""A request's headers and body made from its parts are what httpx 0.28 makes of them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from calendar_gateway.upstreams import wire

DEFAULTS = httpx.AsyncClient().headers
HOST = "vendor.example:8443"


@pytest.mark.parametrize(
    "own",
    [
        {},
        {"Authorization": "xelion t", "X-Request-ID": "r1"},
        {"accept": "application/json"},
        {"USER-AGENT": "me", "Accept-Encoding": "identity", "X-A": "1"},
        {"X-A": "1", "x-a": "2", "Accept": "a", "ACCEPT": "b"},
    ],
)
def test_a_calls_headers_go_over_the_defaults_as_httpx_updates_them(own: dict[str, str]) -> None:
    theirs = httpx.Headers(DEFAULTS)
    theirs.update(own)
    assert wire.DefaultHeaders(DEFAULTS).merged(own) == theirs.multi_items()


@pytest.mark.parametrize("own", [{"X-Name": "Zoë"}, {"Ünï": "x"}])
def test_a_header_httpx_cannot_encode_fails_as_it_fails_there(own: dict[str, str]) -> None:
    with pytest.raises(UnicodeEncodeError) as theirs:
        httpx.Headers(DEFAULTS).update(own)
    with pytest.raises(UnicodeEncodeError) as ours:
        wire.DefaultHeaders(DEFAULTS).merged(own)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ([("Accept", "*/*")], "traceparent"),
        ([("Accept", "*/*"), ("Traceparent", "old")], "traceparent"),
        ([("TRACEPARENT", "a"), ("Accept", "*/*"), ("traceparent", "b")], "Traceparent"),
    ],
)
def test_a_header_is_set_as_httpx_sets_one(given: list[tuple[str, str]], name: str) -> None:
    theirs = httpx.Headers(given)
    theirs[name] = "00-new"
    ours = wire.DefaultHeaders(httpx.Headers(given)).merged({})
    wire.set_header(ours, name, "00-new")
    assert ours == theirs.multi_items()


CALLS: list[dict[str, Any]] = [
    {"method": "GET"},
    {"method": "GET", "headers": {"Accept": "application/json", "X-Request-ID": "r"}},
    {"method": "POST"},
    {"method": "put"},
    {"method": "DELETE"},
    {"method": "POST", "data": {"user": "u", "password": "p w&=+", "q": "é/?#~ü"}},
    {"method": "post", "data": {"action": "calendarrefresh", "diary": "137463"}},
    {"method": "GET", "data": {"a": "1"}},
    {"method": "POST", "json": {"userName": "ü", "n": [1, 2.5, None, True], "s": "\u2028"}},
    {"method": "PATCH", "json": []},
    {"method": "PUT", "json": 0},
    {"method": "POST", "data": {}, "json": {"a": 1}},
    {"method": "POST", "data": {"a": "1"}, "json": {"b": 2}},
    {"method": "GET", "headers": {"Host": "elsewhere"}},
]


@pytest.mark.parametrize("call", CALLS)
def test_a_request_is_made_as_httpx_makes_it(call: dict[str, Any]) -> None:
    headers = wire.DefaultHeaders(DEFAULTS).merged(call.get("headers", {}))
    theirs = httpx.Request(
        call["method"],
        f"http://{HOST}/api/x",
        headers=headers,
        data=call.get("data"),
        json=call.get("json"),
    )
    made = wire.prepared(call["method"], HOST, headers, call.get("data"), call.get("json"))
    assert made == (theirs.headers.multi_items(), theirs.content or None)


@pytest.mark.parametrize(
    "call",
    [
        {"headers": {"Content-Type": "text/plain"}, "data": {"a": "1"}},
        {"headers": {"content-length": "3"}, "json": 1},
        {"headers": {"Transfer-Encoding": "chunked"}},
        {"data": {"a": ["1", "2"]}},
        {"data": {"a": True}},
    ],
)
def test_what_httpx_has_rules_of_its_own_for_is_left_to_it(call: dict[str, Any]) -> None:
    headers = wire.DefaultHeaders(DEFAULTS).merged(call.get("headers", {}))
    assert wire.prepared("POST", HOST, headers, call.get("data"), call.get("json")) is None


# Any text, and text mostly of characters left unquoted.
FORM_TEXT = st.text() | st.text(alphabet="aZ09_.-~ +&=%/é")


@given(st.dictionaries(FORM_TEXT, FORM_TEXT))
def test_a_form_is_encoded_as_urlencode_encodes_it(data: dict[str, str]) -> None:
    assert wire.form(data) == urlencode(data, doseq=True)


@given(st.dictionaries(FORM_TEXT, FORM_TEXT))
def test_query_params_are_encoded_as_httpx_encodes_them(params: dict[str, str]) -> None:
    assert wire.form(params) == str(httpx.QueryParams(params))


class Label(str):
    """A string that httpx would send as ``str()`` makes it, not as it reads."""

    def __str__(self) -> str:
        return "label"


@pytest.mark.parametrize(
    "data", [{"a": 1}, {"a": True}, {"a": None}, {"a": ["1", "2"]}, {"a": Label("x")}]
)
def test_a_value_that_is_not_a_string_is_left_to_httpx(data: dict[str, Any]) -> None:
    assert wire.form(data) is None


@pytest.mark.parametrize(
    "data",
    [
        {"user": "u_1", "version": "3.9", "action": "calendarrefresh", "diary": "137463"},
        {"user": "u_1", "password": "p@ss w0rd!", "diary": "137464"},
        {"a": "", "": "~-._"},
        {"a b": "1", "c": "é"},
    ],
)
def test_a_form_sent_again_is_encoded_again_as_urlencode_encodes_it(
    data: dict[str, str],
) -> None:
    # The second time, its texts' quotings are the ones kept from the first.
    assert wire.form(data) == wire.form(dict(data)) == urlencode(data, doseq=True)


@pytest.mark.parametrize(
    "text", ["", "aZ09_.-~", "a b", "a+b", "é", "x/y?z=1&w#", "\x00\x7f", "~~"]
)
def test_every_kind_of_character_is_quoted_as_urlencode_quotes_it(text: str) -> None:
    assert wire.form({text: text}) == urlencode({text: text}, doseq=True)
