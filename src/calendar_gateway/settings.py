"""Configuration: one Settings object, read from CALENDAR_GATEWAY_* variables and .env."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "CALENDAR_GATEWAY_"


class Settings(BaseSettings):
    """Every knob of the gateway; see the configuration table in README.md."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", frozen=True
    )

    bookings_url: str
    bookings_user: str
    bookings_password: SecretStr
    bookings_version: str = "3.9"

    calendars_url: str
    calendars_user: str
    calendars_password: SecretStr
    calendars_tenant: str = "default"
    calendars_package: str = "default"

    appointments_url: str
    appointments_user: str
    appointments_password: SecretStr
    appointments_userspace: str = "calendar-gateway"
    appointments_timezone: str = "UTC"
    appointments_max_in_flight: int = Field(default=4, ge=1)

    redis_url: str | None = None
    redis_key_prefix: str = "calendar-gateway"
    cache_ttl_seconds: float = Field(default=30.0, ge=0)

    upstream_timeout_seconds: float = Field(default=10.0, gt=0)
    upstream_max_concurrency: int = Field(default=32, ge=1)

    auth_mode: Literal["api-key", "jwt", "none"] = "api-key"
    api_keys: str = ""

    host: str = "127.0.0.1"
    port: int = 8000
