"""The bench's runs in turns add up as one run would."""

from __future__ import annotations

from bench.harness import _Tally
from bench.load import LoadResult


def test_turns_add_up_to_one_run_s_stats() -> None:
    tally = _Tally()
    tally.add(LoadResult([0.1, 0.2], 0, 3, 1.0), {"server": 0.5}, 1.5)
    tally.add(LoadResult([0.3], 1, 2, 1.0, "boom"), {"server": 1.0}, 1.5)
    tally.upstream_requests = 15
    stats = tally.stats(connections=64, counted=True)
    assert stats.requests == 3
    assert stats.errors == 1
    assert stats.first_error == "boom"
    assert stats.throughput == 1.5  # 3 recorded in 2 s measured
    assert stats.cpu == {"server": 0.5}  # 1.5 s of CPU over 3 s of turns
    assert stats.upstream_calls_per_request == 3.0  # 15 over the 5 answered, warm-ups included
    assert tally.stats(connections=64, counted=False).upstream_calls_per_request is None
