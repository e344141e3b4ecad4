"""The Xelion client against the simulator over loopback HTTP: sessions, calls, errors, bounds."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.routing import Mount

from calendar_gateway.simulators.appointments.app import AppointmentsSimulatorConfig, create_app
from calendar_gateway.simulators.faults import FaultInjection
from calendar_gateway.upstreams.appointment_model import (
    Appointment,
    AppointmentPatch,
    MonthRecurrenceType,
    NewAppointment,
    RecurrenceFields,
    RecurrenceType,
    TerminationType,
    UserStatus,
)
from calendar_gateway.upstreams.appointments import AppointmentsClient
from calendar_gateway.upstreams.appointments_wire import PatchOperation, to_patch_operations
from calendar_gateway.upstreams.errors import (
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    UnauthenticatedError,
    UpstreamUnavailableError,
)
from calendar_gateway.upstreams.retry import NO_RETRIES, RetryPolicy
from calendar_gateway.upstreams.transport import Transport
from calendar_gateway.upstreams.weekday import Weekday
from calendar_gateway.upstreams.xelion_session import XelionCredentials, XelionSession
from tests.servers import serve

Json = dict[str, Any]
T = TypeVar("T")
ROOT = "/api/v1/master"
DEMO = XelionCredentials("demo", "demo", "gateway-tests")


def xelion_app(config: AppointmentsSimulatorConfig | None = None) -> FaultInjection:
    return FaultInjection(Starlette(routes=[Mount("/api/v1/{tenant}", app=create_app(config))]))


@contextlib.asynccontextmanager
async def xelion_server(config: AppointmentsSimulatorConfig) -> AsyncIterator[str]:
    async with serve(xelion_app(config)) as url:
        yield url


@pytest.fixture(scope="module")
async def server_url() -> AsyncIterator[str]:
    async with serve(xelion_app(AppointmentsSimulatorConfig(max_limit=2))) as url:
        yield url


@pytest.fixture
async def admin(server_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The simulator's admin side, reset for each test."""
    async with httpx.AsyncClient(base_url=server_url) as client:
        (await client.delete("/_admin/faults")).raise_for_status()
        (await client.post(f"{ROOT}/_admin/reset")).raise_for_status()
        yield client


# A 429 is tried three times, quickly; past them RateLimitedError says 0.02 s.
FAST_RETRIES = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)


@contextlib.asynccontextmanager
async def xelion_client(
    url: str,
    *,
    credentials: XelionCredentials = DEMO,
    max_in_flight: int = 4,
    renew_margin: timedelta = timedelta(seconds=60),
    retry: RetryPolicy = FAST_RETRIES,
) -> AsyncIterator[AppointmentsClient]:
    transport = Transport("appointments", f"{url}{ROOT}", timeout=5, max_concurrency=64)
    session = XelionSession(
        transport,
        credentials,
        max_in_flight=max_in_flight,
        renew_margin=renew_margin,
    )
    client = AppointmentsClient(session, retry=retry)
    try:
        yield client
    finally:
        await client.aclose()
        await transport.aclose()


@pytest.fixture
async def xelion(server_url: str, admin: httpx.AsyncClient) -> AsyncIterator[AppointmentsClient]:
    async with xelion_client(server_url) as client:
        yield client


async def stats(admin: httpx.AsyncClient) -> dict[str, int]:
    counts: dict[str, int] = (await admin.get(f"{ROOT}/_admin/stats")).json()["requests"]
    return counts


async def inject(
    admin: httpx.AsyncClient, path: str, status: int, code: int, times: int | None
) -> None:
    """The next ``times`` matching requests (None: all) answer the error."""
    fault = {"path": path, "status": status, "body": {"errorCode": code, "message": "injected"}}
    (await admin.post("/_admin/faults", json={**fault, "times": times})).raise_for_status()


# -- the session -----------------------------------------------------------------------------


async def test_first_call_logs_in_once_and_then_uses_the_token(
    xelion: AppointmentsClient, admin: httpx.AsyncClient
) -> None:
    await xelion.get("1758831")
    await xelion.get("1758518")
    assert await stats(admin) == {"login": 1, "get": 2}


async def test_token_is_renewed_before_valid_until() -> None:
    config = AppointmentsSimulatorConfig(token_lifetime_seconds=30)
    async with xelion_server(config) as url, xelion_client(url) as client:
        await client.get("1758831")  # logs in: valid for 30 s, inside the 60 s margin
        await client.get("1758831")
        async with httpx.AsyncClient(base_url=url) as server:
            counts = await stats(server)
    assert counts == {"login": 1, "renew": 1, "get": 2}


async def test_expired_token_costs_one_login_and_no_failure(
    xelion: AppointmentsClient, admin: httpx.AsyncClient
) -> None:
    await xelion.get("1758831")
    await admin.post(f"{ROOT}/_admin/expire-tokens")
    assert (await xelion.get("1758831")).subject == "Taart eten"
    assert await stats(admin) == {"login": 2, "get": 3}


async def test_token_dropped_by_the_server_costs_one_login(
    xelion: AppointmentsClient, admin: httpx.AsyncClient
) -> None:
    await xelion.get("1758831")
    await admin.post(f"{ROOT}/_admin/reset")
    assert (await xelion.get("1758831")).subject == "Taart eten"


async def test_refusal_after_the_re_login_raises_unauthenticated(
    xelion: AppointmentsClient, admin: httpx.AsyncClient
) -> None:
    await inject(admin, "appointments/", 401, 10021, times=2)
    with pytest.raises(UnauthenticatedError):
        await xelion.get("1758831")
    assert (await stats(admin))["login"] == 2


async def test_wrong_password_raises_unauthenticated(server_url: str) -> None:
    wrong = dataclasses.replace(DEMO, password="wrong")
    async with xelion_client(server_url, credentials=wrong) as client:
        with pytest.raises(UnauthenticatedError, match="wrong user name"):
            await client.get("1758831")


async def test_second_login_in_the_same_user_space_is_refused(
    server_url: str, xelion: AppointmentsClient
) -> None:
    await xelion.get("1758831")
    async with xelion_client(server_url) as other:
        with pytest.raises(UnauthenticatedError, match="already logged in"):
            await other.get("1758831")


async def test_closing_the_client_logs_out(server_url: str, admin: httpx.AsyncClient) -> None:
    async with xelion_client(server_url) as client:
        await client.get("1758831")
    assert (await stats(admin))["logout"] == 1
    async with xelion_client(server_url) as again:  # the userSpace is free again
        await again.get("1758831")


# -- reads -----------------------------------------------------------------------------------


async def test_get_answers_a_typed_appointment(xelion: AppointmentsClient) -> None:
    appointment = await xelion.get("1758518")
    assert appointment.subject == "SLapen"
    assert appointment.start == datetime(2017, 3, 13, 10, 10, tzinfo=UTC)
    assert appointment.recurrence is not None
    assert appointment.recurrence.type is RecurrenceType.WEEKLY
    assert appointment.raw["oid"] == "1758518"


async def test_list_follows_the_pages_until_the_count(
    xelion: AppointmentsClient, admin: httpx.AsyncClient
) -> None:
    # The module's simulator answers at most 2 per page.
    found = await xelion.calendar(
        "1557367", after=date(2017, 1, 1), before=date(2030, 12, 31), count=3
    )
    assert [a.oid for a in found] == ["1758518", "1758831", "1627500"]
    assert (await stats(admin))["calendar"] == 2


async def test_list_stops_when_the_pages_end(xelion: AppointmentsClient) -> None:
    found = await xelion.calendar("1557367", after=date(2017, 1, 1), before=date(2018, 12, 31))
    assert [a.oid for a in found] == ["1758518", "1758831", "1627500"]


async def test_list_without_dates_answers_today(xelion: AppointmentsClient) -> None:
    assert [a.subject for a in await xelion.calendar("1557367")] == ["Stand-up"]


# -- writes ----------------------------------------------------------------------------------

NEW = NewAppointment(
    subject="Planning",
    start=datetime(2025, 6, 15, 12, tzinfo=UTC),
    end=datetime(2025, 6, 16, 12, tzinfo=UTC),
    user_status=UserStatus.AT_APPOINTMENT,
    comment="bring coffee",
    participants=("1626711",),
    calendars=("1658051",),
)


async def test_create_answers_the_created_appointment(xelion: AppointmentsClient) -> None:
    created = await xelion.create(NEW)
    assert created == await xelion.get(created.oid)
    assert (created.subject, created.comment) == ("Planning", "bring coffee")
    assert [p.oid for p in created.participants] == ["1626711"]


async def test_create_with_recurrence_answers_it(xelion: AppointmentsClient) -> None:
    weekly = RecurrenceFields(type=RecurrenceType.WEEKLY, interval=2)
    created = await xelion.create(NewAppointment(**{**NEW.__dict__, "recurrence": weekly}))
    assert created.recurrence is not None
    assert (created.recurrence.type, created.recurrence.interval) == (RecurrenceType.WEEKLY, 2)


async def test_patch_of_the_update_page_example_changes_what_it_names(
    xelion: AppointmentsClient,
) -> None:
    patch = AppointmentPatch(
        add_calendars=("1658218",),
        user_status=UserStatus.LONG_OUT_OF_OFFICE,
        comment="Test Comment",
        remove_participants=("167843",),
    )
    await xelion.patch("1627410", to_patch_operations(patch))
    after = await xelion.get("1627410")
    assert [c.oid for c in after.calendars] == ["1658051", "1658218"]
    assert (after.user_status, after.comment) == (UserStatus.LONG_OUT_OF_OFFICE, "Test Comment")
    assert [p.oid for p in after.participants] == ["1626686"]


async def test_delete_removes_the_appointment(xelion: AppointmentsClient) -> None:
    await xelion.delete("1627410")
    with pytest.raises(NotFoundError):
        await xelion.get("1627410")


# -- errors ----------------------------------------------------------------------------------


async def test_unknown_oid_raises_not_found(xelion: AppointmentsClient) -> None:
    with pytest.raises(NotFoundError):
        await xelion.get("999")


async def test_change_without_permission_raises_forbidden(xelion: AppointmentsClient) -> None:
    with pytest.raises(ForbiddenError):
        await xelion.delete("1627600")


async def test_empty_operations_raise_bad_request(xelion: AppointmentsClient) -> None:
    with pytest.raises(BadRequestError):
        await xelion.patch("1627410", [])


async def test_unknown_path_raises_bad_request(xelion: AppointmentsClient) -> None:
    with pytest.raises(BadRequestError):
        await xelion.patch("1627410", [PatchOperation("replace", "/location", "Utrecht")])


async def test_vendor_bad_id_raises_bad_request(
    xelion: AppointmentsClient, admin: httpx.AsyncClient
) -> None:
    await inject(admin, "appointments/", 400, 10203, times=1)
    with pytest.raises(BadRequestError):
        await xelion.get("1758831")


async def test_throttling_is_retried_after_a_backoff(
    xelion: AppointmentsClient, admin: httpx.AsyncClient
) -> None:
    # More than the transport's own retries of a GET: the client's retries take over.
    await inject(admin, "appointments/", 429, 10400, times=4)
    assert (await xelion.get("1758831")).subject == "Taart eten"


async def test_throttled_write_is_retried_after_a_backoff(
    xelion: AppointmentsClient, admin: httpx.AsyncClient
) -> None:
    # 10400 refuses a request before it runs, so even a PATCH may be sent again.
    await inject(admin, "appointments/", 429, 10400, times=1)
    await xelion.patch("1627410", [PatchOperation("replace", "/subject", "again")])
    assert (await xelion.get("1627410")).subject == "again"


async def test_throttling_past_the_backoff_raises_rate_limited(
    xelion: AppointmentsClient, admin: httpx.AsyncClient
) -> None:
    await inject(admin, "appointments/", 429, 10402, times=None)
    with pytest.raises(RateLimitedError) as raised:
        await xelion.get("1758831")
    assert raised.value.retry_after == 0.02


async def test_server_error_raises_unavailable(
    xelion: AppointmentsClient, admin: httpx.AsyncClient
) -> None:
    await inject(admin, "appointments/", 500, 11000, times=None)
    with pytest.raises(UpstreamUnavailableError):
        await xelion.get("1758831")


# -- the bound on requests in flight ---------------------------------------------------------

THROTTLING = AppointmentsSimulatorConfig(latency_seconds=0.02, max_in_flight_per_session=4)


async def test_50_concurrent_reads_provoke_no_429() -> None:
    async with xelion_server(THROTTLING) as url, xelion_client(url, retry=NO_RETRIES) as client:
        found = await asyncio.gather(*(client.get("1758831") for _ in range(50)))
        async with httpx.AsyncClient(base_url=url) as server:
            body = (await server.get(f"{ROOT}/_admin/stats")).json()
    assert len(found) == 50
    assert body == {"requests": {"login": 1, "get": 50}, "throttled": 0}


async def test_without_the_bound_the_same_reads_are_throttled() -> None:
    async with (
        xelion_server(THROTTLING) as url,
        xelion_client(url, max_in_flight=50, retry=NO_RETRIES) as client,
    ):
        await client.get("1758831")  # log in first, so the reads start together
        await asyncio.gather(*(client.get("1758831") for _ in range(50)), return_exceptions=True)
        async with httpx.AsyncClient(base_url=url) as server:
            body = (await server.get(f"{ROOT}/_admin/stats")).json()
    assert body["throttled"] > 0


# -- round trip: operations applied by the simulator, read back ------------------------------

CALENDARS = ["1557367", "1658051", "1658218"]
PERSONS = ["1626686", "1626711", "167843"]


def instants(first: datetime, last: datetime) -> st.SearchStrategy[datetime]:
    return st.datetimes(min_value=first, max_value=last).map(
        lambda value: value.replace(microsecond=0, tzinfo=UTC)
    )


def maybe(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.one_of(st.none(), strategy)


@st.composite
def relation_changes(draw: st.DrawFn, oids: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Oids to add and to remove; never the same oid both ways (the service refuses that)."""
    chosen = draw(st.lists(st.sampled_from(oids), unique=True))
    added = tuple(oid for oid in chosen if draw(st.booleans()))
    return added, tuple(oid for oid in chosen if oid not in added)


recurrences = st.builds(
    RecurrenceFields,
    type=maybe(st.sampled_from(RecurrenceType)),
    interval=maybe(st.integers(1, 10)),
    termination_type=maybe(st.sampled_from(TerminationType)),
    termination_date=maybe(instants(datetime(2025, 7, 1), datetime(2026, 7, 1))),
    count=maybe(st.integers(0, 50)),
    first=maybe(instants(datetime(2025, 6, 1), datetime(2025, 7, 1))),
    last=maybe(instants(datetime(2025, 7, 1), datetime(2026, 7, 1))),
    weekdays=maybe(st.frozensets(st.sampled_from(Weekday))),
    month_type=maybe(st.sampled_from(MonthRecurrenceType)),
)


@st.composite
def patches(draw: st.DrawFn) -> AppointmentPatch:
    # Starts before and ends after the middle of June 2025, so every mix of given and stored
    # times (all-day or not) keeps the end after the start.
    add_calendars, remove_calendars = draw(relation_changes(CALENDARS))
    add_participants, remove_participants = draw(relation_changes(PERSONS))
    return AppointmentPatch(
        subject=draw(maybe(st.text(max_size=30))),
        comment=draw(maybe(st.text(max_size=30))),
        internal=draw(maybe(st.booleans())),
        user_status=draw(maybe(st.sampled_from(UserStatus))),
        all_start_day=draw(maybe(st.booleans())),
        start=draw(maybe(instants(datetime(2025, 6, 1), datetime(2025, 6, 15, 23, 59)))),
        all_end_day=draw(maybe(st.booleans())),
        end=draw(maybe(instants(datetime(2025, 6, 16), datetime(2025, 6, 30)))),
        add_calendars=add_calendars,
        remove_calendars=remove_calendars,
        add_participants=add_participants,
        remove_participants=remove_participants,
        recurrence=draw(recurrences),
    )


def expected_time(given: datetime | None, stored: datetime, all_day: bool, bound: time) -> datetime:
    """What Xelion keeps: an all-day side at its day's bound, naive; a timed one in UTC."""
    value = stored if given is None else given
    vendor_clock = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if all_day:
        return datetime.combine(vendor_clock.date(), bound)
    return vendor_clock.replace(tzinfo=UTC)


def expected(before: Appointment, patch: AppointmentPatch) -> Appointment:
    all_start = before.all_start_day if patch.all_start_day is None else patch.all_start_day
    all_end = before.all_end_day if patch.all_end_day is None else patch.all_end_day
    return dataclasses.replace(
        before,
        subject=before.subject if patch.subject is None else patch.subject,
        comment=before.comment if patch.comment is None else patch.comment,
        internal=before.internal if patch.internal is None else patch.internal,
        user_status=patch.user_status or before.user_status,
        all_start_day=all_start,
        all_end_day=all_end,
        start=expected_time(patch.start, before.start, all_start, time(0, 0, 0)),
        end=expected_time(patch.end, before.end, all_end, time(23, 59, 59)),
    )


def comparable(appointment: Appointment) -> Appointment:
    """Without relations, recurrence and raw, which are checked on their own (Xelion's label,
    commonName, follows the subject and times)."""
    return dataclasses.replace(
        appointment,
        participants=(),
        calendars=(),
        recurrence=None,
        is_recurrence=False,
        common_name="",
        raw={},
    )


def assert_recurrence(before: Appointment, after: Appointment, given: RecurrenceFields) -> None:
    recurs = before.recurrence is not None or given.type is not None
    assert (after.recurrence is not None) == recurs
    if after.recurrence is None:
        return
    for name in [f.name for f in dataclasses.fields(RecurrenceFields)]:
        value = getattr(given, name)
        if value is not None:
            assert getattr(after.recurrence, name) == value, name


@pytest.fixture
async def target(xelion: AppointmentsClient) -> str:
    return (await xelion.create(NEW)).oid


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(patch=patches())
async def test_patch_round_trips_through_the_simulator(
    xelion: AppointmentsClient, target: str, patch: AppointmentPatch
) -> None:
    before = await xelion.get(target)
    operations = to_patch_operations(patch)
    if operations:  # Xelion answers an empty list with 10200
        await xelion.patch(target, operations)
    after = await xelion.get(target)
    assert comparable(after) == comparable(expected(before, patch))
    calendars = ({c.oid for c in before.calendars} | set(patch.add_calendars)) - set(
        patch.remove_calendars
    )
    assert {c.oid for c in after.calendars} == calendars
    persons = ({p.oid for p in before.participants} | set(patch.add_participants)) - set(
        patch.remove_participants
    )
    assert {p.oid for p in after.participants} == persons
    assert_recurrence(before, after, patch.recurrence)
