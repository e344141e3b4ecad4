"""Configuration: one Settings object, read from CALENDAR_GATEWAY_* variables and .env."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
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

    # Upstream calls. The read timeout is also the time budget of a read's retries.
    upstream_timeout_seconds: float = Field(default=10.0, gt=0)
    """Read (and write) timeout of one upstream call; ``<UPSTREAM>_TIMEOUT_SECONDS`` overrides."""
    bookings_timeout_seconds: float | None = Field(default=None, gt=0)
    calendars_timeout_seconds: float | None = Field(default=None, gt=0)
    appointments_timeout_seconds: float | None = Field(default=None, gt=0)
    upstream_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    upstream_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    """How long a call may wait for one of the upstream's ``UPSTREAM_MAX_CONCURRENCY`` slots."""
    upstream_max_concurrency: int = Field(default=32, ge=1)
    upstream_retry_attempts: int = Field(default=3, ge=1)
    """Tries of an idempotent read, the first included; writes, locks and unlocks get one."""
    upstream_retry_base_seconds: float = Field(default=0.1, ge=0)
    upstream_retry_max_seconds: float = Field(default=2.0, ge=0)
    upstream_retry_after_max_seconds: float = Field(default=5.0, ge=0)
    """The longest ``Retry-After`` (429, 503) waited for; a longer one ends the retries."""
    circuit_failure_threshold: int = Field(default=5, ge=1)
    """Consecutive failed calls (timeout, connection error, 5xx) that open an upstream's circuit."""
    circuit_reset_seconds: float = Field(default=30.0, gt=0)
    """How long an open circuit fails calls at once before one probe call may go through."""

    # Operations.
    readiness_cache_seconds: float = Field(default=2.0, ge=0)
    """How long /readyz reuses its last probe of the upstreams."""
    log_format: Literal["json", "text"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    otel_traces_exporter: Literal["otlp", "console", "none"] = Field(
        default="otlp",
        validation_alias=AliasChoices("OTEL_TRACES_EXPORTER", "otel_traces_exporter"),
    )
    """The standard OpenTelemetry variable; spans are sent only with the ``otel`` extra."""

    auth_mode: Literal["api-key", "jwt", "none"] = "api-key"
    api_keys: str = ""

    host: str = "127.0.0.1"
    port: int = 8000
