"""Request ids: a client's plain one kept, otherwise a new random version 4 UUID."""

from __future__ import annotations

import uuid

import pytest

from calendar_gateway import correlation


def test_a_new_id_is_a_random_version_4_uuid_in_hex() -> None:
    ids = {correlation.new_request_id() for _ in range(10_000)}
    assert len(ids) == 10_000
    for request_id in ids:
        parsed = uuid.UUID(hex=request_id)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert parsed.hex == request_id


def test_every_bit_but_the_version_and_variant_varies() -> None:
    ids = [int(correlation.new_request_id(), 16) for _ in range(2_000)]
    version_and_variant = (0xF000 << 64) | (0xC000 << 48)
    for bit in range(128):
        seen = {request_id >> bit & 1 for request_id in ids}
        assert len(seen) == (1 if version_and_variant >> bit & 1 else 2), bit


@pytest.mark.parametrize(
    ("offered", "kept"),
    [(b"client-42", True), (b"x" * 128, True), (b"x" * 129, False), (b"a b", False), (None, False)],
)
def test_a_client_id_is_kept_only_when_short_and_plain(offered: bytes | None, kept: bool) -> None:
    request_id, token = correlation.adopt(offered)
    try:
        assert correlation.current_request_id() == request_id
        assert (request_id == (offered or b"").decode()) is kept
    finally:
        correlation.release(token)
    assert correlation.current_request_id() is None
