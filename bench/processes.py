"""The servers under test, each in its own process on a loopback port."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from calendar_gateway.cli import demo_settings
from calendar_gateway.settings import environment

LOOPBACK = "127.0.0.1"
READY_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class ServerSpec:
    """``python ARGS``, answering HTTP on ``port`` once it has started."""

    name: str
    args: list[str]
    port: int
    env: Mapping[str, str] = field(default_factory=dict)
    cpus: set[int] | None = None


@dataclass(frozen=True)
class Server:
    name: str
    url: str
    pid: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def serving(specs: list[ServerSpec], logs: Path) -> AsyncIterator[list[Server]]:
    """Start the servers at once; yield when all of them answer; stop them after the block."""
    started: list[asyncio.subprocess.Process] = []
    try:
        for spec in specs:
            started.append(await _start(spec, logs))
        servers = [
            Server(spec.name, f"http://{LOOPBACK}:{spec.port}", process.pid)
            for spec, process in zip(specs, started, strict=True)
        ]
        await asyncio.gather(
            *(
                _wait_until_answering(server, process, logs)
                for server, process in zip(servers, started, strict=True)
            )
        )
        yield servers
    finally:
        await asyncio.gather(*(_stop(process) for process in started))


async def _start(spec: ServerSpec, logs: Path) -> asyncio.subprocess.Process:
    with (logs / f"{spec.name}.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *spec.args,
            stdout=log,
            stderr=log,
            env={**os.environ, **spec.env},
        )
    if spec.cpus is not None:
        # Set before the interpreter starts threads, which inherit it.
        os.sched_setaffinity(process.pid, spec.cpus)
    return process


async def _wait_until_answering(
    server: Server, process: asyncio.subprocess.Process, logs: Path
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_TIMEOUT_SECONDS
    async with aiohttp.ClientSession() as session:
        while loop.time() < deadline and process.returncode is None:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(server.url):
                    return
            await asyncio.sleep(0.05)
    log = (logs / f"{server.name}.log").read_text(errors="replace")
    raise RuntimeError(f"{server.name} did not start; its log:\n{log[-3000:]}")


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), timeout=10)
    except TimeoutError:
        process.kill()
        await process.wait()


def simulators_args(port: int, latency: float, connections: int) -> list[str]:
    return [
        "-m",
        "bench.simulators",
        f"--port={port}",
        f"--latency={latency}",
        f"--xelion-max-in-flight={connections}",
    ]


def baseline_args(port: int, upstream: str, connections: int) -> list[str]:
    return [
        "-m",
        "bench.baseline",
        f"--port={port}",
        f"--upstream={upstream}",
        f"--connections={connections}",
    ]


def gateway_args(port: int, workers: int = 1) -> list[str]:
    """The gateway as production runs it: uvicorn workers on uvloop and httptools."""
    return [
        "-m",
        "uvicorn",
        "calendar_gateway.app:create_app_from_env",
        "--factory",
        f"--host={LOOPBACK}",
        f"--port={port}",
        f"--workers={workers}",
        "--loop=uvloop",
        "--http=httptools",
        "--no-access-log",
        "--log-level=warning",
    ]


def gateway_env(
    upstream: str, connections: int, cache_ttl: float, user_space: str
) -> dict[str, str]:
    """The demo configuration, with enough upstream connections for ``connections`` clients.

    Gateways in front of one Xelion need a userSpace each: it allows one session per space.
    """
    settings = demo_settings(upstream, port=0).model_copy(
        update={
            "appointments_userspace": user_space,
            "cache_ttl_seconds": cache_ttl,
            "upstream_max_concurrency": connections,
            "appointments_max_in_flight": connections,
        }
    )
    env = environment(settings)
    # As a deployment without a collector runs: with the otel extra installed, the default
    # (otlp) would build every span and send it to a collector that is not there.
    env["OTEL_TRACES_EXPORTER"] = "none"
    return env


def rss_megabytes(pid: int) -> tuple[float, float]:
    """Resident memory now, and its peak, in MB (from /proc)."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return _kilobytes(fields["VmRSS"]) / 1024, _kilobytes(fields["VmHWM"]) / 1024


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process and its live children have used (from /proc).

    Children count for ``uvicorn --workers N``, whose workers are the supervisor's children.
    """
    return _own_cpu_seconds(pid) + sum(cpu_seconds(child) for child in _children(pid))


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children.extend(map(int, (task / "children").read_text().split()))
    return children


def _own_cpu_seconds(pid: int) -> float:
    # Fields after the command name, which is in parentheses and may hold spaces.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    user, system = int(fields[11]), int(fields[12])
    return (user + system) / os.sysconf("SC_CLK_TCK")


def _kilobytes(value: str) -> float:
    return float(value.split(maxsplit=1)[0])
