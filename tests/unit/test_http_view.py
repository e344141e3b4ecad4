"""The view's shortcuts answer as Strawberry's own steps would (strawberry 0.341)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect, Request
from starlette.types import Message
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.http.base import BaseView

from calendar_gateway.graphql.http import (
    RequestError,
    _depth,
    _may_nest_deeper,
    answered_whole,
    decode_json,
    read_body,
)
from calendar_gateway.graphql.schema import create_schema
from calendar_gateway.graphql.websocket import GraphQLOverWebSocket
from calendar_gateway.protection.rejection import GRAPHQL_RESPONSE_JSON
from tests.conftest import settings_for

SETTINGS = settings_for("http://127.0.0.1:1")
ACCEPTS = [
    "",
    "*/*",
    "application/json",
    GRAPHQL_RESPONSE_JSON,
    'multipart/mixed;subscriptionSpec="1.0", application/json',
    "multipart/mixed;subscriptionSpec=1.0",
    'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"',
    'multipart/mixed;boundary="other";subscriptionSpec="1.0"',
    'Multipart/Mixed;subscriptionSpec="1.0"',
    "multipart/mixed",
    "text/event-stream",
]


@pytest.fixture(scope="module")
def view() -> GraphQLOverWebSocket:
    view = GraphQLOverWebSocket(create_schema(SETTINGS), get_cache_control="private, no-store")
    view.configure_websocket(SETTINGS)
    return view


@pytest.mark.parametrize("accept", ACCEPTS)
def test_the_stream_transport_of_an_accept_header_is_strawberry_s(
    view: GraphQLOverWebSocket, accept: str
) -> None:
    expected = BaseView._get_stream_transport_from_headers(view, {"accept": accept})
    assert view._transport_accepted(accept) is expected
    assert view._transport_accepted(accept) is expected, "and so it stays when remembered"


def test_some_accept_headers_ask_for_a_stream(view: GraphQLOverWebSocket) -> None:
    streams = [accept for accept in ACCEPTS if view._transport_accepted(accept) is not None]
    assert streams == [ACCEPTS[4], ACCEPTS[5], ACCEPTS[6]]


@pytest.mark.parametrize(
    ("status", "media_type", "headers", "background"),
    [
        (None, "application/json", {}, None),
        (400, GRAPHQL_RESPONSE_JSON, {}, None),
        (None, GRAPHQL_RESPONSE_JSON, {"Cache-Control": "private, no-store"}, None),
        (None, None, {"X-One": "1", "X-Two": "2"}, BackgroundTask(print)),
    ],
)
async def test_an_answer_is_built_as_strawberry_builds_it_with_the_negotiated_type(
    view: GraphQLOverWebSocket,
    status: int | None,
    media_type: str | None,
    headers: dict[str, str],
    background: BackgroundTask | None,
) -> None:
    data = {"data": {"booking": {"id": "1"}}}
    # Strawberry's sub-response, with what ours adds to it (a media type, maybe headers).
    strawberry_sub = await GraphQL.get_sub_response(view, None)  # type: ignore[arg-type]
    our_sub = await GraphQL.get_sub_response(view, None)  # type: ignore[arg-type]
    for sub in (strawberry_sub, our_sub):
        sub.status_code = status  # type: ignore[assignment]
        sub.media_type = media_type
        sub.headers.update(headers)
        sub.background = background
    expected = GraphQL.create_response(view, data, strawberry_sub)  # type: ignore[arg-type]
    expected.headers["content-type"] = media_type or "application/json"  # as ours did

    answer = view.create_response(data, our_sub)  # type: ignore[arg-type]

    assert answer.status_code == expected.status_code
    assert answer.raw_headers == expected.raw_headers
    assert answer.body == expected.body
    assert answer.background is expected.background


def one(query: str | None, protocol: str = "http") -> GraphQLRequestData:
    return GraphQLRequestData(
        query=query,
        variables=None,
        operation_name=None,
        extensions=None,
        protocol=protocol,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("data", "whole"),
    [
        (one("{ __typename }"), True),
        (one("query Q($a: ID!) { a(id: $a) }"), True),
        (one("{ a @defer { b } }"), False),
        (one("{ a @ stream }"), False),
        (one(None), False),  # a persisted query's hash: its text may have a directive
        (one("subscription { a }", protocol="multipart-subscription"), False),
        ([one("{ a }")], False),
    ],
)
def test_only_one_operation_with_no_directive_nor_stream_takes_the_short_path(
    data: GraphQLRequestData | list[GraphQLRequestData], whole: bool
) -> None:
    assert answered_whole(data) is whole


JSON_VALUES = st.recursive(
    st.none() | st.integers(-(2**53), 2**53) | st.text(alphabet='{[]}a"\\'),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=40,
)


@given(JSON_VALUES, st.integers(min_value=1, max_value=12))
def test_a_text_whose_brackets_are_few_is_never_deeper_than_they_allow(
    value: object, levels: int
) -> None:
    text = orjson.dumps(value)
    for form in (text, text.decode()):
        assert _may_nest_deeper(form, levels) or _depth(value) <= levels


def test_a_deep_text_is_still_refused_and_one_as_deep_as_allowed_is_not() -> None:
    with pytest.raises(RequestError, match="nested more than 64 levels"):
        decode_json(b"[" * 65 + b"]" * 65)
    assert decode_json(b"[" * 64 + b"]" * 64)


def messages(*sent: Message) -> Any:
    """A ``receive`` that hands over ``sent`` in turn."""
    pending = list(sent)

    async def receive() -> Message:
        return pending.pop(0)

    return receive


BODIES: list[list[Message]] = [
    [{"type": "http.request", "body": b'{"query": "{ a }"}'}],
    [{"type": "http.request"}],
    [
        {"type": "http.request", "body": b'{"query": ', "more_body": True},
        {"type": "http.request", "body": b"", "more_body": True},
        {"type": "http.request", "body": b'"{ a }"}', "more_body": False},
    ],
    [{"type": "http.request", "body": b"{", "more_body": True}, {"type": "http.disconnect"}],
]


@pytest.mark.parametrize("sent", BODIES)
async def test_a_body_is_read_as_starlette_reads_it(sent: list[Message]) -> None:
    async def read(reader: Any) -> object:
        try:
            return await reader
        except ClientDisconnect:
            return "disconnected"

    expected = await read(Request({"type": "http"}, messages(*sent)).body())
    assert await read(read_body(messages(*sent))) == expected
