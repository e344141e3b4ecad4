"""The command line, run as a user runs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from calendar_gateway.settings import ENV_PREFIX


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    return subprocess.run(
        [sys.executable, "-m", "calendar_gateway", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_serve_without_configuration_names_the_missing_variable(tmp_path: Path) -> None:
    result = run_cli("serve", cwd=tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "calendar-gateway: missing CALENDAR_GATEWAY_BOOKINGS_URL"
        " (see the configuration table in README.md)"
    ]


def test_serve_with_api_key_auth_and_no_keys_refuses_in_one_line(tmp_path: Path) -> None:
    upstreams = ["BOOKINGS", "CALENDARS", "APPOINTMENTS"]
    (tmp_path / ".env").write_text(
        "".join(f"{ENV_PREFIX}{u}_{v}=x\n" for u in upstreams for v in ("URL", "USER", "PASSWORD"))
    )
    result = run_cli("serve", cwd=tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "calendar-gateway: CALENDAR_GATEWAY_API_KEYS: required when CALENDAR_GATEWAY_AUTH_MODE"
        " is api-key, the default (see the configuration table in README.md)"
    ]


def test_serve_with_a_short_api_key_refuses_in_one_line(tmp_path: Path) -> None:
    upstreams = ["BOOKINGS", "CALENDARS", "APPOINTMENTS"]
    (tmp_path / ".env").write_text(
        "".join(f"{ENV_PREFIX}{u}_{v}=x\n" for u in upstreams for v in ("URL", "USER", "PASSWORD"))
        + f"{ENV_PREFIX}API_KEYS=short\n"
    )
    result = run_cli("serve", cwd=tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "calendar-gateway: CALENDAR_GATEWAY_API_KEYS: every key must be at least 32 characters"
        " long (e.g. from: openssl rand -hex 32)"
    ]


def test_export_schema_writes_the_sdl(tmp_path: Path) -> None:
    result = run_cli("export-schema", "-o", "out.graphql", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    sdl = (tmp_path / "out.graphql").read_text()
    assert "type Query" in sdl
    assert "businessCalendars(" in sdl


def test_serve_on_a_busy_port_refuses_in_one_line(tmp_path: Path) -> None:
    upstreams = ["BOOKINGS", "CALENDARS", "APPOINTMENTS"]
    (tmp_path / ".env").write_text(
        "".join(f"{ENV_PREFIX}{u}_{v}=x\n" for u in upstreams for v in ("URL", "USER", "PASSWORD"))
        + f"{ENV_PREFIX}AUTH_MODE=none\n"
    )
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = run_cli("serve", "--host", "127.0.0.1", "--port", str(port), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"calendar-gateway serve: cannot listen on 127.0.0.1:{port} (Address already in use);"
        f" choose another port with --port or {ENV_PREFIX}PORT"
    ]
