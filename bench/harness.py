"""One ``make bench`` run: start the servers, drive each scenario, collect the numbers."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import os
import sys
import time
import timeit
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import orjson

from bench import instructions, processes, profile, queries, seed
from bench.baseline import BASELINE, CLIENTS
from bench.load import LoadResult, LoadSpec
from bench.results import BASELINE_READS, FANOUT, INLINE, Results, Stats
from bench.upstream_calls import Call, Entities, Sessions

VENDOR_ROOTS = ("/jsonapi", "/grs/v1", "/api/v1/master")
CACHE_TTL_SECONDS = 300.0
ENCODERS: dict[str, Callable[[object], str | bytes]] = {
    # What Strawberry's view does by default.
    "json.dumps": lambda data: json.dumps(data, separators=(",", ":")),
    "orjson.dumps": orjson.dumps,
}


@dataclass(frozen=True)
class Plan:
    """How long and how hard; ``quick`` only proves the harness works end to end."""

    latency: float = 0.05
    duration: float = 10.0
    warmup: float = 2.0
    latency_connections: int = 16
    load_connections: int = 64
    duplicate_requests: int = 100
    profile_seconds: float = 10.0
    # Requests per layer counted by callgrind (bench/instructions.py).
    instruction_requests: int = 200
    # More than the connections, so that no two requests in flight read the same entity.
    entities: int = 128
    # (g): the gateway as ``serve --workers N`` runs it.
    workers: int = 2
    # Runs compared as a ratio take turns: ``duration`` each in all, in this many turns.
    turns: int = 5
    # Before each turn after a run's first (whose warm-up is ``warmup``): new connections settle.
    settle: float = 0.5

    @classmethod
    def quick(cls) -> Plan:
        return cls(
            duration=0.25,
            warmup=0.1,
            duplicate_requests=3,
            profile_seconds=0.0,
            instruction_requests=2,
            entities=4,
            turns=2,
            settle=0.05,
        )


@dataclass(frozen=True)
class _Cpus:
    """The server under test gets one core; the upstreams and the load share the others."""

    server: set[int] | None
    rest: set[int] | None

    @classmethod
    def of_machine(cls) -> _Cpus:
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) < 2:
            return cls(None, None)
        return cls({cores[0]}, set(cores[1:]))


@dataclass(frozen=True)
class _Run:
    """One of the runs measured in turns: its calls, and the server that answers them."""

    calls: list[Call]
    server: processes.Server
    numbered: bool = False
    counted: bool = False
    """Whether to count the upstream requests it causes (the gateway's runs)."""


@dataclass
class _Tally:
    """A run's turns added up."""

    load: LoadResult = dataclasses.field(default_factory=LoadResult)
    cpu_seconds: dict[str, float] = dataclasses.field(default_factory=dict)
    wall_seconds: float = 0.0
    upstream_requests: int = 0

    def add(self, load: LoadResult, cpu_seconds: dict[str, float], wall_seconds: float) -> None:
        self.load.latencies.extend(load.latencies)
        self.load.errors += load.errors
        self.load.completed += load.completed
        self.load.elapsed += load.elapsed
        self.load.first_error = self.load.first_error or load.first_error
        for name, seconds in cpu_seconds.items():
            self.cpu_seconds[name] = self.cpu_seconds.get(name, 0.0) + seconds
        self.wall_seconds += wall_seconds

    def stats(self, connections: int, counted: bool) -> Stats:
        cpu = {name: seconds / self.wall_seconds for name, seconds in self.cpu_seconds.items()}
        stats = Stats.of(self.load, connections, cpu)
        if not counted:
            return stats
        per_request = self.upstream_requests / max(stats.completed, 1)
        return dataclasses.replace(stats, upstream_calls_per_request=per_request)


@dataclass(frozen=True)
class _Servers:
    simulators: processes.Server
    gateway: processes.Server
    cached_gateway: processes.Server
    workers: processes.Server
    baseline: processes.Server


async def run(plan: Plan, logs: Path) -> Results:
    cpus = _Cpus.of_machine()
    async with (
        _servers(plan, logs, cpus) as servers,
        _LoadGenerator.started(cpus.rest) as load,
        aiohttp.ClientSession() as session,
    ):
        return await _Bench(plan, logs, servers, load, session).run()


@contextlib.asynccontextmanager
async def _servers(plan: Plan, logs: Path, cpus: _Cpus) -> AsyncIterator[_Servers]:
    connections = plan.load_connections
    port = processes.free_port()
    upstreams = processes.ServerSpec(
        "simulators",
        processes.simulators_args(port, plan.latency, connections),
        port,
        cpus=cpus.rest,
    )
    async with processes.serving([upstreams], logs) as (simulators,):
        port = processes.free_port()
        baseline = processes.ServerSpec(
            "baseline",
            processes.baseline_args(port, simulators.url, connections),
            port,
            cpus=cpus.server,
        )
        gateways = [
            _gateway(name, simulators.url, connections, ttl, cpus.server)
            for name, ttl in (("gateway", 0.0), ("gateway-cached", CACHE_TTL_SECONDS))
        ]
        # Its workers get every core: one core shared by two would measure nothing.
        gateways.append(
            _gateway("gateway-workers", simulators.url, connections, 0.0, None, plan.workers)
        )
        async with processes.serving([*gateways, baseline], logs) as servers:
            yield _Servers(simulators, *servers)


def _gateway(  # noqa: PLR0917 - each a setting of the one gateway
    name: str,
    upstream: str,
    connections: int,
    cache_ttl: float,
    cpus: set[int] | None,
    workers: int = 1,
) -> processes.ServerSpec:
    port = processes.free_port()
    return processes.ServerSpec(
        name,
        processes.gateway_args(port, workers),
        port,
        env=processes.gateway_env(upstream, connections, cache_ttl, user_space=name),
        cpus=cpus,
    )


class _LoadGenerator:
    """``bench.load`` in a process of its own, off the server's core, for every run."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process
        self.pid = process.pid

    @classmethod
    @contextlib.asynccontextmanager
    async def started(cls, cpus: set[int] | None) -> AsyncIterator[_LoadGenerator]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.load",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            # A result is one line, with every latency of its run.
            limit=2**26,
        )
        if cpus is not None:
            os.sched_setaffinity(process.pid, cpus)
        try:
            yield cls(process)
        finally:
            if process.stdin is not None:
                process.stdin.close()
            await process.wait()

    async def run(self, spec: LoadSpec) -> LoadResult:
        stdin, stdout = self._process.stdin, self._process.stdout
        if stdin is None or stdout is None:
            raise RuntimeError("the load generator has no pipes")
        stdin.write(spec.to_json().encode() + b"\n")
        await stdin.drain()
        line = await stdout.readline()
        if not line:
            raise RuntimeError(f"the load generator exited ({self._process.returncode})")
        return LoadResult.from_json(line.decode())


class _Bench:
    def __init__(
        self,
        plan: Plan,
        logs: Path,
        servers: _Servers,
        load: _LoadGenerator,
        session: aiohttp.ClientSession,
    ) -> None:
        self.plan = plan
        self.logs = logs
        self.servers = servers
        self.load = load
        self.session = session
        self.trios: list[Entities] = []

    async def run(self) -> Results:
        self.trios = await seed.create_entities(
            self.session, self.servers.gateway.url, self.plan.entities
        )
        results = Results(
            latency_seconds=self.plan.latency,
            duration_seconds=self.plan.duration,
            connections=self.plan.load_connections,
            load_average=os.getloadavg()[0],
            entities=len(self.trios),
            turns=self.plan.turns,
            latency_connections=self.plan.latency_connections,
        )
        await self._latency(results)
        await self._throughput(results)
        await self._clients(results)
        await self._fanout_alone(results)
        await self._workers(results)
        await self._hot_read(results)
        await self._duplicates(results)
        await self._encoders(results)
        if self.plan.profile_seconds:
            await self._profiles(results)
        results.instructions = await instructions.measure(
            self.servers.simulators.url, self.trios, self.plan.instruction_requests, self.logs
        )
        return results

    async def _latency(self, results: Results) -> None:
        """(a): each upstream read alone, straight to the simulators, and the fan-out, in turns."""
        sessions = await Sessions.login(self.session, self.servers.simulators.url, "bench-probe")
        by_upstream = zip(*(sessions.fanout_calls(trio) for trio in self.trios), strict=True)
        simulators, gateway = self.servers.simulators, self.servers.gateway
        runs = {calls[0].name: _Run(list(calls), simulators) for calls in by_upstream}
        runs[FANOUT] = _Run(self._fanout_calls(gateway), gateway, counted=True)
        measured = await self._in_turns(runs, self.plan.latency_connections)
        results.fanout_latency = measured.pop(FANOUT)
        results.upstream_calls = measured

    async def _throughput(self, results: Results) -> None:
        """(b) the baseline and the fan-out, (f) with inline ids, in turns; then (e) memory."""
        gateway, baseline = self.servers.gateway, self.servers.baseline
        runs = {
            BASELINE: _Run(self._baseline_calls(BASELINE), baseline),
            FANOUT: _Run(self._fanout_calls(gateway), gateway, counted=True),
            INLINE: _Run(self._inline_calls(gateway), gateway, numbered=True, counted=True),
        }
        measured = await self._in_turns(runs, self.plan.load_connections)
        results.clients[BASELINE] = measured[BASELINE]
        results.fanout_throughput = measured[FANOUT]
        results.inline = measured[INLINE]
        results.rss_mb, results.peak_rss_mb = processes.rss_megabytes(gateway.pid)

    async def _clients(self, results: Results) -> None:
        """The other transport candidates: the baseline's reads through each, one after another."""
        for client in CLIENTS:
            if client != BASELINE:
                results.clients[client] = await self._measured(
                    self._baseline_calls(client),
                    self.plan.load_connections,
                    self.servers.baseline,
                )

    async def _fanout_alone(self, results: Results) -> None:
        """(a) one request at a time: what the fan-out costs without queueing for the core."""
        gateway = self.servers.gateway
        results.fanout_alone = await self._counted(self._fanout_calls(gateway), 1, gateway)

    async def _workers(self, results: Results) -> None:
        """(g) (f)'s load against ``--workers N``."""
        workers = self.servers.workers
        results.workers = self.plan.workers
        results.inline_workers = await self._counted(
            self._inline_calls(workers), self.plan.load_connections, workers, numbered=True
        )

    async def _in_turns(self, runs: dict[str, _Run], connections: int) -> dict[str, Stats]:
        """Runs compared as ratios, measured in short turns, one after another.

        The machine's speed drifts: on a shared host, by a third within minutes. Runs
        measured in the same minutes meet the same drift, so their ratios hold.
        """
        tallies = {name: _Tally() for name in runs}
        turn = self.plan.duration / self.plan.turns
        for number in range(self.plan.turns):
            warmup = self.plan.warmup if number == 0 else self.plan.settle
            for name, run in runs.items():
                await self._turn(tallies[name], run, connections, turn, warmup)
        return {name: tallies[name].stats(connections, run.counted) for name, run in runs.items()}

    async def _turn(
        self, tally: _Tally, run: _Run, connections: int, duration: float, warmup: float
    ) -> None:
        pids = {"server": run.server.pid, **self._other_pids()}
        upstream = await self._upstream_requests() if run.counted else 0
        before = {name: processes.cpu_seconds(pid) for name, pid in pids.items()}
        started = time.perf_counter()
        spec = LoadSpec(
            calls=run.calls,
            connections=connections,
            duration=duration,
            warmup=warmup,
            numbered=run.numbered,
        )
        load = await self.load.run(spec)
        wall = time.perf_counter() - started
        cpu = {name: processes.cpu_seconds(pid) - before[name] for name, pid in pids.items()}
        tally.add(load, cpu, wall)
        if run.counted:
            tally.upstream_requests += await self._upstream_requests() - upstream

    async def _hot_read(self, results: Results) -> None:
        """(c) the fan-out again, from a gateway whose read cache holds the answers."""
        calls = self._fanout_calls(self.servers.cached_gateway)
        await self._load(calls, 8, max_requests=len(calls))
        results.hot_read = await self._counted(
            calls, self.plan.load_connections, self.servers.cached_gateway
        )

    async def _duplicates(self, results: Results) -> None:
        """(d) one client at a time, so only de-duplication within a request counts."""
        duplicates = queries.duplicates()
        call = queries.graphql_call("duplicates", self.servers.gateway.url, duplicates.document)
        results.duplicates = await self._counted(
            [call],
            1,
            self.servers.gateway,
            max_requests=self.plan.duplicate_requests,
            duration=3600.0,
        )
        results.distinct_entities = duplicates.distinct
        results.entity_references = duplicates.references

    async def _encoders(self, results: Results) -> None:
        """The cost of encoding a small answer (the fan-out) and a large one as JSON."""
        fanout = await self._answer(queries.FANOUT, asdict(self.trios[0]))
        in_range = await self._answer(queries.BOOKINGS_IN_RANGE)
        # A busy month of a company: 300 bookings, copies of the ones there are.
        bookings = in_range["data"]["bookingsInRange"]
        large = {"data": {"bookingsInRange": (bookings * 300)[:300]}}
        number = 200 if self.plan.profile_seconds else 5
        for payload, answer in (("fan-out answer", fanout), ("300 bookings", large)):
            results.encoded_bytes[payload] = len(orjson.dumps(answer))
            results.encoders[payload] = {
                name: _microseconds(functools.partial(encode, answer), number)
                for name, encode in ENCODERS.items()
            }

    async def _answer(
        self, document: str, variables: dict[str, str] | None = None
    ) -> dict[str, Any]:
        url = f"{self.servers.gateway.url}/graphql"
        payload = {"query": document, "variables": variables or {}}
        async with self.session.post(url, json=payload) as response:
            answer: dict[str, Any] = json.loads(await response.read())
        if answer.get("errors"):
            raise RuntimeError(f"the gateway answered errors: {answer['errors']}")
        return answer

    async def _profiles(self, results: Results) -> None:
        """Where the server's time goes at full load: the gateway in (b) and in (f), and the
        baseline, whose profile says which of the gateway's costs it has too."""
        gateway, baseline = self.servers.gateway, self.servers.baseline
        for scenario, server, calls, numbered in (
            (FANOUT, gateway, self._fanout_calls(gateway), False),
            (INLINE, gateway, self._inline_calls(gateway), True),
            (BASELINE_READS, baseline, self._baseline_calls(BASELINE), False),
        ):
            output = self.logs / f"profile-{len(results.profiles)}.collapsed"
            seconds = self.plan.profile_seconds
            await asyncio.gather(
                self._load(
                    calls, self.plan.load_connections, duration=seconds + 2, numbered=numbered
                ),
                _after(1.0, profile.record(server.pid, seconds, output)),
            )
            results.profiles[scenario] = profile.summarise(output.read_text())

    def _fanout_calls(self, server: processes.Server) -> list[Call]:
        return [queries.fanout_call(server.name, server.url, trio) for trio in self.trios]

    def _inline_calls(self, server: processes.Server) -> list[Call]:
        return [queries.fanout_inline_call(server.name, server.url, t) for t in self.trios]

    async def _counted(
        self,
        calls: list[Call],
        connections: int,
        server: processes.Server,
        *,
        max_requests: int | None = None,
        duration: float | None = None,
        numbered: bool = False,
    ) -> Stats:
        """A run, with the upstream requests it caused (read from the simulators' stats)."""
        before = await self._upstream_requests()
        stats = await self._measured(
            calls,
            connections,
            server,
            max_requests=max_requests,
            duration=duration,
            numbered=numbered,
        )
        upstream = await self._upstream_requests() - before
        return dataclasses.replace(
            stats, upstream_calls_per_request=upstream / max(stats.completed, 1)
        )

    async def _measured(
        self,
        calls: list[Call],
        connections: int,
        server: processes.Server,
        *,
        max_requests: int | None = None,
        duration: float | None = None,
        numbered: bool = False,
    ) -> Stats:
        """A run, with the CPU that the server, the simulators and the load generator used."""
        pids = {"server": server.pid, **self._other_pids()}
        before = {name: processes.cpu_seconds(pid) for name, pid in pids.items()}
        started = time.perf_counter()
        load = await self._load(
            calls, connections, max_requests=max_requests, duration=duration, numbered=numbered
        )
        elapsed = time.perf_counter() - started
        cpu = {
            name: (processes.cpu_seconds(pid) - before[name]) / elapsed
            for name, pid in pids.items()
        }
        return Stats.of(load, connections, cpu)

    def _other_pids(self) -> dict[str, int]:
        return {"simulators": self.servers.simulators.pid, "load": self.load.pid}

    def _baseline_calls(self, client: str) -> list[Call]:
        url = f"{self.servers.baseline.url}/fanout/{client}"
        return [Call(client, "GET", f"{url}?{urlencode(asdict(t))}") for t in self.trios]

    async def _upstream_requests(self) -> int:
        total = 0
        for root in VENDOR_ROOTS:
            url = f"{self.servers.simulators.url}{root}/_admin/stats"
            async with self.session.get(url) as response:
                total += sum((await response.json())["requests"].values())
        return total

    async def _load(
        self,
        calls: list[Call],
        connections: int,
        *,
        max_requests: int | None = None,
        duration: float | None = None,
        numbered: bool = False,
    ) -> LoadResult:
        spec = LoadSpec(
            calls=calls,
            connections=connections,
            duration=self.plan.duration if duration is None else duration,
            warmup=0.0 if max_requests else self.plan.warmup,
            max_requests=max_requests,
            numbered=numbered,
        )
        return await self.load.run(spec)


def _microseconds(work: Callable[[], object], number: int) -> float:
    return min(timeit.repeat(work, number=number, repeat=5)) / number * 1e6


async def _after(delay: float, work: Awaitable[None]) -> None:
    await asyncio.sleep(delay)
    await work
