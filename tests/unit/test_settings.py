"""Settings: what a child process must be given to be configured the same."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from calendar_gateway.cli import demo_settings
from calendar_gateway.settings import Settings, environment


def test_environment_makes_the_same_settings_again(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = demo_settings("http://127.0.0.1:9", port=0).model_copy(
        update={
            "api_keys": (SecretStr("k" * 32), SecretStr("l" * 32)),
            "cors_origins": ("http://a.example", "http://b.example"),
            "bookings_not_found_codes": {"7": "resource"},
        }
    )
    variables = environment(settings)
    assert variables["CALENDAR_GATEWAY_API_KEYS"] == f"{'k' * 32},{'l' * 32}"
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert Settings(_env_file=None) == settings  # type: ignore[call-arg]
