"""Configuration: one Settings object, read from CALENDAR_GATEWAY_* variables and .env."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, FilePath, SecretStr, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "CALENDAR_GATEWAY_"
MIN_API_KEY_LENGTH = 32

NotFoundEntity = Literal["booking", "time_summary", "resource"]
"""What an unknown id in a Synergist request names."""
DEFAULT_NOT_FOUND_CODES: dict[str, NotFoundEntity] = {
    # The simulator's codes (simulators/bookings/diary.py): our reading, until a server says
    # else; Synergist documents no errorcode values (docs/vendors/synergist.md, Answers).
    "2001": "booking",
    "2002": "time_summary",
    "2003": "resource",
}


class Settings(BaseSettings):
    """Every knob of the gateway; see the configuration table in README.md."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", frozen=True
    )

    bookings_url: str
    bookings_user: str
    bookings_password: SecretStr
    bookings_version: str = "3.9"
    bookings_not_found_codes: dict[str, NotFoundEntity] = Field(
        default_factory=lambda: dict(DEFAULT_NOT_FOUND_CODES)
    )
    """Synergist errorcodes that name an unknown id (JSON); the vendor documents none."""

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
    cache_store_timeout_seconds: float = Field(default=0.5, gt=0)
    """The longest one call to the cache's Redis may take before the read goes upstream."""
    cache_store_retry_seconds: float = Field(default=1.0, gt=0)
    """After a failed call to the cache's Redis, how long reads go upstream without trying it."""

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

    # Calendar edits.
    edit_timeout_seconds: float = Field(default=60.0, gt=0)
    """The longest a calendar edit takes to answer; see the README's guarantees."""
    edit_lease_seconds: float = Field(default=15.0, gt=0)
    """With Redis: how long a replica that died mid-edit keeps other edits of a calendar out."""

    # Operations.
    readiness_cache_seconds: float = Field(default=2.0, ge=0)
    """How long /readyz reuses its last probe of the upstreams."""
    readiness_requires_upstreams: bool = False
    """Strict mode: /readyz is 503 while any vendor is unreachable or its circuit open."""
    shutdown_drain_seconds: float = Field(default=5.0, ge=0)
    """After SIGTERM, how long /readyz answers 503 while requests are still served."""
    shutdown_timeout_seconds: int = Field(default=20, ge=0)
    """Then, how long requests in flight may take to finish before they are cancelled."""
    log_format: Literal["json", "text"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    otel_traces_exporter: Literal["otlp", "console", "none"] = Field(
        default="otlp",
        validation_alias=AliasChoices("OTEL_TRACES_EXPORTER", "otel_traces_exporter"),
    )
    """The standard OpenTelemetry variable; spans are sent only with the ``otel`` extra."""
    prometheus_multiproc_dir: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir"),
    )
    """prometheus-client's variable: ``serve --workers N`` sets it to a directory of its own."""

    # Client protection: see docs/operations-protection.md.
    auth_mode: Literal["api-key", "jwt", "none"] = "api-key"
    """``none`` is an explicit opt-out for local use; ``demo`` runs with it."""
    api_keys: Annotated[tuple[SecretStr, ...], NoDecode] = Field(default=(), validate_default=True)
    """Comma-separated keys that clients send as ``Authorization: Bearer <key>``."""
    jwt_secret: SecretStr | None = None
    """HS256 key, at least 32 bytes."""
    jwt_jwks_file: FilePath | None = Field(default=None, validate_default=True)
    """A JWKS file of RS256/ES256 public keys, read at start."""
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    introspection: bool = False
    graphiql: bool = False
    """Serve the GraphiQL IDE at GET /graphql to browsers; ``demo`` turns it on."""
    graphiql_persist_headers: bool = False
    """Let GraphiQL keep its headers (an API key, a token) in the browser's localStorage."""
    get_cache_control: str = "private, no-store"
    """The ``Cache-Control`` of answers to GET /graphql."""
    federation: bool = False
    """Serve the federation SDL (``_service``) even with introspection off, for a supergraph."""
    max_query_depth: int = Field(default=10, ge=1)
    max_aliases: int = Field(default=15, ge=0)
    max_query_tokens: int = Field(default=2000, ge=1)
    max_root_fields: int = Field(default=10, ge=1)
    operation_cpu_budget_seconds: float = Field(default=0.25, gt=0)
    """CPU time one operation's validation may take (OPERATION_TOO_COMPLEX past it)."""
    max_ids_per_list: int = Field(default=100, ge=1)
    max_id_length: int = Field(default=256, ge=1)
    max_string_length: int = Field(default=10_000, ge=1)
    """Characters of any other string argument (an id's cap is ``MAX_ID_LENGTH``)."""
    max_persisted_queries: int = Field(default=1000, ge=0)
    """Persisted queries this process keeps, least recently used dropped first."""
    max_persisted_query_bytes: int = Field(default=20_000, ge=1)
    max_batch_operations: int = Field(default=10, ge=1)
    """Operations one batched request (a JSON array) may carry."""
    max_occurrences: int = Field(default=5000, ge=1)
    """Occurrences of recurring appointments one request may expand (calendarView)."""
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    """Comma-separated origins that browsers may call from; ``*`` for any; empty for none."""
    cors_origin_regex: str | None = None
    """Origins browsers may call from, as a regular expression of the whole origin."""
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    rate_limit_requests: int = Field(default=600, ge=0)
    """GraphQL requests one client may send per window; 0 turns the limit off."""
    rate_limit_window_seconds: float = Field(default=60.0, gt=0)
    auth_failure_limit: int = Field(default=20, ge=0)
    """Failed authentications one address may make per window; 0 turns the limit off."""
    auth_failure_window_seconds: float = Field(default=300.0, gt=0)

    # Live data: iCalendar feeds.
    feed_secret: SecretStr | None = None
    """Signs feed links, at least 32 bytes; a new secret revokes every link; unset: no feeds."""
    feed_days_back: int = Field(default=30, ge=0, le=366)
    feed_days_ahead: int = Field(default=180, ge=1, le=731)
    feed_base_url: str | None = None
    """The gateway's public root for feed links; unset: the root the minting request came to."""
    # Live data: subscriptions.
    subscription_poll_seconds: float = Field(default=15.0, gt=0)
    """How often a watched thing is read from its vendor for changes made elsewhere."""
    subscription_keepalive_seconds: float = Field(default=12.0, gt=0)
    """How often a WebSocket gets a graphql-transport-ws ping."""
    subscriptions_per_connection: int = Field(default=10, ge=1)
    subscriptions_per_client: int = Field(default=50, ge=1)
    """Per replica: open subscriptions of one client (API key or JWT subject) on all its
    connections."""
    subscription_queue_size: int = Field(default=100, ge=1)
    """Events waiting for one subscriber; a subscriber further behind is cut off."""

    host: str = "127.0.0.1"
    port: int = 8000

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        """Comma-separated items, or a JSON list as pydantic-settings reads other lists."""
        if not isinstance(value, str):
            return value
        if value.lstrip().startswith("["):
            return json.loads(value)
        return tuple(item.strip() for item in value.split(",") if item.strip())

    @field_validator("api_keys")
    @classmethod
    def _keys_when_api_key_mode(
        cls, keys: tuple[SecretStr, ...], info: ValidationInfo
    ) -> tuple[SecretStr, ...]:
        if info.data.get("auth_mode") == "api-key" and not keys:
            raise PydanticCustomError(
                "auth_configuration",
                f"required when {ENV_PREFIX}AUTH_MODE is api-key, the default"
                " (see the configuration table in README.md)",
            )
        # A short key can be guessed: 32 characters of a random key are beyond any attempt rate.
        if any(len(key.get_secret_value()) < MIN_API_KEY_LENGTH for key in keys):
            raise PydanticCustomError(
                "too_short",
                f"every key must be at least {MIN_API_KEY_LENGTH} characters long"
                " (e.g. from: openssl rand -hex 32)",
            )
        return keys

    @field_validator("edit_timeout_seconds")
    @classmethod
    def _room_for_write_unlock_and_read(cls, budget: float, info: ValidationInfo) -> float:
        call = info.data.get("calendars_timeout_seconds") or info.data.get(
            "upstream_timeout_seconds", 10.0
        )
        if budget <= 3 * call:
            raise PydanticCustomError(
                "edit_budget",
                "must exceed three GRS call timeouts (the write, the unlock and the read after)",
            )
        return budget

    @field_validator("jwt_secret", "feed_secret")
    @classmethod
    def _secret_as_long_as_the_hash(cls, secret: SecretStr | None) -> SecretStr | None:
        # RFC 7518 3.2: an HMAC-SHA256 key (JWT or feed links) at least as long as the hash.
        if secret is not None and len(secret.get_secret_value().encode()) < 32:
            raise PydanticCustomError("too_short", "must be at least 32 bytes long")
        return secret

    @field_validator("jwt_jwks_file")
    @classmethod
    def _one_key_source_when_jwt_mode(cls, jwks: Path | None, info: ValidationInfo) -> Path | None:
        secret = info.data.get("jwt_secret")
        if info.data.get("auth_mode") == "jwt" and (secret is None) == (jwks is None):
            raise PydanticCustomError(
                "auth_configuration",
                f"{ENV_PREFIX}AUTH_MODE jwt needs either this or {ENV_PREFIX}JWT_SECRET"
                " (see the configuration table in README.md)",
            )
        return jwks


def environment(settings: Settings) -> dict[str, str]:
    """The CALENDAR_GATEWAY_* variables that make ``settings`` again, for a child process."""
    return {
        ENV_PREFIX + name.upper(): _variable(value)
        for name in type(settings).model_fields
        if (value := getattr(settings, name)) is not None
    }


def _variable(value: object) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, tuple):
        return ",".join(_variable(item) for item in value)  # the lists are comma-separated
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)
