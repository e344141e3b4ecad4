"""Which upstream calls the gateway sends twice: reads, yes; writes, locks and unlocks, never."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.client import error_codes, execute
from tests.conftest import gateway_client, settings_for

BOOKING = '{ booking(id: "137463") { id } }'
CREATE_BOOKING = """mutation { createBooking(input: {timeSummaryId: "1014302", resourceId: "198",
  start: "2017-11-13T09:00:00", end: "2017-11-13T10:00:00"}) { bookings { id } } }"""
CALENDAR = '{ businessCalendar(id: "Calendar_117") { id } }'
ADD_EXCEPTION = """mutation { addCalendarException(id: "Calendar_117", exception: {
  name: "Once", type: HOLIDAY, placement: ANNUAL, annualMonth: 5, annualDay: 6 }) { id } }"""
APPOINTMENT = '{ appointment(id: "1758831") { id } }'
CREATE_APPOINTMENT = """mutation { createAppointment(input: {subject: "Once",
  start: "2025-06-15T10:00:00Z", end: "2025-06-15T11:00:00Z"}) { id } }"""


@pytest.fixture
async def gateway(
    simulator_url: str, upstream: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(simulator_url, cache_ttl_seconds=0, upstream_retry_base_seconds=0.01)
    async with gateway_client(settings) as client:
        yield client


async def fail_once(upstream: httpx.AsyncClient, **fault: Any) -> None:
    (await upstream.post("/_admin/faults", json={"status": 503, **fault})).raise_for_status()


@pytest.mark.parametrize(
    ("operation", "fault"),
    [
        pytest.param(BOOKING, {"path": r"calendar\.json"}, id="synergist-calendarrefresh"),
        pytest.param(CALENDAR, {"path": "businesscalendarbody"}, id="grs-body"),
        pytest.param(APPOINTMENT, {"path": "/appointments/1758831"}, id="xelion-get"),
    ],
)
async def test_a_read_that_fails_once_is_answered_by_the_retry(
    operation: str, fault: dict[str, Any], gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await fail_once(upstream, **fault)
    body = await execute(gateway, operation)
    assert "errors" not in body, body


@pytest.mark.parametrize(
    ("operation", "fault"),
    [
        pytest.param(CREATE_BOOKING, {"path": r"calendar\.json"}, id="synergist-create"),
        pytest.param(ADD_EXCEPTION, {"path": "lockcalendar"}, id="grs-lock"),
        pytest.param(ADD_EXCEPTION, {"method": "PUT", "path": "businesscalendarbody"},
                     id="grs-write"),
        pytest.param(CREATE_APPOINTMENT, {"method": "POST", "path": "/appointments$"},
                     id="xelion-create"),
    ],
)  # fmt: skip
async def test_a_write_or_lock_that_fails_once_is_not_sent_again(
    operation: str, fault: dict[str, Any], gateway: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await fail_once(upstream, **fault)
    body = await execute(gateway, operation)
    assert error_codes(body) == ["UPSTREAM_UNAVAILABLE"]
