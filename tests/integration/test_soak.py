"""A bounded soak: mixed reads and writes against a gateway process, with flat memory.

Clients read and edit through all three upstreams for SOAK_SECONDS (60 by default; set it
higher to soak by hand). Every answer must be free of errors, the gateway must log no error,
and its resident memory after a warm-up quarter must grow by less than MAX_GROWTH_BYTES.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.integration.test_availability import AVAILABILITY, NOVEMBER_7_TO_9
from tests.integration.test_replicas import replica_env
from tests.servers import GatewayProcess, serve_gateway_process

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
WARM_UP_SECONDS = SOAK_SECONDS / 4
CLIENTS = 8
MAX_GROWTH_BYTES = 20 * 1024 * 1024

CALENDARS = "{ businessCalendars { id name locked } }"
WORKING_TIME = """{ businessCalendar(id: "Calendar_117") {
  exceptions { name occurrences(from: "2017-01-01", to: "2017-12-31") }
  workingWindows(from: "2017-11-06T00:00:00Z", to: "2017-11-13T00:00:00Z") { start end }
} }"""
BOOKINGS = '{ bookings(ids: ["137463", "56570"]) { id start allocation { bookedHours } } }'
RANGE = '{ bookingsInRange(company: "1", from: "2017-07-01", to: "2017-07-31") { id } }'
APPOINTMENTS = """{ appointments(calendarId: "1557367", after: "2017-03-01",
  before: "2017-03-31") { id subject start } }"""
ADD = """mutation($name: String!) { addCalendarException(id: "Calendar_190", exception: {
  name: $name, type: HOLIDAY, placement: ANNUAL, annualMonth: 5, annualDay: 1 }) { id } }"""
REMOVE = """mutation($name: String!) {
  removeCalendarException(id: "Calendar_190", name: $name) { id } }"""
RENAME = """mutation($name: String!) {
  updateBusinessCalendar(id: "Calendar_190", input: {name: $name}) { name } }"""
CREATE_APPOINTMENT = """mutation($subject: String!) { createAppointment(input: {
  subject: $subject, start: "2025-06-15T10:00:00Z", end: "2025-06-15T11:00:00Z" }) { id } }"""
DELETE_APPOINTMENT = "mutation($id: ID!) { deleteAppointment(id: $id) }"
CREATE_BOOKING = """mutation { createBooking(input: {timeSummaryId: "1014302", resourceId: "198",
  start: "2020-05-05T10:00:00", end: "2020-05-05T10:00:00", durationHours: 1}) {
  bookings { id } } }"""
DELETE_BOOKING = "mutation($id: ID!) { deleteBooking(id: $id) }"


@dataclass
class Soak:
    """Runs the operations; keeps counts, and every answer that was not clean."""

    client: httpx.AsyncClient
    operations: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    async def data(self, operation: str, query: str, /, **variables: Any) -> dict[str, Any]:
        self.operations[operation] += 1
        response = await self.client.post("/graphql", json={"query": query, "variables": variables})
        body = response.json() if response.status_code == 200 else {}
        if "errors" in body or body.get("data") is None:
            self.failures.append(f"{operation}: {response.status_code} {response.text[:300]}")
            return {}
        data: dict[str, Any] = body["data"]
        return data

    async def read(self, rng: random.Random) -> None:
        name, query = rng.choice(
            [("calendars", CALENDARS), ("working time", WORKING_TIME), ("bookings", BOOKINGS),
             ("range", RANGE), ("appointments", APPOINTMENTS)]
        )  # fmt: skip
        await self.data(name, query)

    async def availability(self, rng: random.Random) -> None:
        await self.data("availability", AVAILABILITY, **NOVEMBER_7_TO_9)

    async def exception(self, rng: random.Random) -> None:
        name = f"Soak {rng.getrandbits(64):x}"
        if await self.data("add exception", ADD, name=name):
            await self.data("remove exception", REMOVE, name=name)

    async def rename(self, rng: random.Random) -> None:
        await self.data("rename calendar", RENAME, name=f"Another Calendar {rng.randrange(9)}")

    async def appointment(self, rng: random.Random) -> None:
        created = await self.data("create appointment", CREATE_APPOINTMENT, subject="Soak")
        if created:
            await self.data("delete appointment", DELETE_APPOINTMENT,
                            id=created["createAppointment"]["id"])  # fmt: skip

    async def booking(self, rng: random.Random) -> None:
        created = await self.data("create booking", CREATE_BOOKING)
        for booking in created.get("createBooking", {}).get("bookings", []):
            await self.data("delete booking", DELETE_BOOKING, id=booking["id"])


async def test_a_soak_of_mixed_reads_and_writes_has_no_error_and_flat_memory(
    simulator_url: str, upstream: httpx.AsyncClient
) -> None:
    # No collector listens here: spans would only pile up in the exporter and fail.
    env = {**replica_env(simulator_url, cache_ttl_seconds=1.0), "OTEL_TRACES_EXPORTER": "none"}
    async with (
        serve_gateway_process(env) as gateway,
        httpx.AsyncClient(base_url=gateway.url, timeout=30) as client,
    ):
        soak = Soak(client)
        samples = await soak_while_sampling(soak, gateway)
    print_summary(soak, samples)
    assert soak.failures == []
    assert errors_logged(gateway) == []
    assert soak.operations.total() > 0
    warmed_up = next(rss for elapsed, rss in samples if elapsed >= WARM_UP_SECONDS)
    assert samples[-1][1] - warmed_up < MAX_GROWTH_BYTES


async def soak_while_sampling(soak: Soak, gateway: GatewayProcess) -> list[tuple[float, int]]:
    """Run CLIENTS clients until SOAK_SECONDS are up; the gateway's RSS each second."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SOAK_SECONDS
    clients = [asyncio.create_task(client_loop(soak, deadline, seed)) for seed in range(CLIENTS)]
    samples = []
    started = loop.time()
    while not all(task.done() for task in clients):
        samples.append((loop.time() - started, resident_bytes(gateway.pid)))
        await asyncio.wait(clients, timeout=1.0)
    await asyncio.gather(*clients)
    samples.append((loop.time() - started, resident_bytes(gateway.pid)))
    return samples


async def client_loop(soak: Soak, deadline: float, seed: int) -> None:
    rng = random.Random(seed)
    mix: list[tuple[Callable[[random.Random], Awaitable[None]], int]] = [
        (soak.read, 60), (soak.availability, 8), (soak.exception, 10), (soak.rename, 6),
        (soak.appointment, 8), (soak.booking, 8),
    ]  # fmt: skip
    actions, weights = zip(*mix, strict=True)
    while asyncio.get_running_loop().time() < deadline:
        await rng.choices(actions, weights)[0](rng)


def resident_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def errors_logged(gateway: GatewayProcess) -> list[str]:
    found = []
    for line in gateway.stderr:
        try:
            record = json.loads(line)
        except ValueError:
            found.append(line.decode(errors="replace"))  # not ours: uvicorn's own tracebacks
            continue
        if record.get("level") in ("ERROR", "CRITICAL"):
            found.append(line.decode())
    return found


def print_summary(soak: Soak, samples: list[tuple[float, int]]) -> None:
    mib = 1024 * 1024
    print(f"\n{soak.operations.total()} operations in {SOAK_SECONDS:.0f} s:")
    for name, count in soak.operations.most_common():
        print(f"  {count:6d}  {name}")
    print("RSS (MiB) by second:", " ".join(f"{rss / mib:.1f}" for _, rss in samples))
