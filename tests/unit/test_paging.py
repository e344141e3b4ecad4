"""Windows over a vendor's fixed pages: the items asked for, each page read only if needed."""

from __future__ import annotations

import pytest

from calendar_gateway.services.paging import PageReader, read_window, slice_window
from calendar_gateway.upstreams.bookings import Listing, Reply


def pages_of(
    items: list[int], size: int, *, total_known: bool
) -> tuple[list[int], PageReader[int]]:
    read: list[int] = []

    async def page(n: int) -> Reply[Listing[int]]:
        read.append(n)
        chosen = tuple(items[n * size : (n + 1) * size])
        more = (n + 1) * size < len(items)
        return Reply(Listing(chosen, len(items) if total_known else None, more), (f"w{n}",))

    return read, page


@pytest.mark.parametrize("total_known", [True, False])
@pytest.mark.parametrize("offset", [0, 1, 4, 5, 9, 12, 23, 30])
@pytest.mark.parametrize("limit", [1, 3, 5])
async def test_window_is_the_slice_of_the_whole_list(
    total_known: bool, offset: int, limit: int
) -> None:
    items = list(range(100, 123))  # 23 items on pages of 5
    read, page = pages_of(items, 5, total_known=total_known)
    reply = await read_window(page, 5, offset, limit)
    window = reply.value
    assert list(window.items) == items[offset : offset + limit]
    assert window.has_more is (offset + limit < len(items))
    assert window.total == (len(items) if total_known else None)
    assert read == sorted(set(read))
    assert len(read) <= 2
    assert reply.warnings == tuple(f"w{n}" for n in read)


def test_slice_window_knows_its_total() -> None:
    window = slice_window(["a", "b", "c"], 1, 1)
    assert (window.items, window.offset, window.total, window.has_more) == (("b",), 1, 3, True)
    assert slice_window(["a"], 0, 5).has_more is False
