"""The per-request snapshot's rules, the sightings that tell a single read its list is older,
and the occurrence budget."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from calendar_gateway.caching import ReadCache, open_store
from calendar_gateway.graphql.snapshot import (
    AppointmentSnapshot,
    Snapshot,
    appointment_merged,
    first_state,
)
from calendar_gateway.services import appointments as service
from calendar_gateway.services.errors import InvalidInputError
from calendar_gateway.services.occurrences import OccurrenceBudget
from calendar_gateway.services.sightings import Sightings
from calendar_gateway.upstreams.appointment_model import (
    Appointment,
    AppointmentSummary,
    Participant,
    Permissions,
)

START = datetime(2017, 3, 24, 13, 43, tzinfo=UTC)
END = datetime(2017, 3, 24, 16, tzinfo=UTC)


def summary(subject: str) -> AppointmentSummary:
    raw = {"oid": "1", "subject": subject, "commonName": f"{subject}: 13:43"}
    return AppointmentSummary("1", subject, START, END, False, False, True, False, raw)


def full(subject: str) -> Appointment:
    return Appointment(
        oid="1",
        subject=subject,
        start=START,
        end=END,
        all_start_day=False,
        all_end_day=False,
        internal=True,
        user_status=None,
        participants=(Participant("7", "Henk", "Person"),),
        calendars=(),
        comment="cake",
        recurrence=None,
        permissions=Permissions(True, True, True),
        raw={"oid": "1", "subject": subject, "comment": "cake", "commonName": ""},
    )


def test_the_first_state_seen_answers_every_later_read() -> None:
    seen: Snapshot[str, str] = Snapshot(first_state)
    assert seen.agree("a", "old") == "old"
    assert seen.agree("a", "new") == "old"
    assert seen.agree("b", "new") == "new"


def test_a_write_replaces_what_the_request_has_seen() -> None:
    seen: Snapshot[str, str] = Snapshot(first_state)
    seen.agree("a", "old")
    seen.replace("a", "written")
    assert seen.agree("a", "listed later") == "written"


def test_a_full_read_after_a_list_entry_keeps_the_entry_s_fields_and_adds_the_rest() -> None:
    seen: Snapshot[str, Appointment | AppointmentSummary] = Snapshot(appointment_merged)
    seen.agree("1", summary("Taart eten"))
    agreed = seen.agree("1", full("Taart op"))
    assert isinstance(agreed, Appointment)
    assert agreed.subject == agreed.raw["subject"] == "Taart eten"
    assert (agreed.comment, agreed.participants[0].name) == ("cake", "Henk")
    # raw holds the full read's fields, valued as the request has shown them.
    assert agreed.raw == {
        "oid": "1",
        "subject": "Taart eten",
        "comment": "cake",
        "commonName": "Taart eten: 13:43",
    }


def test_a_list_entry_after_a_full_read_answers_the_full_read() -> None:
    seen: Snapshot[str, Appointment | AppointmentSummary] = Snapshot(appointment_merged)
    first = full("Taart eten")
    seen.agree("1", first)
    assert seen.agree("1", summary("Taart op")) is first


async def test_one_list_read_per_scope_per_request() -> None:
    seen: Snapshot[str, str] = Snapshot(first_state)
    loads = 0

    async def load() -> list[str]:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0)
        return ["a"]

    both = await asyncio.gather(seen.list_read("x", load), seen.list_read("x", load))
    assert list(both) == [["a"], ["a"]]
    assert loads == 1


async def test_a_single_read_waits_for_the_list_reads_begun_even_failed_ones() -> None:
    seen: Snapshot[str, str] = Snapshot(first_state)
    release = asyncio.Event()

    async def load() -> list[str]:
        await release.wait()
        raise RuntimeError("vendor down")

    listing = seen.list_read("x", load)
    waiting = asyncio.ensure_future(seen.lists_read())
    await asyncio.sleep(0)
    assert not waiting.done()
    release.set()
    await waiting
    with pytest.raises(RuntimeError):
        await listing


def reads() -> ReadCache:
    return ReadCache(open_store(None, "test"), "test", "appointments|http://x|demo", 60)


async def test_a_single_read_contradicts_only_a_list_that_showed_another_state() -> None:
    sightings = Sightings(reads(), "appointment")
    listed = service.state(summary("Taart eten"))
    assert not await sightings.contradicts("1", listed)  # no list showed it
    await sightings.listed([("1", listed)])
    assert not await sightings.contradicts("1", service.state(full("Taart eten")))
    assert await sightings.contradicts("1", service.state(full("Taart op")))


async def test_without_a_cache_nothing_is_noted() -> None:
    off = ReadCache(open_store(None, "test"), "test", "appointments|http://x|demo", 0)
    sightings = Sightings(off, "appointment")
    await sightings.listed([("1", "a")])
    assert not await sightings.contradicts("1", "b")


def test_the_occurrence_budget_is_bad_input_on_to_once_spent() -> None:
    budget = OccurrenceBudget(10)
    budget.spend(6)
    budget.spend(4)
    with pytest.raises(InvalidInputError) as raised:
        budget.spend(1)
    assert raised.value.field == "to"
    assert "more than 10 occurrences" in raised.value.message


class _Appointments:
    """What AppointmentSnapshot asks of its service, answering from memory."""

    max_occurrences = 10

    async def get_many(self, oids: list[str]) -> list[Appointment]:
        return [full(f"read {oid}") for oid in oids]


@pytest.fixture
def no_collections() -> Iterator[None]:
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.usefixtures("no_collections")
async def test_a_request_s_snapshot_and_its_reads_are_freed_when_it_ends_without_a_collection() -> (
    None
):
    snapshot = AppointmentSnapshot(_Appointments())  # type: ignore[arg-type]
    read = await snapshot.loader.load("1")
    assert read.subject == "read 1"
    gone = weakref.ref(snapshot)
    read_gone = weakref.ref(read)
    del snapshot, read
    await asyncio.sleep(0)  # the loader's batch task ends: its callbacks run
    # Freed by reference counting alone: no cycle kept them for the garbage collector.
    assert gone() is None
    assert read_gone() is None


@pytest.mark.usefixtures("no_collections")
async def test_a_batch_dispatched_after_its_request_ended_fails_its_reads() -> None:
    snapshot = AppointmentSnapshot(_Appointments())  # type: ignore[arg-type]
    read = snapshot.loader.load("1")
    del snapshot  # the loader's batch begins when the read is awaited, without it
    with pytest.raises(RuntimeError, match="the request's snapshot is gone"):
        await read
