"""Relay connections: pages of a list, with opaque cursors.

A cursor names a position in one kind of list (an offset, or a vendor's entry id), encoded
so that clients treat it as a token: base64url of JSON. A cursor of another kind of list,
or one that does not decode, is BAD_USER_INPUT on ``after``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

import strawberry

from calendar_gateway.services.errors import OUT_OF_RANGE, InvalidInputError
from calendar_gateway.services.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Window

T = TypeVar("T")
N = TypeVar("N")

FirstArg = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page size, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})."
    ),
]
AfterArg = Annotated[
    str | None,
    strawberry.argument(description="The `endCursor` of the page before; left out: from the top."),
]


@strawberry.type(description="Where a page is in its list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.type(description="One item of a page, with the cursor of its position.")
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type(description="A page of a list.")
class Connection(Generic[N]):
    edges: list[Edge[N]]
    page_info: PageInfo
    total_count: int | None = strawberry.field(
        description="Items in the whole list, when the vendor tells; else null."
    )


def _connection(
    edges: list[Edge[N]], has_next: bool, has_previous: bool, total: int | None
) -> Connection[N]:
    page_info = PageInfo(
        has_next_page=has_next,
        has_previous_page=has_previous,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return Connection(edges=edges, page_info=page_info, total_count=total)


def page_size(first: int | None) -> int:
    """The page size asked for; out of range is refused, never cut."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInputError(
            "first", f"first must be between 1 and {MAX_PAGE_SIZE}", OUT_OF_RANGE
        )
    return size


def encode_cursor(kind: str, position: int | str) -> str:
    text = json.dumps([kind, position], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


MAX_CURSOR_LENGTH = 200


def decode_cursor(kind: str, cursor: str, position: type[T]) -> T:
    """The position ``cursor`` names in a list of ``kind``."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidInputError("after", "after is not a cursor of this list")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        found_kind, found = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error):
        raise InvalidInputError("after", "after is not a cursor of this list") from None
    if found_kind != kind or type(found) is not position:
        raise InvalidInputError("after", "after is not a cursor of this list")
    return found


def start_offset(kind: str, after: str | None) -> int:
    """The offset a page starts at: just past the ``after`` cursor."""
    if after is None:
        return 0
    offset = decode_cursor(kind, after, int)
    if offset < 0:
        raise InvalidInputError("after", "after is not a cursor of this list")
    return offset + 1


def window_connection(kind: str, window: Window[T], node: Callable[[T], N]) -> Connection[N]:
    """A page of an offset-addressed list."""
    edges = [
        Edge(cursor=encode_cursor(kind, window.offset + n), node=node(item))
        for n, item in enumerate(window.items)
    ]
    return _connection(edges, window.has_more, window.offset > 0, window.total)


def keyed_connection(
    kind: str,
    items: Sequence[T],
    key: Callable[[T], str],
    node: Callable[[T], N],
    *,
    has_next: bool,
    has_previous: bool,
) -> Connection[N]:
    """A page of a list addressed by its entries' ids (Xelion's ``after=<oid>``)."""
    edges = [Edge(cursor=encode_cursor(kind, key(item)), node=node(item)) for item in items]
    return _connection(edges, has_next, has_previous, None)
