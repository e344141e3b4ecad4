"""Schema fuzzing: operations generated from the running gateway's own schema.

hypothesis-graphql writes queries and mutations from the schema the gateway introspects to,
valid ones and ones with one violation each, with arbitrary arguments (custom scalars both
well-formed and not). Whatever it sends, the gateway answers below 500, every error carries
``extensions.code``, an INTERNAL_SERVER_ERROR says only the generic message, no exception
escapes the gateway or a simulator, and neither a stack trace nor a credential appears in any
answer or log line. The gateway logs in with recognisable passwords, which a wiretap swaps for
the simulators' seeded ones.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, mutations, nodes, queries

from calendar_gateway.graphql.errors import INTERNAL_MESSAGE
from calendar_gateway.simulators import app as simulators
from tests.conftest import VENDOR_ROOTS, gateway_client
from tests.integration.test_calendars import ANOTHER, DADS
from tests.integration.test_secrets import PASSWORDS, secret_settings
from tests.servers import serve
from tests.wiretap import Wiretap

# 2,100 operations in all; FUZZ_SCALE=10 runs ten times as many.
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
FUZZ = settings(
    max_examples=700 * SCALE,
    deadline=None,
    database=None,
    # CI replays one fixed run; elsewhere each run explores anew.
    derandomize=os.environ.get("CI") == "true",
    # The fixtures span all examples on purpose: one gateway, one count of what was sent.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
STACK_TRACE_MARKERS = ("Traceback (most recent call last)", 'File "/', "site-packages")


def _text(alphabet: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[str]:
    return st.text(alphabet or st.characters(codec="utf-8"), max_size=40)


def _mostly(
    well_formed: st.SearchStrategy[graphql.ValueNode],
) -> st.SearchStrategy[graphql.ValueNode]:
    # Well-formed values reach the resolvers; now and then arbitrary text tests the parsing
    # (one bad value fails the whole operation, so only now and then).
    arbitrary = _text().map(nodes.String)
    return st.sampled_from([well_formed] * 9 + [arbitrary]).flatmap(lambda s: s)


def _string_node(*shapes: st.SearchStrategy[str]) -> st.SearchStrategy[graphql.ValueNode]:
    return _mostly(st.one_of(*shapes).map(nodes.String))


# The seeded data lies around 2017: dates near it reach it, any date tests the edges.
SEEDED_DATES = st.dates(date(2017, 1, 1), date(2018, 12, 31))
# Without an offset a date-time is local; with one, the furthest offsets test the edges.
ZONES: st.SearchStrategy[tzinfo] = st.sampled_from(
    [UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=12))]
)
NEAR_SEED = (datetime(2017, 1, 1), datetime(2018, 12, 31))
DATE_TIMES = st.one_of(
    st.datetimes(*NEAR_SEED),
    st.datetimes(*NEAR_SEED, timezones=ZONES),
    st.datetimes(),
    st.datetimes(timezones=ZONES),
)
# Ids the simulators are seeded with (tenant and package, calendars, bookings, resources,
# appointments), so that generated operations reach data, and arbitrary ones.
SEEDED_IDS = st.sampled_from(
    ["default", "Calendar_117", "Calendar_190", DADS, ANOTHER, "137463", "56569", "56570",
     "1014302", "198", "405", "1758831", "1758518"]
)  # fmt: skip
ENTITY = st.fixed_dictionaries(
    {
        "__typename": st.sampled_from(["Booking", "Appointment", "BusinessCalendar"] * 3 + ["Job"]),
        "id": st.one_of(SEEDED_IDS, _text()),
        "tenantId": st.just("default"),
        "packageId": st.just("default"),
    }
).map(
    lambda fields: nodes.Object(
        [graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=nodes.String(v))
         for k, v in fields.items()]
    )
)  # fmt: skip
SCALARS: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
    "ID": _string_node(SEEDED_IDS, st.integers().map(str)),
    "Date": _string_node(st.one_of(SEEDED_DATES, st.dates()).map(lambda d: d.isoformat())),
    # Mostly instants; the naive ones are refused, as they must be.
    "DateTime": _string_node(DATE_TIMES.map(lambda d: d.isoformat())),
    "LocalDateTime": _string_node(
        st.one_of(st.datetimes(*NEAR_SEED), st.datetimes()).map(lambda d: d.isoformat())
    ),
    "LocalTime": _string_node(st.times().map(lambda t: t.isoformat()[:5])),
    "JSON": _string_node(_text()),
    "_Any": _mostly(ENTITY),
}


class LogCapture(logging.Handler):
    """Every log record of the run, formatted with its traceback and its extras."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.crashes: list[str] = []
        self.setFormatter(logging.Formatter())

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{self.format(record)}\n{vars(record)!r}"
        self.texts.append(text)
        # uvicorn's word for an exception that escaped an app, the gateway's or a simulator's.
        if record.getMessage() == "Exception in ASGI application":
            self.crashes.append(text)


@pytest.fixture(scope="module")
def logged() -> Iterator[LogCapture]:
    root = logging.getLogger()
    handler, level = LogCapture(), root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture(scope="module")
async def wiretap() -> Wiretap:
    return Wiretap(simulators.create_app(), PASSWORDS)


@pytest.fixture(scope="module")
async def tapped_url(wiretap: Wiretap) -> AsyncIterator[str]:
    async with serve(wiretap) as url:
        yield url


@pytest.fixture(scope="module")
async def fuzzed(tapped_url: str, logged: LogCapture) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway with recognisable upstream passwords, in front of the wiretapped simulators."""
    async with gateway_client(secret_settings(tapped_url, PASSWORDS)) as client:
        yield client


@pytest.fixture(scope="module")
async def schema(fuzzed: httpx.AsyncClient) -> graphql.GraphQLSchema:
    """The schema as the running gateway describes it."""
    response = await fuzzed.post("/graphql", json={"query": graphql.get_introspection_query()})
    return graphql.build_client_schema(response.json()["data"])


class Fuzz:
    """Sends generated operations and checks every answer; counts what it sent."""

    def __init__(self, client: httpx.AsyncClient, wiretap: Wiretap, logged: LogCapture) -> None:
        self.client = client
        self.wiretap = wiretap
        self.logged = logged
        self.answers: Counter[str] = Counter()
        # Masked as the contract says, yet each is a bug to look into: shown after the run.
        self.internal: list[str] = []

    async def send(self, operation: str) -> None:
        crashes = len(self.logged.crashes)
        response = await self.client.post("/graphql", json={"query": operation})
        assert response.status_code < 500, (operation, response.text)
        assert len(self.logged.crashes) == crashes, (operation, self.logged.crashes[-1])
        text = f"{response.headers}\n{response.text}"
        assert not any(marker in text for marker in STACK_TRACE_MARKERS), (operation, text)
        errors = _errors(response)
        self.answers.update([(_code(errors[0]) or "no code") if errors else "data"])
        for error in errors:
            code = _code(error)
            assert code, (operation, error)
            if code == "INTERNAL_SERVER_ERROR":
                assert error["message"] == INTERNAL_MESSAGE, (operation, error)
                self.internal.append(operation)
        self.assert_nothing_leaked([text])

    def assert_nothing_leaked(self, texts: list[str]) -> None:
        secrets = self.wiretap.secrets_seen()
        assert {s for s in secrets if any(s in text for text in texts)} == set()

    def assert_nothing_leaked_in_logs(self) -> None:
        self.assert_nothing_leaked(self.logged.texts)


def _code(error: dict[str, Any]) -> str | None:
    code: str | None = error.get("extensions", {}).get("code")
    return code


def _errors(response: httpx.Response) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return []
    errors: list[dict[str, Any]] = body.get("errors") or [] if isinstance(body, dict) else []
    return errors


@pytest.fixture
async def fuzz(
    fuzzed: httpx.AsyncClient, tapped_url: str, wiretap: Wiretap, logged: LogCapture
) -> AsyncIterator[Fuzz]:
    """Each test starts from the seeded data: the mutations of another may have deleted it."""
    async with httpx.AsyncClient(base_url=tapped_url) as simulators:
        for root in VENDOR_ROOTS:
            (await simulators.post(f"{root}/_admin/reset")).raise_for_status()
    checked = Fuzz(fuzzed, wiretap, logged)
    yield checked
    print(f"\n{checked.answers.total()} operations, by first error code:")
    for answer, count in checked.answers.most_common():
        print(f"  {count:5d}  {answer}")
    for operation in checked.internal:
        print(f"INTERNAL_SERVER_ERROR for:\n{operation}")
    for text in logged.texts:
        if "unexpected error" in text:
            print(text)
    checked.assert_nothing_leaked_in_logs()
    assert checked.answers.total() >= FUZZ.max_examples


def _one_root_field(
    schema: graphql.GraphQLSchema, root: graphql.GraphQLObjectType | None
) -> st.SearchStrategy[str]:
    # One root field an operation: an error in a non-null root field nulls the whole answer,
    # so with several the others would hardly ever be seen to resolve.
    assert root is not None
    kind = mutations if root is schema.mutation_type else queries
    return st.sampled_from(sorted(root.fields)).flatmap(
        lambda field: kind(schema, fields=[field], custom_scalars=SCALARS, allow_null=False)
    )


@FUZZ
@given(data=st.data())
async def test_generated_queries_are_answered_within_the_error_contract(
    fuzz: Fuzz, schema: graphql.GraphQLSchema, data: st.DataObject
) -> None:
    await fuzz.send(data.draw(_one_root_field(schema, schema.query_type)))


@FUZZ
@given(data=st.data())
async def test_generated_mutations_are_answered_within_the_error_contract(
    fuzz: Fuzz, schema: graphql.GraphQLSchema, data: st.DataObject
) -> None:
    await fuzz.send(data.draw(_one_root_field(schema, schema.mutation_type)))


@FUZZ
@given(data=st.data())
async def test_operations_with_a_schema_violation_are_answered_within_the_error_contract(
    fuzz: Fuzz, schema: graphql.GraphQLSchema, data: st.DataObject
) -> None:
    # Several root fields, nulls anywhere, one violation of the schema.
    await fuzz.send(data.draw(from_schema(schema, custom_scalars=SCALARS, mode=Mode.NEGATIVE)))
