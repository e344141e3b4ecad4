"""Admission: the CPU budget charges a document for its own checking, not the process's GC."""

from __future__ import annotations

import gc
import time

import pytest

from calendar_gateway.graphql import admission


class FakeClock:
    def __init__(self) -> None:
        self.now = 10.0

    def __call__(self) -> float:
        return self.now


def test_a_collection_on_the_checking_thread_is_not_charged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(time, "thread_time", clock)
    before = admission.checking_time()
    clock.now += 0.002  # the document's own work
    admission._note_collection("start", {})
    clock.now += 0.5  # a full collection of a large process
    admission._note_collection("stop", {})
    clock.now += 0.001
    assert admission.checking_time() - before == pytest.approx(0.003)


def test_the_clock_listens_to_every_collection() -> None:
    assert admission._note_collection in gc.callbacks
