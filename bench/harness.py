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

from bench import processes, profile, queries, seed
from bench.baseline import CLIENTS
from bench.load import LoadResult, LoadSpec
from bench.results import FANOUT, INLINE, Results, Stats
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
    # More than the connections, so that no two requests in flight read the same entity.
    entities: int = 128
    # (g): the gateway as ``serve --workers N`` runs it.
    workers: int = 2

    @classmethod
    def quick(cls) -> Plan:
        return cls(duration=0.25, warmup=0.1, duplicate_requests=3, profile_seconds=0.0, entities=4)


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
        )
        await self._upstreams(results)
        await self._clients(results)
        await self._fanout(results)
        await self._inline(results)
        await self._hot_read(results)
        await self._duplicates(results)
        await self._encoders(results)
        if self.plan.profile_seconds:
            await self._profiles(results)
        return results

    async def _upstreams(self, results: Results) -> None:
        """Each upstream read alone, straight to the simulators: the floor for (a)."""
        sessions = await Sessions.login(self.session, self.servers.simulators.url, "bench-probe")
        by_upstream = zip(*(sessions.fanout_calls(trio) for trio in self.trios), strict=True)
        for calls in by_upstream:
            results.upstream_calls[calls[0].name] = await self._measured(
                list(calls), self.plan.latency_connections, self.servers.simulators
            )

    async def _clients(self, results: Results) -> None:
        """(b)'s baseline and the transport candidates: the same reads, no GraphQL."""
        for client in CLIENTS:
            url = f"{self.servers.baseline.url}/fanout/{client}"
            calls = [Call(client, "GET", f"{url}?{urlencode(asdict(t))}") for t in self.trios]
            results.clients[client] = await self._measured(
                calls, self.plan.load_connections, self.servers.baseline
            )

    async def _fanout(self, results: Results) -> None:
        """(a) latency at a moderate load, (b) throughput and (e) memory at full load."""
        calls = self._fanout_calls(self.servers.gateway)
        gateway = self.servers.gateway
        results.fanout_alone = await self._counted(calls, 1, gateway)
        results.fanout_latency = await self._counted(calls, self.plan.latency_connections, gateway)
        results.fanout_throughput = await self._counted(calls, self.plan.load_connections, gateway)
        results.rss_mb, results.peak_rss_mb = processes.rss_megabytes(self.servers.gateway.pid)

    async def _inline(self, results: Results) -> None:
        """(f) the fan-out with its ids in a new query text per request; (g) with N workers."""
        gateway, workers = self.servers.gateway, self.servers.workers
        connections = self.plan.load_connections
        results.inline = await self._counted(
            self._inline_calls(gateway), connections, gateway, numbered=True
        )
        results.workers = self.plan.workers
        results.inline_workers = await self._counted(
            self._inline_calls(workers), connections, workers, numbered=True
        )

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
        """Where the gateway's time goes at full load, in (b) and in (f)."""
        gateway = self.servers.gateway
        for scenario, calls, numbered in (
            (FANOUT, self._fanout_calls(gateway), False),
            (INLINE, self._inline_calls(gateway), True),
        ):
            output = self.logs / f"profile-{len(results.profiles)}.collapsed"
            seconds = self.plan.profile_seconds
            await asyncio.gather(
                self._load(
                    calls, self.plan.load_connections, duration=seconds + 2, numbered=numbered
                ),
                _after(1.0, profile.record(gateway.pid, seconds, output)),
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
        pids = {
            "server": server.pid,
            "simulators": self.servers.simulators.pid,
            "load": self.load.pid,
        }
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
