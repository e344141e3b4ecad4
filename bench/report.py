"""docs/benchmarks.md and its chart, from one run's results."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path

from bench import chart
from bench.profile import OWN_HTTP_CLIENT, Profile
from bench.results import BASELINE_READS, FANOUT, INLINE, Results, Stats, Target, cpu_ms

GATEWAY_TRANSPORT = "http1"


def write(results: Results, markdown: Path, picture: Path) -> None:
    markdown.parent.mkdir(parents=True, exist_ok=True)
    chart.draw(results, picture)
    markdown.write_text(render(results, picture.name))


def render(results: Results, chart_name: str) -> str:
    sections = [
        _header(results, chart_name),
        _targets(results),
        _latency(results),
        _throughput(results),
        _instructions(results),
        _inline(results),
        _transports(results),
        _hot_read(results),
        _duplicates(results),
        _memory(results),
        _encoding(results),
        _profile(results),
        _errors(results),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def _header(results: Results, chart_name: str) -> str:
    latency_ms = results.latency_seconds * 1000
    return f"""# Benchmarks

Written by `make bench` (`python -m bench`) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python
{platform.python_version()}, {_processor()}, load average {results.load_average:.2f} when it
started (other work on the machine skews every number). Every number below comes from this
one run.

Set-up, all on loopback: the three simulators (`bench/simulators.py`) add {latency_ms:.0f} ms to
every vendor request; the gateway runs as production does (uvicorn, one worker, uvloop,
httptools, no access log), configured like `calendar-gateway demo` with {results.connections}
upstream connections per vendor, with its read cache off (TTL 0) except in (c), and with
tracing off (`OTEL_TRACES_EXPORTER=none`, as a deployment without a collector runs it). The
baseline (`bench/baseline.py`) makes the fan-out's upstream reads itself, with no GraphQL.
The server under test has one core to itself; the simulators and the load generator
(`bench/load.py`: closed loop, aiohttp, its own process) share the other. Each run lasts
{results.duration_seconds:g} s after a warm-up. Runs whose ratio is a target take turns, in
{results.turns} turns each (the upstreams alone and the fan-out at {results.latency_connections}
connections for (a); the baseline, (b) and (f) at {results.connections}): this host's speed drifted
by a third within minutes, and runs measured in the same minutes meet the same drift.
Xelion's per-session limit is raised to {results.connections} on both sides: at its default
of 4 and {latency_ms:.0f} ms, it alone would cap appointment reads at
{4 / results.latency_seconds:.0f}/s.

The fan-out runs cycle through {results.entities} trios of a business calendar, a booking and an
appointment, made through the gateway's mutations beforehand, so that no two requests in
flight read the same entity: otherwise the gateway's single flight would share one upstream
read between them, and the comparison with the baseline would not be like for like. CPU
columns: the share of one core that the server under test, the simulators and the load
generator used during the run.

![throughput and latency]({chart_name})"""


def _processor() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return f"{line.split(':', 1)[1].strip()} ({_cores()} cores)"
    return f"{platform.machine()} ({_cores()} cores)"


def _cores() -> int:
    return os.cpu_count() or 1


def _targets(results: Results) -> str:
    rows = [_target_row(target) for target in results.targets()]
    misses = [_why(results, target) for target in results.targets() if not target.met]
    why = "".join(f"\n\n{text}" for text in misses if text)
    return (
        "## Targets\n\n| target | measured | limit | |\n|---|---:|---:|---|\n"
        + "\n".join(rows)
        + why
    )


def _target_row(target: Target) -> str:
    measured, limit, verdict = _target_cells(target)
    return f"| {target.name} | {measured} | {limit} | {verdict} |"


def target_line(target: Target) -> str:
    """One target as a line for the terminal."""
    measured, limit, verdict = _target_cells(target)
    return f"{target.name}: {measured} ({limit}) {verdict.strip('*')}"


def _target_cells(target: Target) -> tuple[str, str, str]:
    op = "<=" if target.at_most else ">="
    measured = f"{target.measured:.2f} {target.unit}".strip()
    limit = f"{op} {target.limit:g} {target.unit}".strip()
    if target.pending is not None:
        return measured, limit, f"pending: {target.pending}"
    if target.met:
        return measured, limit, "met"
    return measured, limit, f"**missed by {target.miss:.0%}**"


def _why(results: Results, target: Target) -> str:  # noqa: PLR0911 - one per target
    if target.pending is not None:
        return ""
    if target.name.startswith("(a)"):
        return _why_latency(results)
    if target.name.startswith("(b) fan-out throughput"):
        return _why_throughput(results)
    if target.name.startswith("(b)"):
        return _why_cpu(results)
    if target.name.startswith("(f)"):
        return _why_inline(results)
    if target.name.startswith("(d)"):
        return (
            "(d) The gateway read some entity more than once within one request: a reference "
            "that bypasses the request's DataLoader."
        )
    return (
        f"(e) Peak RSS {results.peak_rss_mb:.0f} MB: the interpreter, Strawberry's schema "
        "and the upstream clients' pools."
    )


def _why_latency(results: Results) -> str:
    assert results.fanout_latency is not None
    name, slowest = results.slowest_upstream
    assert results.fanout_alone is not None
    run, alone = results.fanout_latency, results.fanout_alone
    text = (
        f"(a) The fan-out's p50 is {run.p50_ms - slowest.p50_ms:.1f} ms above the slowest "
        f"upstream read alone ({name}, {slowest.p50_ms:.1f} ms). One request at a time it is "
        f"{alone.p50_ms - slowest.p50_ms:.1f} ms above: the three reads do run at once, and "
        f"the rest is load. With {run.connections} requests in flight the gateway's core was "
        f"{run.cpu['server']:.0%} busy: "
    )
    if run.cpu["server"] >= 0.9:
        text += "requests queued for it, and each waited for the others' CPU time."
    else:
        text += "the gateway's own work (GraphQL, the upstream layer) adds to each request."
    if run.cpu["simulators"] >= 0.9:
        text += (
            f" The simulators' core was {run.cpu['simulators']:.0%} busy too, so the upstream "
            "reads answered slower than they did alone."
        )
    return text + _profile_pointer(results)


def _why_throughput(results: Results) -> str:
    assert results.fanout_throughput is not None
    gateway, baseline = results.fanout_throughput, results.clients["aiohttp"]
    gateway_ms, baseline_ms = cpu_ms(gateway), cpu_ms(baseline)
    transport_ms = cpu_ms(results.clients[GATEWAY_TRANSPORT])
    return (
        f"(b) At {gateway.connections} connections the gateway's core was "
        f"{gateway.cpu['server']:.0%} busy and the baseline's {baseline.cpu['server']:.0%}: "
        f"the gateway spends {gateway_ms:.2f} ms of CPU per fan-out request, the baseline "
        f"{baseline_ms:.2f} ms for the same three upstream reads. The "
        f"{gateway_ms - baseline_ms:.2f} ms between them are GraphQL and the gateway's own "
        "layers: context and loaders per request, the read cache's single flight, the "
        "transport's retries, circuit breaker, metrics, httpx's requests and responses, and "
        "the middleware; its upstream reads cost less than aiohttp's (`upstreams/http1.py`: "
        f"the `{GATEWAY_TRANSPORT}` candidate, the baseline's reads through the gateway's own "
        f"pool as its `Transport` sends them, costs {transport_ms - baseline_ms:+.2f} ms per "
        "request against plain aiohttp)." + _profile_pointer(results)
    )


def _why_cpu(results: Results) -> str:
    assert results.fanout_throughput is not None
    gateway, baseline = results.fanout_throughput, results.clients["aiohttp"]
    limit_ms = 1.5 * cpu_ms(baseline)
    return (
        f"(b) CPU: the gateway spends {cpu_ms(gateway):.2f} ms per fan-out request; 1.5 x the "
        f"baseline's {cpu_ms(baseline):.2f} ms would be {limit_ms:.2f} ms, "
        f"{cpu_ms(gateway) - limit_ms:.2f} ms less (where it goes: the profiles below)."
        + _instruction_ratio(results)
        + _cpu_by_group(results)
    )


def _instruction_ratio(results: Results) -> str:
    counted = results.instructions
    if not counted:
        return ""
    ratio = _ratio(counted["request"], counted["baseline"])
    return f" Counted in instructions, which the host's drift leaves alone: {ratio:.2f} x."


def _cpu_by_group(results: Results) -> str:
    """The CPU per request of the gateway and of the baseline, split as their profiles are."""
    gateway_profile = results.profiles.get(FANOUT)
    baseline_profile = results.profiles.get(BASELINE_READS)
    if gateway_profile is None or baseline_profile is None:
        return ""
    assert results.fanout_throughput is not None
    gateway = _ms_by_group(gateway_profile, cpu_ms(results.fanout_throughput))
    baseline = _ms_by_group(baseline_profile, cpu_ms(results.clients["aiohttp"]))
    rows = [
        f"| {group} | {baseline[group]:.2f} | {gateway[group]:.2f} "
        f"| {gateway[group] - baseline[group]:+.2f} |"
        for group in sorted(gateway, key=lambda group: baseline[group] - gateway[group])
    ]
    return (
        " Each one's CPU per request, split as its profile's samples are (py-spy, below):"
        "\n\n| where (ms per request) | baseline | gateway | gateway - baseline |\n"
        "|---|---:|---:|---:|\n" + "\n".join(rows)
    )


def _why_inline(results: Results) -> str:
    assert results.fanout_throughput is not None
    assert results.inline is not None
    known, new = cpu_ms(results.fanout_throughput), cpu_ms(results.inline)
    text = (
        f"(f) A new query text costs {new - known:.2f} ms of CPU more than a known one "
        f"({new:.2f} ms against {known:.2f} ms); 1.25 x would allow {0.25 * known:.2f} ms."
    )
    shares = _package_shift(results)
    if shares:
        text += f" Shares of the gateway's samples, (b) -> (f): {shares}."
    return text


def _package_shift(results: Results) -> str:
    """How each group's share of the profile moved from (b) to (f), largest first."""
    if FANOUT not in results.profiles or INLINE not in results.profiles:
        return ""
    before = dict(_groups(results.profiles[FANOUT]))
    after = dict(_groups(results.profiles[INLINE]))
    moved = sorted(
        (group for group in after if after[group] or before[group]),
        key=lambda group: -abs(after[group] - before[group]),
    )
    return ", ".join(f"{group} {before[group]:.0%} -> {after[group]:.0%}" for group in moved)


def _profile_pointer(results: Results) -> str:
    profile = results.profiles.get(FANOUT)
    if profile is None:
        return ""
    return f" Where the gateway's CPU goes at full load (py-spy, below): {_group_shares(profile)}."


_GROUPS = {
    "GraphQL execution": ("strawberry", "graphql"),
    "HTTP server": ("uvicorn", "starlette", "httptools"),
    "upstream HTTP": (
        "httpx",
        "httpcore",
        "aiohttp",
        "anyio",
        "yarl",
        "multidict",
        "h11",
        OWN_HTTP_CLIENT,
    ),
    # py-spy names OpenTelemetry's namespace packages by their inner folder.
    "tracing and metrics": ("opentelemetry", "trace", "context", "util", "prometheus_client"),
    "the gateway's code": ("calendar_gateway",),
    "the baseline's code": ("bench",),
    "event loop": ("asyncio", "uvloop"),
}


def _group_shares(profile: Profile) -> str:
    """The groups a profile's samples fell in, largest first; one without samples is left out."""
    return ", ".join(f"{group} {share:.0%}" for group, share in _groups(profile) if share)


def _ms_by_group(profile: Profile, ms_per_request: float) -> dict[str, float]:
    return {group: share * ms_per_request for group, share in _groups(profile)}


def _groups(profile: Profile) -> list[tuple[str, float]]:
    shares = dict.fromkeys([*_GROUPS, "other"], 0.0)
    for package, share in profile.packages:
        group = next((g for g, names in _GROUPS.items() if package in names), "other")
        shares[group] += share
    return sorted(shares.items(), key=lambda item: -item[1])


def _latency(results: Results) -> str:
    rows = [
        _stats_row(f"{name} read alone, straight to the simulator", stats)
        for name, stats in results.upstream_calls.items()
    ]
    assert results.fanout_alone is not None
    assert results.fanout_latency is not None
    rows.append(_stats_row("gateway: the fan-out query, one at a time", results.fanout_alone))
    rows.append(_stats_row("gateway: the fan-out query", results.fanout_latency))
    name, slowest = results.slowest_upstream
    ratio = _ratio(results.fanout_latency.p50_ms, slowest.p50_ms)
    return (
        "## (a) Fan-out latency against the slowest upstream\n\n"
        f"The query reads one entity from each upstream ({', '.join(results.upstream_calls)}); "
        f"the gateway sends the reads at once. At {results.fanout_latency.connections} "
        f"connections its p50 is {ratio:.2f} x that of the slowest read alone ({name}).\n\n"
        + _stats_table(rows)
    )


def _throughput(results: Results) -> str:
    assert results.fanout_throughput is not None
    baseline = results.clients["aiohttp"]
    ratio = _ratio(results.fanout_throughput.throughput, baseline.throughput)
    rows = [
        _stats_row("baseline: the same reads with aiohttp, no GraphQL", baseline),
        _stats_row("gateway: the fan-out query", results.fanout_throughput),
    ]
    return (
        f"## (b) Fan-out throughput against the baseline\n\n"
        f"At {baseline.connections} connections the gateway serves {ratio:.0%} of the "
        "baseline's requests per second.\n\n" + _stats_table(rows)
    )


_LAYERS = {
    "reads": "the three reads, with aiohttp, as the baseline sends them",
    "services": "the same, through the gateway's services, read cache and transport",
    "snapshots": "... and through the request's snapshots and loaders",
    "execute": "the fan-out query, run by the schema with its context",
    "request": "the whole HTTP request, through the middleware and the view",
}


def _instructions(results: Results) -> str:
    counted = results.instructions
    if not counted:
        return ""
    rows, before = [], None
    for layer, what in _LAYERS.items():
        added = "" if before is None else f"+{(counted[layer] - before) / 1e6:.2f} M"
        rows.append(f"| {what} | {counted[layer] / 1e6:.2f} M | {added} |")
        before = counted[layer]
    rows.append(f"| the baseline's whole request | {counted['baseline'] / 1e6:.2f} M | |")
    ratio = _ratio(counted["request"], counted["baseline"])
    limit = 1.5 * counted["baseline"]
    gap = counted["request"] - limit
    verdict = (
        f"At 1.5 x it would cost {limit / 1e6:.2f} M, {gap / 1e6:.2f} M less."
        if gap > 0
        else "Within 1.5 x."
    )
    return (
        "## (b) In instructions, layer by layer\n\n"
        "callgrind counts the instructions of one fan-out request, layer by layer, in one "
        "process that drives the gateway's app and the baseline's through ASGI, against the "
        "same simulators (`bench/instructions.py`). The count is the same on any host and "
        "under any load, where CPU seconds drift; it leaves out the kernel (system calls) "
        "and the HTTP server's parsing, which both servers have.\n\n"
        f"The gateway's request costs {ratio:.2f} x the baseline's. {verdict}\n\n"
        "| layer | instructions per request | added by the layer |\n|---|---:|---:|\n"
        + "\n".join(rows)
    )


def _inline(results: Results) -> str:
    assert results.fanout_throughput is not None
    assert results.inline is not None
    assert results.inline_workers is not None
    runs = [
        ("(b) gateway: ids as variables, one text", results.fanout_throughput, 1),
        ("(f) gateway: ids inline, a new text per request", results.inline, 1),
        (
            f"(g) gateway, --workers {results.workers}: ids inline, a new text per request",
            results.inline_workers,
            results.workers,
        ),
    ]
    rows = [
        f"| {name} | {stats.connections} | {stats.throughput:.0f} | "
        f"{_ratio(stats.throughput, workers):.0f} | {cpu_ms(stats):.2f} | {stats.p50_ms:.1f} | "
        f"{stats.p99_ms:.1f} | {_cpu(stats)} | {stats.errors} |"
        for name, stats, workers in runs
    ]
    return (
        "## (f) and (g) Inline ids, a new query text per request\n\n"
        "The fan-out with its ids written in the query text, as GraphiQL users and simple "
        "clients send it. Each request's text also carries its number in a comment, so no "
        "text repeats within the run (the trios alone would repeat every "
        f"{results.entities} requests, and the gateway remembers its last 128 texts): every "
        "request is admitted by its shape (`graphql/shapes.py`), on the event loop: its "
        "tokens read by one regular expression (`graphql/tokens.py`), its literals checked, "
        "and it runs as the shape's one document with its literals hoisted into variables "
        "(`graphql/hoisting.py`), its own values given to them: neither parsed nor validated "
        "whole, and no document made for it. (g) runs the "
        f"same load against `--workers {results.workers}`, its workers free to use every core "
        "(which the simulators and the load generator share with them here); its CPU is both "
        "workers' together. CPU ms / request: the server's CPU per answered request.\n\n"
        "| what | connections | req/s | req/s per worker | CPU ms / request | p50 ms | p99 ms "
        f"| {_CPU_HEADER} | errors |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n" + "\n".join(rows)
    )


def _transports(results: Results) -> str:
    baseline = results.clients["aiohttp"].throughput
    fastest = max(
        (name for name in results.clients if name != "aiohttp"),
        key=lambda name: results.clients[name].throughput,
    )
    rows = [
        f"| {name} | {stats.throughput:.0f} | {_ratio(stats.throughput, baseline):.0%} | "
        f"{stats.p50_ms:.1f} | {stats.p99_ms:.1f} | {_cpu(stats)} | {stats.errors} |"
        for name, stats in results.clients.items()
    ]
    return (
        "## Upstream transport\n\n"
        "The baseline's reads sent with each candidate client (one client per upstream "
        f"server, {results.connections} connections), at {results.connections} client "
        "connections. `httpx-default` is httpx 0.28's default pool (100 connections, 20 kept "
        "alive); `httpx-tuned` sets both limits to the connections; `httpx-aiohttp` is httpx's "
        "client API over aiohttp (the `httpx-aiohttp` package); `httpx2` is the httpx fork "
        "with its own pool; `httpx-ours` is httpx's client API over the gateway's own pool "
        "(`upstreams/http1.py`), and `http1` that pool sent to from each read's parts. "
        f"Fastest httpx-API candidate in this run: **{fastest}**.\n\n"
        f"The gateway's `Transport` uses **{GATEWAY_TRANSPORT}**: a keep-alive pool of asyncio "
        "connections whose answers httptools parses (llhttp, the parser uvicorn serves with), "
        "behind httpx's API (timeouts, limits, `httpx.Response`, httpx's exceptions). A vendor "
        "read is a small request and an answer read whole; aiohttp's client does much more "
        "per request (cookies, redirects, tracing hooks, a stream per answer), and httpcore's "
        "pool scans every connection per request. The `Transport` builds each "
        "`httpx.Request` from its `AsyncClient`'s base URL, default headers, cookies and "
        "timeouts and hands it to the pool itself (a plain read, no cookie, goes to the pool "
        "from its parts, with the same URL and headers, and no `httpx.Request` at all): "
        "`AsyncClient.request` parses the URL twice, runs every call through its auth, "
        "redirect and cookie flows and ties each answer to its stream in a reference cycle, "
        "about 60 µs a call. A Rust client (pyreqwest 0.15) was measured too: fewer "
        "instructions than aiohttp, but more CPU on the server's one core, where its own "
        "runtime thread and the event loop take turns.\n\n"
        f"| client | req/s | of aiohttp | p50 ms | p99 ms | {_CPU_HEADER} | errors |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n" + "\n".join(rows)
    )


def _hot_read(results: Results) -> str:
    assert results.hot_read is not None
    calls = results.hot_read.upstream_calls_per_request or 0.0
    pending = (
        f"\n\n**Pending**: the read cache did not answer ({calls:.2f} upstream calls per request)."
        if calls >= 0.5
        else ""
    )
    return (
        "## (c) A hot read served from the cache\n\n"
        "The fan-out query again, against a second gateway whose read cache (in memory, "
        "TTL 300 s) was filled by one request beforehand.\n\n"
        + _stats_table([_stats_row("gateway with cache: the fan-out query", results.hot_read)])
        + pending
    )


def _duplicates(results: Results) -> str:
    assert results.duplicates is not None
    calls = results.duplicates.upstream_calls_per_request or 0.0
    return (
        "## (d) Duplicate entity references\n\n"
        f"One query with {results.entity_references} references to "
        f"{results.distinct_entities} distinct entities (aliases of `businessCalendar`, "
        "`booking`, `appointment`, and ids repeated in `bookings(ids:)`), sent "
        f"{results.duplicates.requests} times one after another, read cache off: "
        f"**{calls:.2f} upstream calls per request**, "
        f"{calls / results.distinct_entities:.2f} per distinct entity."
    )


def _memory(results: Results) -> str:
    return (
        "## (e) Memory\n\n"
        f"The gateway worker's RSS right after the {results.connections}-connection run: "
        f"{results.rss_mb:.0f} MB (peak over the whole run {results.peak_rss_mb:.0f} MB)."
    )


def _encoding(results: Results) -> str:
    rows = [
        f"| {payload} | {results.encoded_bytes[payload]:,} | "
        + " | ".join(f"{micros:.1f}" for micros in timings.values())
        + " |"
        for payload, timings in results.encoders.items()
    ]
    names = next(iter(results.encoders.values())).keys()
    return (
        "## JSON responses\n\n"
        "Encoding a GraphQL answer, in microseconds per answer (best of five). The gateway's "
        "view encodes with orjson.\n\n"
        f"| answer | bytes | {' | '.join(names)} |\n|---|---:|"
        + "---:|" * len(names)
        + "\n"
        + "\n".join(rows)
    )


def _profile(results: Results) -> str:
    if not results.profiles:
        return ""
    return (
        "## Profiles at full load\n\n"
        f"py-spy, sampling the server's event loop thread (the gateway's worker, or the "
        f"baseline) during a "
        f"{results.connections}-connection run of each scenario (its thread pool's samples "
        "left out: its workers wait for work, and py-spy does not always count that as idle). "
        "Self time says where the CPU was when sampled; inclusive "
        "time, what it was inside of (a frame's callees included; the process's own frames, "
        "down to the event loop's, left out).\n\n"
        + "\n\n".join(
            _scenario_profile(scenario, profile) for scenario, profile in results.profiles.items()
        )
    )


def _scenario_profile(scenario: str, profile: Profile) -> str:
    return (
        f"### {scenario}\n\n{_group_shares(profile)}.\n\n"
        "| package (self) | share |\n|---|---:|\n"
        + _shares(profile.packages, 0.01, code=False)
        + "\n\n| function (self) | share |\n|---|---:|\n"
        + _shares(profile.functions, 0.0, code=True)
        + "\n\n| function (inclusive) | share |\n|---|---:|\n"
        + _shares(profile.inclusive, 0.0, code=True)
    )


def _shares(shares: list[tuple[str, float]], at_least: float, *, code: bool) -> str:
    quote = "`" if code else ""
    return "\n".join(
        f"| {quote}{name}{quote} | {share:.1%} |" for name, share in shares if share >= at_least
    )


def _errors(results: Results) -> str:
    failed = [
        f"- {name}: {stats.errors} errors, the first: {stats.first_error}"
        for name, stats in results.runs().items()
        if stats.errors
    ]
    return "## Errors\n\n" + "\n".join(failed) if failed else ""


def _ratio(part: float, whole: float) -> float:
    """``part / whole``, or 0 when a run too short to answer anything left ``whole`` at 0."""
    return part / whole if whole else 0.0


def _stats_table(rows: list[str]) -> str:
    return (
        "| what | connections | req/s | p50 ms | p99 ms | upstream calls / request "
        f"| {_CPU_HEADER} | errors |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n" + "\n".join(rows)
    )


_CPU_HEADER = "server CPU | simulators CPU | load CPU"


def _stats_row(name: str, stats: Stats) -> str:
    calls = stats.upstream_calls_per_request
    return (
        f"| {name} | {stats.connections} | {stats.throughput:.0f} | {stats.p50_ms:.1f} | "
        f"{stats.p99_ms:.1f} | {'' if calls is None else f'{calls:.2f}'} | {_cpu(stats)} | "
        f"{stats.errors} |"
    )


def _cpu(stats: Stats) -> str:
    return " | ".join(f"{stats.cpu[name]:.0%}" for name in ("server", "simulators", "load"))
