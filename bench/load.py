"""A closed-loop load generator, run as its own process: ``python -m bench.load``.

Each of ``connections`` workers sends its next request as soon as the last one answered,
cycling through the spec's requests, until ``duration`` seconds (or ``max_requests``) are
spent. The first ``warmup`` seconds are sent but not recorded. Reads one JSON spec per line
from stdin and answers each with one JSON result line, until stdin closes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp
import uvloop

from bench.upstream_calls import Call

REQUEST_NUMBER = "__REQUEST_NUMBER__"
"""In a body, replaced by each request's own number when the spec numbers its requests."""


@dataclass(frozen=True)
class LoadSpec:
    calls: list[Call]
    connections: int
    duration: float
    warmup: float = 0.0
    max_requests: int | None = None
    numbered: bool = False
    """Whether each request's body gets its own number, in place of ``REQUEST_NUMBER``."""

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "calls": [_call_json(call) for call in self.calls]})

    @classmethod
    def from_json(cls, text: str) -> LoadSpec:
        fields: dict[str, Any] = json.loads(text)
        calls = [_call_from_json(item) for item in fields.pop("calls")]
        return cls(calls=calls, **fields)


@dataclass
class LoadResult:
    """Latencies (seconds) of the recorded requests that succeeded.

    ``completed`` counts every answered request, warm-up included: what the upstreams saw.
    """

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    completed: int = 0
    elapsed: float = 0.0
    first_error: str | None = None

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> LoadResult:
        return cls(**json.loads(text))


async def run(spec: LoadSpec) -> LoadResult:
    connector = aiohttp.TCPConnector(limit=spec.connections)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        load = _Load(session, spec)
        await asyncio.gather(*(load.worker() for _ in range(spec.connections)))
    load.result.elapsed = min(time.perf_counter(), load.deadline) - load.recording_from
    return load.result


class _Load:
    def __init__(self, session: aiohttp.ClientSession, spec: LoadSpec) -> None:
        self.session = session
        self.calls = itertools.cycle(spec.calls)
        limit = spec.max_requests
        self.budget: Iterator[int] = itertools.count() if limit is None else iter(range(limit))
        self.numbered = spec.numbered
        self.recording_from = time.perf_counter() + spec.warmup
        self.deadline = self.recording_from + spec.duration
        self.result = LoadResult()

    async def worker(self) -> None:
        while time.perf_counter() < self.deadline:
            number = next(self.budget, None)
            if number is None:
                break
            call = next(self.calls)
            if self.numbered and call.body is not None:
                body = call.body.replace(REQUEST_NUMBER.encode(), str(number).encode())
                call = dataclasses.replace(call, body=body)
            sent = time.perf_counter()
            problem = await _send(self.session, call)
            answered = time.perf_counter()
            self.result.completed += 1
            if sent >= self.recording_from and answered <= self.deadline:
                self._record(answered - sent, problem)

    def _record(self, latency: float, problem: str | None) -> None:
        if problem is None:
            self.result.latencies.append(latency)
            return
        self.result.errors += 1
        self.result.first_error = self.result.first_error or problem


async def _send(session: aiohttp.ClientSession, call: Call) -> str | None:
    """None when the answer is a success; else what went wrong."""
    try:
        async with session.request(
            call.method, call.url, headers=call.headers, data=call.body
        ) as response:
            body = await response.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        return f"{call.name}: {exc!r}"
    # GraphQL answers errors with 200; a failed field is a failed request here.
    if response.status != 200 or b'"errors":' in body:
        return f"{call.name}: HTTP {response.status} {body[:300]!r}"
    return None


def _call_json(call: Call) -> dict[str, Any]:
    body = None if call.body is None else call.body.decode()
    return {**asdict(call), "body": body}


def _call_from_json(item: dict[str, Any]) -> Call:
    body = item.pop("body")
    return Call(**item, body=None if body is None else body.encode())


async def _serve() -> None:
    for line in sys.stdin:
        result = await run(LoadSpec.from_json(line))
        sys.stdout.write(result.to_json() + "\n")
        sys.stdout.flush()


def main() -> None:
    uvloop.run(_serve())


if __name__ == "__main__":
    main()
