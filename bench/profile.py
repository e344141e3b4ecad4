"""A sampling profile of a running server, by py-spy, summarised for the report."""

from __future__ import annotations

import asyncio
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")
# py-spy names files relative to sys.path when it can: "httpcore/_async/http11.py".
_PACKAGE = re.compile(r"(?:^|site-packages/|src/)(?P<package>[A-Za-z0-9_<>. -]+?)(?:/|\.py$|$)")

Shares = list[tuple[str, float]]
_EVENT_LOOP = "Runner.run (asyncio/runners.py)"
OWN_HTTP_CLIENT = "calendar_gateway/upstreams/http1.py"


async def record(pid: int, seconds: float, output: Path) -> None:
    """Sample ``pid`` for ``seconds`` without pausing it; write collapsed stacks."""
    py_spy = Path(sys.executable).with_name("py-spy")
    process = await asyncio.create_subprocess_exec(
        str(py_spy),
        "record",
        f"--pid={pid}",
        f"--duration={max(1, round(seconds))}",
        "--rate=250",
        "--format=raw",
        f"--output={output}",
        "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"py-spy failed: {stderr.decode(errors='replace')[-2000:]}")


@dataclass(frozen=True)
class Profile:
    """Shares of the samples: where the CPU was (self), and what it was inside (inclusive)."""

    functions: Shares
    packages: Shares
    inclusive: Shares


def summarise(collapsed: str, top: int = 15) -> Profile:
    functions: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        frames = [_describe(frame) for frame in stack.split(";")]
        if _EVENT_LOOP not in (name for name, _ in frames):
            # Another thread: the thread pool's workers wait for work most of the time, and
            # py-spy does not always see such a wait as idle (once, 68% of a run's samples).
            continue
        function, package = frames[-1]
        functions[function] += int(count)
        packages[package] += int(count)
        for name in {name for name, _ in frames[_below_event_loop(frames) :]}:
            inclusive[name] += int(count)
    total = sum(packages.values()) or 1
    return Profile(
        functions=[(name, n / total) for name, n in functions.most_common(top)],
        packages=[(name, n / total) for name, n in packages.most_common()],
        inclusive=[(name, n / total) for name, n in inclusive.most_common(top * 2)],
    )


def _below_event_loop(frames: list[tuple[str, str]]) -> int:
    """Where a sample's own frames start: past the process's, down to the event loop's.

    Those are in every sample, and say nothing of where time goes.
    """
    return [name for name, _ in frames].index(_EVENT_LOOP) + 1


def _describe(frame: str) -> tuple[str, str]:
    match = _FRAME.match(frame)
    if match is None:
        return frame, "other"
    path = match["file"]
    package = _PACKAGE.search(path)
    name = package["package"] if package else path
    if path.endswith(OWN_HTTP_CLIENT):  # the gateway's upstream HTTP, not its logic
        name = OWN_HTTP_CLIENT
    return f"{match['function']} ({_short(path)})", name


def _short(path: str) -> str:
    for marker in ("site-packages/", "src/", "lib/python3"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path
