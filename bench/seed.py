"""Distinct entities for the load, made through the gateway's own mutations.

Requests that read the same entity at the same time share one upstream read (the gateway's
single flight); the fan-out runs read a different trio each, so that every request costs
the gateway its upstream calls, as it costs the baseline.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import aiohttp

from bench.upstream_calls import Entities

CREATE_CALENDAR = """mutation($name: String!) { createBusinessCalendar(input: {
  name: $name, weekStarts: MONDAY, weekEnds: FRIDAY, dayStarts: "09:00", dayEnds: "17:00",
  timeZone: "UTC" }) { id } }"""
CREATE_BOOKING = """mutation($start: LocalDateTime!, $end: LocalDateTime!) { createBooking(input: {
  timeSummaryId: "1012213", resourceId: "405", start: $start, end: $end }) { bookings { id } } }"""
CREATE_APPOINTMENT = """mutation($subject: String!, $start: DateTime!, $end: DateTime!) {
  createAppointment(input: { subject: $subject, start: $start, end: $end }) { id } }"""
_FIRST_DAY = date(2030, 1, 7)  # a Monday


async def create_entities(
    session: aiohttp.ClientSession, gateway: str, count: int
) -> list[Entities]:
    """``count`` new trios of a calendar, a booking and an appointment; a few at a time."""
    slots = asyncio.Semaphore(8)

    async def one(index: int) -> Entities:
        async with slots:
            return await _trio(session, f"{gateway}/graphql", index)

    return list(await asyncio.gather(*(one(index) for index in range(count))))


async def _trio(session: aiohttp.ClientSession, url: str, index: int) -> Entities:
    # One booking a working day, an hour long, so that none overlaps another.
    day = _FIRST_DAY + timedelta(weeks=index // 5, days=index % 5)
    start, end = f"{day}T09:00:00", f"{day}T10:00:00"
    calendar = await _mutate(session, url, CREATE_CALENDAR, name=f"Bench {index}")
    booking = await _mutate(session, url, CREATE_BOOKING, start=start, end=end)
    appointment = await _mutate(
        session, url, CREATE_APPOINTMENT, subject=f"Bench {index}", start=f"{start}Z", end=f"{end}Z"
    )
    return Entities(
        calendar=calendar["createBusinessCalendar"]["id"],
        booking=booking["createBooking"]["bookings"][0]["id"],
        appointment=appointment["createAppointment"]["id"],
    )


async def _mutate(
    session: aiohttp.ClientSession, url: str, document: str, **variables: str
) -> dict[str, Any]:
    async with session.post(url, json={"query": document, "variables": variables}) as response:
        body: dict[str, Any] = await response.json()
    if body.get("errors") or not body.get("data"):
        raise RuntimeError(f"seeding failed: {body}")
    data: dict[str, Any] = body["data"]
    return data
