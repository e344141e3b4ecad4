"""Windows of a list: the items from an offset, read from a vendor's pages or from memory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from calendar_gateway.services.warned import Warned
from calendar_gateway.upstreams.bookings import Listing, Reply

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
"""The largest page a client may ask for, on every list (vendors document no maximum)."""


@dataclass(frozen=True)
class Window(Generic[T]):
    """``items`` start at ``offset`` of the whole list; ``total`` when the vendor tells it."""

    items: tuple[T, ...]
    offset: int
    total: int | None
    has_more: bool


PageReader = Callable[[int], Awaitable[Reply[Listing[T]]]]
"""Reads page ``n`` (from 0) of a list, a fixed number of rows each."""


async def read_window(
    read_page: PageReader[T], page_size: int, offset: int, limit: int
) -> Warned[Window[T]]:
    """``limit`` items from ``offset``, reading only the pages they are on."""
    page = offset // page_size
    skip = offset - page * page_size
    rows: list[T] = []
    warnings: list[str] = []
    while True:
        reply = await read_page(page)
        rows += reply.value.items
        warnings += reply.warnings
        listing = reply.value
        if len(rows) >= skip + limit or not listing.has_more or not listing.items:
            break
        page += 1
    items = tuple(rows[skip : skip + limit])
    more = len(rows) > skip + limit or listing.has_more
    if listing.total is not None:
        more = offset + len(items) < listing.total
    return Warned(Window(items, offset, listing.total, more), tuple(dict.fromkeys(warnings)))


def slice_window(items: Sequence[T], offset: int, limit: int) -> Window[T]:
    """A window of a list held whole."""
    chosen = tuple(items[offset : offset + limit])
    return Window(chosen, offset, len(items), offset + len(chosen) < len(items))
