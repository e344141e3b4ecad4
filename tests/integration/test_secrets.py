"""Masking and secrecy: every error path we can drive, with recognisable credentials.

The gateway logs in with stand-in passwords ("SECRET-..."), which a wiretap in front of the
simulators swaps for the seeded ones; the tokens the upstreams hand out are read off the wire.
After each error path, none of those values may appear in the response, in any log record
(message, extras or traceback) or on stdout/stderr.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from calendar_gateway.graphql.errors import INTERNAL_MESSAGE
from calendar_gateway.settings import Settings
from calendar_gateway.simulators import app as simulators
from tests.client import error_codes
from tests.conftest import VENDOR_ROOTS, gateway_client, settings_for
from tests.servers import serve
from tests.wiretap import Wiretap

PASSWORDS = {
    "SECRET-synergist-pw-123": "user",
    "SECRET-grs-pw-123": "demo",
    "SECRET-xelion-pw-123": "demo",
}
WRONG_PASSWORDS = ("SECRET-wrong-synergist-456", "SECRET-wrong-grs-456", "SECRET-wrong-xelion-456")

CALENDARS = "{ businessCalendars { id } }"
ADD_EXCEPTION = """mutation { addCalendarException(id: "Calendar_117", exception: {
  name: "Leak", type: HOLIDAY, placement: ANNUAL, annualMonth: 1, annualDay: 2 }) { id } }"""
BOOKING = '{ booking(id: "137463") { id } }'
APPOINTMENT = '{ appointment(id: "1758831") { id } }'


@dataclass(frozen=True)
class Path:
    """An error path: a fault the upstream shows, the operation that meets it, the code."""

    name: str
    operation: str
    code: str
    fault: dict[str, Any] = field(default_factory=dict)


def _faults(operation: str, path: str, login: str) -> list[Path]:
    every = {"path": path, "times": None}
    return [
        Path("401", operation, "UNAUTHENTICATED", {**every, "status": 401}),
        Path("403", operation, "FORBIDDEN", {**every, "status": 403}),
        Path("404", operation, "NOT_FOUND", {**every, "status": 404}),
        Path("429", operation, "RATE_LIMITED", {**every, "status": 429}),
        Path("500", operation, "UPSTREAM_UNAVAILABLE", {**every, "status": 500}),
        Path("timeout", operation, "UPSTREAM_UNAVAILABLE", {**every, "delay": 1.0}),
        Path("dropped", operation, "UPSTREAM_UNAVAILABLE", {**every, "drop": True}),
        Path("login-500", operation, "UPSTREAM_UNAVAILABLE", {"path": login, "status": 500,
                                                              "times": None}),
        Path("login-dropped", operation, "UPSTREAM_UNAVAILABLE", {"path": login, "drop": True,
                                                                  "times": None}),
    ]  # fmt: skip


def _named(upstream: str, paths: Iterable[Path]) -> list[Any]:
    return [pytest.param(p, id=f"{upstream}-{p.name}") for p in paths]


GRS_PATHS = [
    *[p for p in _faults(CALENDARS, r"/calendars$", r"/grs/v1/login$") if p.name != "404"],
    Path("404", CALENDARS, "NOT_FOUND", {"path": r"/calendars$", "status": 404}),
    Path("412", ADD_EXCEPTION, "CALENDAR_LOCKED", {"path": "lockcalendar", "status": 412}),
    Path("422", ADD_EXCEPTION, "VALIDATION_FAILED",
         {"method": "PUT", "path": "businesscalendarbody", "status": 422,
          "body": {"message": "Validation Failed", "errors": []}}),
]  # fmt: skip
SYNERGIST_PATHS = [
    Path("500", BOOKING, "UPSTREAM_UNAVAILABLE",
         {"path": r"calendar\.json", "status": 500, "times": None}),
    Path("timeout", BOOKING, "UPSTREAM_UNAVAILABLE",
         {"path": r"calendar\.json", "delay": 1.0, "times": None}),
    Path("dropped", BOOKING, "UPSTREAM_UNAVAILABLE",
         {"path": r"calendar\.json", "drop": True, "times": None}),
    Path("vendor-error", BOOKING, "UPSTREAM_ERROR",
         {"path": r"calendar\.json", "status": 200,
          "body": {"success": False, "errorcode": "9", "errormessage": "no"}}),
]  # fmt: skip
XELION_PATHS = _faults(APPOINTMENT, r"/appointments/1758831$", r"/me/login$")
UNEXPECTED_PATHS = [
    Path("calendars", CALENDARS, "INTERNAL_SERVER_ERROR",
         {"path": r"/calendars$", "status": 200, "body": {"calendars": [{"name": "x"}]}}),
    Path("appointments", APPOINTMENT, "INTERNAL_SERVER_ERROR",
         {"path": r"/appointments/1758831$", "status": 200, "body": {"object": {"oid": 1}}}),
]  # fmt: skip


def secret_settings(simulator_url: str, passwords: Iterable[str]) -> Settings:
    bookings, calendars, appointments = passwords
    return settings_for(
        simulator_url,
        bookings_password=bookings,
        calendars_password=calendars,
        appointments_password=appointments,
        upstream_timeout_seconds=0.5,
        # Every operation must reach the upstream: no answers from the read cache.
        cache_ttl_seconds=0,
        upstream_retry_base_seconds=0.01,
        # ... and not an open circuit.
        circuit_failure_threshold=10_000,
    )


@pytest.fixture(scope="module")
async def wiretap() -> Wiretap:
    return Wiretap(simulators.create_app(), PASSWORDS)


@pytest.fixture(scope="module")
async def tapped_url(wiretap: Wiretap) -> AsyncIterator[str]:
    async with serve(wiretap) as url:
        yield url


@pytest.fixture
async def tapped(tapped_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The wiretapped simulators, from their seeded state, with no faults."""
    async with httpx.AsyncClient(base_url=tapped_url) as client:
        (await client.delete("/_admin/faults")).raise_for_status()
        for root in VENDOR_ROOTS:
            (await client.post(f"{root}/_admin/reset")).raise_for_status()
        yield client
        (await client.delete("/_admin/faults")).raise_for_status()


@pytest.fixture(scope="module")
async def secret_gateway(tapped_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway_client(secret_settings(tapped_url, PASSWORDS)) as client:
        yield client


@pytest.fixture
def everything(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> Everything:
    caplog.set_level(logging.DEBUG)
    return Everything(caplog, capfd)


class Everything:
    """All a test's output: responses it adds, log records, and the process's stdout/stderr."""

    def __init__(self, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
        self._caplog = caplog
        self._capfd = capfd
        self.responses: list[str] = []

    def texts(self) -> list[str]:
        formatter = logging.Formatter()
        captured = self._capfd.readouterr()
        records = [
            text
            for record in self._caplog.records
            for text in (formatter.format(record), repr(vars(record)))
        ]
        return [*self.responses, *records, captured.out, captured.err]

    def leaked(self, secrets: Iterable[str]) -> set[str]:
        texts = self.texts()
        return {secret for secret in secrets if any(secret in text for text in texts)}


async def drive(
    gateway: httpx.AsyncClient, tapped: httpx.AsyncClient, path: Path, everything: Everything
) -> dict[str, Any]:
    if path.fault:
        (await tapped.post("/_admin/faults", json=path.fault)).raise_for_status()
    response = await gateway.post("/graphql", json={"query": path.operation})
    everything.responses.append(f"{response.headers}\n{response.text}")
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    "path",
    [
        *_named("calendars", GRS_PATHS),
        *_named("bookings", SYNERGIST_PATHS),
        *_named("appointments", XELION_PATHS),
        *_named("unexpected", UNEXPECTED_PATHS),
    ],
)
async def test_no_credential_appears_anywhere_on_an_error_path(
    path: Path,
    secret_gateway: httpx.AsyncClient,
    tapped: httpx.AsyncClient,
    wiretap: Wiretap,
    everything: Everything,
) -> None:
    body = await drive(secret_gateway, tapped, path, everything)
    assert error_codes(body) == [path.code], body
    assert everything.leaked(wiretap.secrets_seen()) == set()


@pytest.mark.parametrize("operation", [CALENDARS, BOOKING, APPOINTMENT])
async def test_a_wrong_upstream_password_is_unauthenticated_and_never_shown(
    operation: str, tapped_url: str, tapped: httpx.AsyncClient, everything: Everything
) -> None:
    async with gateway_client(secret_settings(tapped_url, WRONG_PASSWORDS)) as gateway:
        body = await drive(gateway, tapped, Path("wrong", operation, ""), everything)
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert everything.leaked(WRONG_PASSWORDS) == set()


async def test_the_wiretap_sees_the_credentials_the_search_looks_for(
    secret_gateway: httpx.AsyncClient, tapped: httpx.AsyncClient, wiretap: Wiretap
) -> None:
    for operation in (CALENDARS, BOOKING, APPOINTMENT):
        response = await secret_gateway.post("/graphql", json={"query": operation})
        assert "errors" not in response.json()
    # Passwords, tokens and whole Authorization values of all three upstreams.
    assert len(wiretap.secrets_seen()) > len(PASSWORDS) + 4


async def test_an_unexpected_exception_is_masked_with_its_detail_only_in_the_log(
    secret_gateway: httpx.AsyncClient,
    tapped: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    everything: Everything,
) -> None:
    body = await drive(secret_gateway, tapped, UNEXPECTED_PATHS[0], everything)
    error = body["errors"][0]
    assert (error["message"], error["extensions"]) == (
        INTERNAL_MESSAGE, {"code": "INTERNAL_SERVER_ERROR"},
    )  # fmt: skip
    logged = [r for r in caplog.records if r.exc_info and isinstance(r.exc_info[1], KeyError)]
    assert logged, "the KeyError's detail belongs in the log"
