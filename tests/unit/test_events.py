"""Change events and polls: what a diff reports, what the channel accepts, who hears what."""

from __future__ import annotations

from datetime import date

import pytest

from calendar_gateway.services.events import Change, ChangeKind, EventHub, SlowConsumerError
from calendar_gateway.services.polling import Entry, changes


def test_a_diff_reports_created_updated_and_deleted_entities() -> None:
    before = {"a": Entry("1"), "b": Entry("2"), "c": Entry("3")}
    after = {"a": Entry("1"), "b": Entry("2*"), "d": Entry("4", date(2026, 1, 2), date(2026, 1, 3))}

    found = changes("t", before, after)

    assert found == [
        Change("t", ChangeKind.UPDATED, "b"),
        Change("t", ChangeKind.DELETED, "c"),
        Change("t", ChangeKind.CREATED, "d", date(2026, 1, 2), date(2026, 1, 3)),
    ]


def test_a_change_survives_the_channel() -> None:
    change = Change("bookings:198", ChangeKind.DELETED, "137463", date(2026, 1, 1), None)

    assert Change.from_json(change.to_json()) == change


@pytest.mark.parametrize(
    "message",
    [b"[]", b'{"topic": "t"}', b'["t", "eaten", "1", null, null]',
     b'["t", "created", 1, null, null]', b'["t", "created", "1", "yesterday", null]',
     b"[" + b"1," * 5000 + b"1]"],
)  # fmt: skip
def test_a_malformed_message_is_refused(message: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each malformation says its own thing
        Change.from_json(message)


async def test_a_subscriber_that_falls_behind_is_cut_off() -> None:
    hub = EventHub(queue_limit=2)
    with hub.subscribe("t") as subscriber:
        for n in range(3):
            hub.deliver(Change("t", ChangeKind.CREATED, str(n)))

        with pytest.raises(SlowConsumerError):
            await subscriber.next()


async def test_a_wildcard_topic_reaches_every_topic_it_starts() -> None:
    hub = EventHub(queue_limit=10)
    with (
        hub.subscribe("bookings:1") as one,
        hub.subscribe("bookings:2") as two,
        hub.subscribe("appointments:1") as other,
    ):
        await hub.publish(Change("bookings:*", ChangeKind.DELETED, "9"))

        assert (await one.next()).entity_id == "9"
        assert (await two.next()).entity_id == "9"
        assert other._queue.empty()
    assert not hub.watched("bookings:1")
