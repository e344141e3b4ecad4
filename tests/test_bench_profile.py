"""The bench's summary of a py-spy profile."""

from __future__ import annotations

from bench.profile import summarise
from bench.report import render
from bench.results import BASELINE_READS, FANOUT, INLINE, Results, Stats

LOOP = "Runner.run (asyncio/runners.py:118)"
COLLAPSED = "\n".join(
    [
        f"<module> (uvicorn/__main__.py:4);{LOOP};Transport.request (calendar_gateway/t.py:9) 3",
        f"<module> (uvicorn/__main__.py:4);{LOOP};GraphQL.__call__ (strawberry/asgi.py:1) 1",
    ]
)


def test_inclusive_shares_leave_out_the_frames_down_to_the_event_loop() -> None:
    inclusive = dict(summarise(COLLAPSED).inclusive)
    assert inclusive == {
        "Transport.request (calendar_gateway/t.py)": 0.75,
        "GraphQL.__call__ (strawberry/asgi.py)": 0.25,
    }


def _stats(throughput: float, server_cpu: float) -> Stats:
    cpu = {"server": server_cpu, "simulators": 0.1, "load": 0.1}
    return Stats(64, 100, 0, throughput, 50.0, 60.0, 100, cpu, 3.0)


def _results() -> Results:
    results = Results(0.05, 10.0, 64, 1.0, 128, workers=2)
    results.upstream_calls = {name: _stats(300, 0.1) for name in ("calendars", "bookings")}
    results.clients = {
        "aiohttp": _stats(1000, 0.5),
        "httpx-ours": _stats(900, 0.6),
        "http1": _stats(1100, 0.4),
    }
    results.fanout_alone = results.fanout_latency = _stats(300, 0.4)
    results.fanout_throughput = _stats(800, 1.0)  # 1.25 ms a request
    results.inline = _stats(700, 1.0)  # 1.43 ms: 1.14 x (b)
    results.inline_workers = _stats(1000, 1.6)
    results.hot_read = results.duplicates = _stats(1500, 1.0)
    results.distinct_entities = 7
    results.encoders = {"fan-out answer": {"json.dumps": 4.0}}
    results.encoded_bytes = {"fan-out answer": 356}
    results.profiles = {FANOUT: summarise(COLLAPSED), INLINE: summarise(COLLAPSED)}
    return results


def test_the_report_splits_the_gateway_s_and_the_baseline_s_cpu_per_request_alike() -> None:
    results = _results()
    baseline = "\n".join(
        [
            f"<module> (uvicorn/__main__.py:4);{LOOP};ClientSession.get (aiohttp/client.py:9) 1",
            f"<module> (uvicorn/__main__.py:4);{LOOP};fanout (bench/baseline.py:60) 1",
        ]
    )
    results.profiles[BASELINE_READS] = summarise(baseline)
    text = render(results, "chart.png")
    # The gateway: 1.25 ms a request, 3/4 in its own code and 1/4 in Strawberry; the
    # baseline: 0.5 ms, half in aiohttp and half in its own code.
    assert "| the gateway's code | 0.00 | 0.94 | +0.94 |" in text
    assert "| GraphQL execution | 0.00 | 0.31 | +0.31 |" in text
    assert "| upstream HTTP | 0.25 | 0.00 | -0.25 |" in text
    assert "| the baseline's code | 0.25 | 0.00 | -0.25 |" in text
    assert f"### {BASELINE_READS}" in text


def test_the_gateway_s_own_http_client_counts_as_upstream_http() -> None:
    frame = "_Connection.data_received (/app/src/calendar_gateway/upstreams/http1.py:9)"
    results = _results()
    results.profiles[FANOUT] = summarise(f"<module> (uvicorn/__main__.py:4);{LOOP};{frame} 1")
    assert "upstream HTTP 100%" in render(results, "chart.png")


def test_the_cpu_targets_are_ratios_of_cpu_per_request() -> None:
    targets = {t.name[:3] + t.name.split()[1]: t for t in _results().targets()}
    assert round(targets["(b)server"].measured, 2) == 2.5  # 1.25 ms / 0.5 ms
    assert round(targets["(f)server"].measured, 2) == 1.14
    assert targets["(f)server"].met


def test_the_report_has_a_profile_per_scenario_and_each_workers_share() -> None:
    text = render(_results(), "chart.png")
    assert f"### {FANOUT}" in text
    assert f"### {INLINE}" in text
    assert (
        "| (g) gateway, --workers 2: ids inline, a new text per request | 64 | 1000 | 500 |" in text
    )


def test_samples_of_other_threads_are_left_out() -> None:
    idle_worker = "_bootstrap (threading.py:1);_worker (concurrent/futures/thread.py:81) 96"
    profile = summarise(f"{COLLAPSED}\n{idle_worker}")
    assert dict(profile.packages) == {"calendar_gateway": 0.75, "strawberry": 0.25}
