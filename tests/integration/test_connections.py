"""Relay connections over real HTTP: every item once, page sizes refused, cursors opaque."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.client import error_codes, execute

RANGE = 'company: "1", from: "2017-01-01", to: "2021-12-31"'
LISTS = {
    "bookingsInRangeConnection": RANGE,
    "unallocatedWork": 'company: "1"',
    "businessCalendarsConnection": "",
    "appointmentsConnection": 'calendarId: "1557367", from: "2017-01-01", to: "2099-12-31"',
    "addressableAppointments": 'addressableId: "1626686", from: "2017-01-01", to: "2099-12-31"',
}


def _query(field: str, args: str, first: int, after: str | None) -> str:
    paging = f"first: {first}" + (f', after: "{after}"' if after else "")
    joined = f"{args}, {paging}" if args else paging
    node = "id: timeSummaryId" if field == "unallocatedWork" else "id"
    return (f"{{ {field}({joined}) {{ totalCount edges {{ cursor node {{ {node} }} }} "
            "pageInfo { hasNextPage hasPreviousPage endCursor } } }")  # fmt: skip


async def _page(gateway: httpx.AsyncClient, field: str, first: int, after: str | None) -> Any:
    body = await execute(gateway, _query(field, LISTS[field], first, after))
    assert "errors" not in body, body
    return body["data"][field]


async def _walk(gateway: httpx.AsyncClient, field: str, first: int) -> list[str]:
    ids: list[str] = []
    after = None
    for _ in range(100):
        page = await _page(gateway, field, first, after)
        ids += [edge["node"]["id"] for edge in page["edges"]]
        assert len(page["edges"]) <= first
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]
    raise AssertionError(f"{field} never ended")


async def _book_ten_days(gateway: httpx.AsyncClient) -> None:
    create = """mutation { createBooking(input: {timeSummaryId: "1014302", resourceId: "198",
        start: "2020-05-05T14:30:00", numberOfDays: 10}) { bookings { id } } }"""
    body = await execute(gateway, create)
    assert len(body["data"]["createBooking"]["bookings"]) == 10


@pytest.mark.parametrize("field", list(LISTS))
async def test_walking_page_by_page_yields_every_item_once(
    gateway: httpx.AsyncClient, field: str
) -> None:
    await _book_ten_days(gateway)
    everything = await _page(gateway, field, 100, None)
    whole = [edge["node"]["id"] for edge in everything["edges"]]
    assert not everything["pageInfo"]["hasNextPage"]
    walked = await _walk(gateway, field, 2)
    assert walked == whole
    assert len(set(walked)) == len(walked)
    if everything["totalCount"] is not None:
        assert everything["totalCount"] == len(whole)


async def test_bookings_in_range_walks_a_dozen_bookings(gateway: httpx.AsyncClient) -> None:
    await _book_ten_days(gateway)
    assert len(await _walk(gateway, "bookingsInRangeConnection", 5)) == 12


async def test_bookings_in_range_filters_by_resource(gateway: httpx.AsyncClient) -> None:
    await _book_ten_days(gateway)
    query = f"""{{ bookingsInRangeConnection({RANGE}, resourceId: "198", first: 4) {{
        totalCount edges {{ node {{ resource {{ id }} }} }} pageInfo {{ hasNextPage }} }} }}"""
    page = (await execute(gateway, query))["data"]["bookingsInRangeConnection"]
    assert page["totalCount"] == 10
    assert [e["node"]["resource"]["id"] for e in page["edges"]] == ["198"] * 4
    assert page["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize("field", list(LISTS))
async def test_a_page_over_the_maximum_is_bad_user_input(
    gateway: httpx.AsyncClient, field: str
) -> None:
    body = await execute(gateway, _query(field, LISTS[field], 101, None))
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "first"
    assert error_codes(await execute(gateway, _query(field, LISTS[field], 0, None))) == [
        "BAD_USER_INPUT"
    ]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WyJvdGhlciIsMV0", ""])
async def test_a_foreign_or_broken_cursor_is_bad_user_input(
    gateway: httpx.AsyncClient, cursor: str
) -> None:
    query = f'{{ businessCalendarsConnection(first: 1, after: "{cursor}") {{ totalCount }} }}'
    body = await execute(gateway, query)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "after"


async def test_a_cursor_of_one_list_is_refused_by_another(gateway: httpx.AsyncClient) -> None:
    page = await _page(gateway, "businessCalendarsConnection", 1, None)
    cursor = page["pageInfo"]["endCursor"]
    body = await execute(gateway, _query("bookingsInRangeConnection", RANGE, 1, cursor))
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_cursors_do_not_show_offsets_or_ids(gateway: httpx.AsyncClient) -> None:
    page = await _page(gateway, "appointmentsConnection", 3, None)
    for edge in page["edges"]:
        assert edge["node"]["id"] not in edge["cursor"]
        assert not edge["cursor"].isdigit()
