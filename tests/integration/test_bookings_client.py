"""The Synergist client against the simulator, over loopback HTTP."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from calendar_gateway.simulators.bookings.app import create_app
from calendar_gateway.upstreams.bookings import BookingChange, BookingsClient, NewBooking
from calendar_gateway.upstreams.errors import NotFoundError, UnauthenticatedError
from calendar_gateway.upstreams.transport import Transport
from tests.servers import serve

PASSWORD = "user"


@pytest.fixture(scope="module")
async def server_url() -> AsyncIterator[str]:
    async with serve(Starlette(routes=[Mount("/jsonapi", app=create_app())])) as url:
        yield url


@pytest.fixture
async def admin(server_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The simulator's admin endpoints; the simulator starts each test from its seed."""
    async with httpx.AsyncClient(base_url=f"{server_url}/jsonapi/_admin/") as client:
        (await client.post("reset")).raise_for_status()
        yield client


@contextlib.asynccontextmanager
async def client_of(
    url: str, user: str = "user", password: str = PASSWORD
) -> AsyncIterator[BookingsClient]:
    transport = Transport("bookings", url, timeout=5, max_concurrency=4)
    try:
        yield BookingsClient(transport, user, password, page_size=2)
    finally:
        await transport.aclose()


@pytest.fixture
async def bookings(server_url: str, admin: httpx.AsyncClient) -> AsyncIterator[BookingsClient]:
    async with client_of(server_url) as client:
        yield client


async def counts(admin: httpx.AsyncClient) -> dict[str, int]:
    stats: dict[str, Any] = (await admin.get("stats")).json()
    return dict(stats["requests"])


async def test_refresh_reads_a_seeded_booking(bookings: BookingsClient) -> None:
    booking = (await bookings.refresh("137463")).value
    assert booking.resource.name == "Mr.Later"
    assert booking.start == datetime(2017, 11, 7, 9, 0)
    assert booking.number_of_days == 3


async def test_refresh_by_uuid(bookings: BookingsClient) -> None:
    booking = (await bookings.refresh("A3492EF45155B8438C2D13AA6F6030D2")).value
    assert booking.id == "56570"
    assert booking.uuid == "A3492EF45155B8438C2D13AA6F6030D2"


async def test_unknown_booking_is_not_found(bookings: BookingsClient) -> None:
    with pytest.raises(NotFoundError):
        await bookings.refresh("999999")


async def test_wrong_password_is_unauthenticated_without_the_password_in_the_message(
    server_url: str, admin: httpx.AsyncClient
) -> None:
    async with client_of(server_url, password="wrong-pw") as client:
        with pytest.raises(UnauthenticatedError) as caught:
            await client.refresh("137463")
    assert "wrong-pw" not in str(caught.value)


async def test_disabled_account_is_unauthenticated(
    server_url: str, admin: httpx.AsyncClient
) -> None:
    async with client_of(server_url, user="disabled", password="disabled") as client:
        with pytest.raises(UnauthenticatedError):
            await client.refresh("137463")


async def test_create_returns_every_booking_made(bookings: BookingsClient) -> None:
    request = NewBooking("1014302", "198", datetime(2020, 5, 5, 14, 30), number_of_days=3)
    reply = await bookings.create([request])
    assert [b.start for b in reply.value] == [
        datetime(2020, 5, 5, 14, 30),
        datetime(2020, 5, 6, 14, 30),
        datetime(2020, 5, 7, 14, 30),
    ]
    assert reply.warnings == ()


async def test_create_passes_on_the_reduction_warning(bookings: BookingsClient) -> None:
    request = NewBooking(
        "1014302", "198", datetime(2020, 5, 5, 14, 30), number_of_days=10, duration_hours=500
    )
    reply = await bookings.create([request])
    assert len(reply.value) == 10
    assert len(reply.warnings) == 1
    assert "500" in reply.warnings[0]


async def test_create_all_day(bookings: BookingsClient) -> None:
    request = NewBooking("1014302", "198", datetime(2020, 5, 5), number_of_days=1, all_day=True)
    booking = (await bookings.create([request])).value[0]
    assert booking.all_day is True


async def test_create_for_an_unknown_time_summary_names_what_was_not_found(
    bookings: BookingsClient,
) -> None:
    # 2002 is one of BOOKINGS_NOT_FOUND_CODES' defaults (the simulator's code).
    request = NewBooking("1", "198", datetime(2020, 5, 5, 9, 0), number_of_days=1)
    with pytest.raises(NotFoundError) as caught:
        await bookings.create([request])
    assert caught.value.entity == "time_summary"


async def test_update_moves_a_booking(bookings: BookingsClient) -> None:
    change = BookingChange(
        "137463", start=datetime(2017, 11, 8, 10, 0), end=datetime(2017, 11, 8, 12, 0)
    )
    booking = (await bookings.update([change])).value[0]
    assert (booking.start, booking.end) == (datetime(2017, 11, 8, 10), datetime(2017, 11, 8, 12))
    assert booking.allocation is not None
    assert booking.allocation.booked_hours == 2


async def test_delete_by_uuid_returns_the_diary_id(bookings: BookingsClient) -> None:
    reply = await bookings.delete(["A3492EF45155B8438C2D13AA6F6030D2"])
    assert reply.value == ("56570",)
    with pytest.raises(NotFoundError):
        await bookings.refresh("56570")


async def test_display_fetches_the_remaining_pages(
    bookings: BookingsClient, admin: httpx.AsyncClient
) -> None:
    await bookings.create(
        [NewBooking("1014302", "198", datetime(2020, 5, 4, 9, 0), number_of_days=5)]
    )
    reply = await bookings.display("1", date(2020, 5, 1), date(2020, 5, 31))
    assert len(reply.value) == 5
    assert (await counts(admin))["calendardisplay"] == 3  # pages of 2 rows


async def test_unallocated_lists_open_estimates(bookings: BookingsClient) -> None:
    estimates = (await bookings.unallocated({"company": "1"})).value
    assert [e.time_summary_id for e in estimates] == ["1014302"]
    assert estimates[0].allocation.remaining_hours == 200


async def test_no_request_carries_the_password_in_its_url(
    bookings: BookingsClient, admin: httpx.AsyncClient
) -> None:
    await bookings.refresh("137463")
    await bookings.display("1", date(2017, 1, 1), date(2017, 12, 31))
    await bookings.delete(["56570"])
    recorded = (await admin.get("requests")).json()["requests"]
    assert {r["method"] for r in recorded} == {"POST"}
    assert all(f"password={PASSWORD}" not in r["url"] for r in recorded)
    assert all("?" not in r["url"] for r in recorded)
