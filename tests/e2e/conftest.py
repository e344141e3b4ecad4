"""The Node side of the end-to-end tests: node and the npm packages in tests/e2e."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

E2E = Path(__file__).parent
SCRIPT_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Node:
    """Runs the scripts in tests/e2e: JSON on stdin, JSON on stdout."""

    executable: str

    async def run(self, script: str, payload: dict[str, Any]) -> Any:
        # Asynchronous: the servers the script talks to run on this test's event loop.
        process = await asyncio.create_subprocess_exec(
            self.executable,
            str(E2E / script),
            cwd=E2E,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            stdout, stderr = await asyncio.wait_for(
                process.communicate(json.dumps(payload).encode()), SCRIPT_TIMEOUT_SECONDS
            )
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
        assert process.returncode == 0, f"{script} failed:\n{stderr.decode()}"
        return json.loads(stdout)


def unavailable(reason: str) -> NoReturn:
    """Skip with the reason; in CI (CI=true) a missing tool is a failure instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def node() -> Node:
    executable = shutil.which("node")
    if executable is None:
        unavailable("Node.js is not installed")
    if not (E2E / "node_modules" / ".package-lock.json").is_file():
        unavailable("tests/e2e's npm packages are not installed (run `make e2e-packages`)")
    return Node(executable)
