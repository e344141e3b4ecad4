"""GraphiQL in a real browser with no internet: the page loads from the gateway alone, runs a
query, and shows the result. The screenshot is kept in tests/artifacts/."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from calendar_gateway import graphiql
from tests.e2e.conftest import Node, unavailable

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's package: playwright-core drives it and downloads no browser of its own."""
SCREENSHOT = Path(__file__).parents[1] / "artifacts" / "graphiql.png"
VENDOR_ROOTS = ("/jsonapi", "/grs/v1", "/api/v1/master")
QUERY = """{
  businessCalendars {
    name
    timeZone
    weekStarts
    weekEnds
    dayStarts
    dayEnds
  }
}"""
HEADER_VALUE = "a-credential-the-browser-must-not-keep"


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.is_file():
        unavailable("Debian's chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="module")
def dead_proxy() -> Iterator[str]:
    """A proxy address that refuses every connection: bound, never listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(scope="module")
async def browser_session(
    node: Node, chromium: Path, dead_proxy: str, simulator_url: str, shared_gateway_url: str
) -> dict[str, Any]:
    """One visit to GraphiQL, from the seeded state, shared by this module's assertions."""
    if not all(map(graphiql.is_installed, graphiql.ASSETS)):
        unavailable("GraphiQL's npm files are not installed (run `make graphiql`)")
    async with httpx.AsyncClient(base_url=simulator_url) as upstream:
        for root in VENDOR_ROOTS:
            (await upstream.post(f"{root}/_admin/reset")).raise_for_status()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    session: dict[str, Any] = await node.run(
        "graphiql.mjs",
        {
            "url": shared_gateway_url,
            "query": QUERY,
            "headers": f'{{"X-Probe": "{HEADER_VALUE}"}}',
            "expect": "Dad's Dating Calendar",
            "screenshot": str(SCREENSHOT),
            "deadProxy": dead_proxy,
            "chromium": str(chromium),
        },
    )
    return session


def test_graphiql_shows_the_result_of_the_query_it_ran(browser_session: dict[str, Any]) -> None:
    shown = browser_session["response"]
    assert '"name": "Dad\'s Dating Calendar"' in shown
    assert '"weekStarts": "FRIDAY"' in shown
    assert SCREENSHOT.stat().st_size > 10_000


def test_graphiql_asks_only_the_gateway_for_anything(browser_session: dict[str, Any]) -> None:
    hosts = {urlsplit(url).hostname for url in browser_session["requests"]}
    assert hosts == {"127.0.0.1"}
    assert browser_session["failed"] == []


def test_graphiql_logs_no_errors_in_the_browser(browser_session: dict[str, Any]) -> None:
    assert browser_session["console"] == []


def test_graphiql_is_titled_for_this_gateway(browser_session: dict[str, Any]) -> None:
    assert browser_session["title"] == "calendar-gateway · GraphiQL"


def test_graphiql_keeps_no_header_in_the_browser(browser_session: dict[str, Any]) -> None:
    storage = browser_session["storage"]
    assert "graphiql:query" in storage  # GraphiQL did store its state, without the headers
    assert HEADER_VALUE not in storage, storage


SUBSCRIPTION = """subscription {
  appointmentsChanged(calendarId: "1557367") {
    kind
    appointment { subject }
  }
}"""
CREATE = """mutation { createAppointment(input: {subject: "Seen in GraphiQL",
  calendars: ["1557367"], start: "2026-12-08T10:00:00Z", end: "2026-12-08T11:00:00Z"}) { id } }"""


async def test_graphiql_runs_a_subscription_and_shows_its_event(
    node: Node, chromium: Path, dead_proxy: str, shared_gateway_url: str,
    upstream: httpx.AsyncClient,
) -> None:  # fmt: skip
    if not all(map(graphiql.is_installed, graphiql.ASSETS)):
        unavailable("GraphiQL's npm files are not installed (run `make graphiql`)")
    session = await node.run(
        "graphiql.mjs",
        {
            "url": shared_gateway_url,
            "query": SUBSCRIPTION,
            "headers": "{}",
            "expect": "Seen in GraphiQL",
            "screenshot": str(SCREENSHOT.with_name("graphiql-subscription.png")),
            "deadProxy": dead_proxy,
            "chromium": str(chromium),
            "trigger": {"url": f"{shared_gateway_url}/graphql", "body": {"query": CREATE}},
        },
    )

    assert '"kind": "CREATED"' in session["response"]
    assert session["console"] == []
