"""The running gateway: per upstream one transport, client, read cache and service.

Made once at start-up by the app's lifespan, and closed with it: each close is pushed
on the lifespan's exit stack, so it runs in reverse order of making.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass

import httpx
from aiocache.base import BaseCache
from redis.asyncio import Redis

from calendar_gateway.caching import ReadCache, close_store, open_store
from calendar_gateway.graphql.persisted_queries import PersistedQueries
from calendar_gateway.locking import (
    LocalLockHolders,
    LocalMutex,
    LockHolders,
    Mutex,
    RedisLockHolders,
    RedisMutex,
)
from calendar_gateway.services.appointments import AppointmentService
from calendar_gateway.services.bookings import BookingService
from calendar_gateway.services.calendars import CalendarService, EditBudget
from calendar_gateway.services.container import Services
from calendar_gateway.services.events import EventHub, RedisChannel
from calendar_gateway.services.feeds import FeedService, FeedSigner, FeedWindow
from calendar_gateway.services.live import Admission, LiveData, SubscriptionLimits
from calendar_gateway.services.polling import LocalPollStore, Pollers, PollStore, RedisPollStore
from calendar_gateway.services.publishing import (
    PublishingAppointmentService,
    PublishingBookingService,
    PublishingCalendarService,
)
from calendar_gateway.services.sweeper import LockSweeper
from calendar_gateway.settings import Settings
from calendar_gateway.timezones import resolve_zone
from calendar_gateway.upstreams.appointments import AppointmentsClient
from calendar_gateway.upstreams.bookings import BookingsClient
from calendar_gateway.upstreams.calendars import CalendarsClient
from calendar_gateway.upstreams.circuit import CircuitBreaker
from calendar_gateway.upstreams.retry import RetryPolicy
from calendar_gateway.upstreams.transport import Transport
from calendar_gateway.upstreams.xelion_session import XelionCredentials, XelionSession

REDIS_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Gateway:
    services: Services
    transports: dict[str, Transport]
    """By upstream name: readiness and metrics watch them."""
    persisted_queries: PersistedQueries


def start_gateway(settings: Settings, stack: contextlib.AsyncExitStack) -> Gateway:
    store = open_store(
        settings.redis_url, settings.redis_key_prefix, settings.cache_store_timeout_seconds
    )
    stack.push_async_callback(close_store, store)
    transports = {
        "calendars": _transport(settings, "calendars", settings.calendars_url),
        "bookings": _transport(settings, "bookings", settings.bookings_url),
        "appointments": _transport(settings, "appointments", settings.appointments_url),
    }
    for transport in transports.values():
        stack.push_async_callback(transport.aclose)
    hub = EventHub(settings.subscription_queue_size)
    calendars = _calendars(settings, transports["calendars"], store, stack, hub)
    bookings = _bookings(settings, transports["bookings"], store, hub)
    appointments = _appointments(settings, transports["appointments"], store, stack, hub)
    services = Services.of(
        calendars=calendars,
        bookings=bookings,
        appointments=appointments,
        feeds=_feeds(settings, calendars, bookings, appointments),
        live=_live(
            settings, stack, hub, calendars=calendars, bookings=bookings, appointments=appointments
        ),
    )
    persisted_queries = PersistedQueries(
        # In memory, this process's own bounded copy is the store.
        store if settings.redis_url else None,
        settings.max_persisted_queries,
        settings.max_persisted_query_bytes,
    )
    return Gateway(services, transports, persisted_queries)


def _call_timeout(settings: Settings, upstream: str) -> float:
    timeout: float = (
        getattr(settings, f"{upstream}_timeout_seconds") or settings.upstream_timeout_seconds
    )
    return timeout


def _transport(settings: Settings, upstream: str, base_url: str) -> Transport:
    read = _call_timeout(settings, upstream)
    return Transport(
        upstream,
        base_url,
        timeout=httpx.Timeout(
            read,
            connect=settings.upstream_connect_timeout_seconds,
            pool=settings.upstream_pool_timeout_seconds,
        ),
        max_concurrency=settings.upstream_max_concurrency,
        retry=_retry_policy(settings),
        circuit=CircuitBreaker(settings.circuit_failure_threshold, settings.circuit_reset_seconds),
    )


def _retry_policy(settings: Settings) -> RetryPolicy:
    """The one call policy of every upstream: the transports' and Xelion's 429 retries."""
    return RetryPolicy(
        attempts=settings.upstream_retry_attempts,
        base_delay=settings.upstream_retry_base_seconds,
        max_delay=settings.upstream_retry_max_seconds,
        max_retry_after=settings.upstream_retry_after_max_seconds,
    )


def _read_cache(store: BaseCache, settings: Settings, upstream: str, user: str) -> ReadCache:
    url = getattr(settings, f"{upstream}_url")
    # Scoped by who we are upstream: no answer crosses credentials.
    return ReadCache(
        store,
        upstream,
        f"{upstream}|{url}|{user}",
        settings.cache_ttl_seconds,
        settings.cache_store_retry_seconds,
    )


def _calendars(
    settings: Settings,
    transport: Transport,
    store: BaseCache,
    stack: contextlib.AsyncExitStack,
    hub: EventHub,
) -> CalendarService:
    password = settings.calendars_password.get_secret_value()
    client = CalendarsClient(transport, settings.calendars_user, password)
    mutex, holders = _edit_locks(settings, stack)
    service = PublishingCalendarService(
        client,
        _read_cache(store, settings, "calendars", settings.calendars_user),
        mutex,
        settings.calendars_tenant,
        settings.calendars_package,
        holders=holders,
        budget=EditBudget(settings.edit_timeout_seconds, _call_timeout(settings, "calendars")),
        events=hub,
    )
    # Pushed after the transport's close, so it runs first: an edit whose client went
    # away still finishes, and unlocks, before the connections close.
    stack.push_async_callback(service.drain)
    # Every lease: a dead holder's lease has run out, so its locks go back within two.
    sweeper = LockSweeper(service, settings.edit_lease_seconds)
    sweeper.start()
    stack.push_async_callback(sweeper.stop)  # runs before the drain and the closes
    return service


def _edit_locks(settings: Settings, stack: contextlib.AsyncExitStack) -> tuple[Mutex, LockHolders]:
    if settings.redis_url is None:
        return LocalMutex(), LocalLockHolders()
    redis = _redis_with_timeouts(settings.redis_url, stack)
    # Gateways in front of different GRS servers may share one Redis.
    prefix = f"{settings.redis_key_prefix}:{settings.calendars_url}"
    secret = f"{settings.calendars_user}:{settings.calendars_password.get_secret_value()}"
    return (
        RedisMutex(redis, prefix, lease_seconds=settings.edit_lease_seconds),
        RedisLockHolders(redis, prefix, secret),
    )


def _bookings(
    settings: Settings, transport: Transport, store: BaseCache, hub: EventHub
) -> BookingService:
    client = BookingsClient(
        transport,
        settings.bookings_user,
        settings.bookings_password.get_secret_value(),
        settings.bookings_version,
        not_found_codes=settings.bookings_not_found_codes,
    )
    cache = _read_cache(store, settings, "bookings", settings.bookings_user)
    return PublishingBookingService(client, cache, events=hub)


def _appointments(
    settings: Settings,
    transport: Transport,
    store: BaseCache,
    stack: contextlib.AsyncExitStack,
    hub: EventHub,
) -> AppointmentService:
    credentials = XelionCredentials(
        settings.appointments_user,
        settings.appointments_password.get_secret_value(),
        _own_user_space(settings.appointments_userspace),
    )
    session = XelionSession(
        transport, credentials, max_in_flight=settings.appointments_max_in_flight
    )
    client = AppointmentsClient(session, retry=_retry_policy(settings))
    # Pushed after the transport's close, so it runs first: log out while it is open.
    stack.push_async_callback(client.aclose)
    return PublishingAppointmentService(
        client,
        _read_cache(store, settings, "appointments", settings.appointments_user),
        resolve_zone(settings.appointments_timezone),
        settings.max_occurrences,
        events=hub,
    )


def _feeds(
    settings: Settings,
    calendars: CalendarService,
    bookings: BookingService,
    appointments: AppointmentService,
) -> FeedService:
    secret = settings.feed_secret
    return FeedService(
        None if secret is None else FeedSigner(secret.get_secret_value().encode()),
        FeedWindow(settings.feed_days_back, settings.feed_days_ahead),
        settings.feed_base_url,
        calendars=calendars,
        bookings=bookings,
        appointments=appointments,
        appointments_zone=resolve_zone(settings.appointments_timezone),
    )


def _live(
    settings: Settings,
    stack: contextlib.AsyncExitStack,
    hub: EventHub,
    *,
    calendars: CalendarService,
    bookings: BookingService,
    appointments: AppointmentService,
) -> LiveData:
    interval = settings.subscription_poll_seconds
    store: PollStore = LocalPollStore()
    if settings.redis_url is not None:
        # Its own connections: a subscribed one waits for messages without a read timeout.
        redis = Redis.from_url(settings.redis_url, health_check_interval=REDIS_TIMEOUT_SECONDS)
        stack.push_async_callback(redis.aclose)
        hub.channel = RedisChannel(hub, redis, f"{settings.redis_key_prefix}:changes")
        stack.push_async_callback(hub.channel.aclose)
        store = RedisPollStore(
            _redis_with_timeouts(settings.redis_url, stack),
            settings.redis_key_prefix,
            # Outlasts a poll's wait and its reading: the holder renews it each time round.
            lease_seconds=3 * interval + settings.upstream_timeout_seconds,
        )
    pollers = Pollers(hub, store, interval)
    stack.push_async_callback(pollers.aclose)
    limits = SubscriptionLimits(
        settings.subscriptions_per_connection, settings.subscriptions_per_client
    )
    return LiveData(
        hub,
        pollers,
        Admission(limits),
        FeedWindow(settings.feed_days_back, settings.feed_days_ahead),
        calendars=calendars,
        bookings=bookings,
        appointments=appointments,
    )


def _redis_with_timeouts(url: str, stack: contextlib.AsyncExitStack) -> Redis:
    # A Redis that stops answering fails a call in seconds, not at the OS's TCP timeout.
    redis = Redis.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        health_check_interval=REDIS_TIMEOUT_SECONDS,
    )
    stack.push_async_callback(redis.aclose)
    return redis


def _own_user_space(configured: str) -> str:
    # Xelion refuses a second login into one userSpace (10005) until the first session
    # ends: each worker process, and a restart before the old token expires, needs its own.
    return f"{configured}-{secrets.token_hex(4)}"
