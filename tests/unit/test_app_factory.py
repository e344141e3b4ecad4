"""The factory ``serve`` hands to uvicorn, in a process of its own (it changes the process)."""

from __future__ import annotations

import os
import subprocess
import sys

FREEZE_COUNT_AFTER_FACTORY = """
import gc
from calendar_gateway.app import create_app_from_env
create_app_from_env()
print(gc.get_freeze_count(), *gc.get_threshold())
"""


def test_the_factory_leaves_start_up_objects_to_no_collection() -> None:
    env = {
        **os.environ,
        "OTEL_TRACES_EXPORTER": "none",
        "CALENDAR_GATEWAY_AUTH_MODE": "none",
        **{
            f"CALENDAR_GATEWAY_{vendor}_{field}": "http://127.0.0.1:9" if field == "URL" else "x"
            for vendor in ("BOOKINGS", "CALENDARS", "APPOINTMENTS")
            for field in ("URL", "USER", "PASSWORD")
        },
    }
    ran = subprocess.run(
        [sys.executable, "-c", FREEZE_COUNT_AFTER_FACTORY],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env=env,
    )
    assert ran.returncode == 0, ran.stderr
    frozen, young, *older = map(int, ran.stdout.split())
    assert frozen > 10_000, "the schema and modules are frozen"
    assert young == 50_000, "a young collection waits for 50,000 allocations, not 700"
    assert older == [10, 10]
