"""`calendar-gateway demo` as a new user meets it: the vendor pages' examples work, browsers
on a local port may call it, and a busy port is one line."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from calendar_gateway.settings import ENV_PREFIX
from tests.test_cli import run_cli

STARTUP_SECONDS = 60
STARTED = b"Application startup complete"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Demo:
    gateway: str
    simulators: str
    announced: list[str]


@pytest.fixture(scope="module")
async def demo() -> AsyncIterator[Demo]:
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "calendar_gateway", "demo", "--port", str(port),
        env=_env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stderr is not None
    draining = None
    try:
        async with asyncio.timeout(STARTUP_SECONDS):
            lines = [(await process.stdout.readline()).decode().strip() for _ in range(3)]
            # The gateway's uvicorn says so once its lifespan has started (the simulators'
            # log only warnings).
            while STARTED not in await process.stderr.readline():
                if process.stderr.at_eof():
                    raise RuntimeError("the demo exited before it started")
        # Read stderr to its end: a full pipe would block the demo's logging.
        draining = asyncio.create_task(process.stderr.read())
        yield Demo(f"http://127.0.0.1:{port}", lines[2].split()[2], lines)
    finally:
        process.terminate()
        await process.wait()
        if draining is not None:
            await draining


def test_a_busy_port_is_one_line_and_a_failure(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("demo", "--port", str(port), cwd=tmp_path)
    assert result.returncode != 0
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert f"127.0.0.1:{port}" in line
    assert "--port" in line


async def test_the_demo_says_which_browser_origins_may_call(demo: Demo) -> None:
    assert demo.announced[0].endswith(f"{demo.gateway}/graphql")
    assert "http://localhost:*" in demo.announced[1]
    assert "http://127.0.0.1:*" in demo.announced[1]


@pytest.mark.parametrize("origin", ["http://localhost:5173", "http://127.0.0.1:3000"])
async def test_a_local_browser_app_may_call_the_demo(demo: Demo, origin: str) -> None:
    preflight = {"Origin": origin, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}  # fmt: skip
    async with httpx.AsyncClient(base_url=demo.gateway) as client:
        allowed = await client.options("/graphql", headers=preflight)
        answer = await client.post(
            "/graphql", json={"query": '{ booking(id: "136006") { id days { date } } }'},
            headers={"Origin": origin},
        )  # fmt: skip
    assert allowed.headers["Access-Control-Allow-Origin"] == origin
    assert answer.headers["Access-Control-Allow-Origin"] == origin
    assert answer.json()["data"]["booking"]["id"] == "136006"


async def test_another_origin_may_not(demo: Demo) -> None:
    preflight = {"Origin": "http://localhost.evil.example", "Access-Control-Request-Method": "POST"}
    async with httpx.AsyncClient(base_url=demo.gateway) as client:
        refused = await client.options("/graphql", headers=preflight)
    assert "Access-Control-Allow-Origin" not in refused.headers


async def test_the_vendor_pages_examples_work_against_the_demo(demo: Demo) -> None:
    async with httpx.AsyncClient(base_url=demo.simulators) as vendors:
        # Synergist (docs/vendors/synergist.md): the Calendar Refresh example request.
        refresh = await vendors.get("/jsonapi/calendar.json?user=user&password=user"
                                    "&version=3.9&action=calendarrefresh&diary=136006")  # fmt: skip
        assert refresh.json()["success"] is True
        # GRS (docs/vendors/grs.md): the list and body of the pages' calendar.
        token = (await vendors.get("/grs/v1/login", auth=("demo", "demo"))).json()["apiToken"]
        package = "/grs/v1/tenant/default/package/default"
        listed = await vendors.get(f"{package}/calendars", auth=("demo", token))
        assert "Calendar_117" in {c["extCalendarId"] for c in listed.json()["calendars"]}
        body = await vendors.get(
            f"{package}/businesscalendarbody/Calendar_117", auth=("demo", token)
        )
        assert body.status_code == 200
        # Xelion (docs/vendors/xelion.md): the update page's PATCH example, as it shows it.
        login = await vendors.post("/api/v1/master/me/login", json={
            "userName": "demo", "password": "demo", "userSpace": "demo-test"})  # fmt: skip
        headers = {"Authorization": f"xelion {login.json()['authentication']}"}
        operations = [
            {"op": "add", "path": "/calendars", "value": "1658218"},
            {"op": "replace", "path": "/userStatus", "value": "long_out_of_office"},
            {"op": "replace", "path": "/comment", "value": "Test Comment"},
            {"op": "remove", "path": "/participants/167843"},
        ]
        patched = await vendors.patch("/api/v1/master/appointments/1627410",
                                      json={"operations": operations}, headers=headers)  # fmt: skip
        assert patched.status_code == 204
