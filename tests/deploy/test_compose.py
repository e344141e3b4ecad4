"""compose.yaml: Redis needs a password, and the gateway is given time to drain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from calendar_gateway.services.calendars import DRAIN_SECONDS
from calendar_gateway.settings import Settings

COMPOSE = Path(__file__).parents[2] / "compose.yaml"


def services() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return dict(compose["services"])


def test_redis_requires_the_password_the_gateway_connects_with() -> None:
    redis, gateway = services()["redis"], services()["gateway"]
    assert '--requirepass "$$REDIS_PASSWORD"' in redis["command"][-1]
    assert redis["environment"]["REDIS_PASSWORD"].startswith("${REDIS_PASSWORD:?")
    url = gateway["environment"]["CALENDAR_GATEWAY_REDIS_URL"]
    assert url.startswith("redis://:${REDIS_PASSWORD:?")


def test_the_gateway_is_stopped_only_after_its_drain_timeout_and_edits() -> None:
    grace = int(services()["gateway"]["stop_grace_period"].removesuffix("s"))
    defaults = Settings.model_fields
    drain = defaults["shutdown_drain_seconds"].default
    timeout = defaults["shutdown_timeout_seconds"].default
    assert grace >= drain + timeout + DRAIN_SECONDS
