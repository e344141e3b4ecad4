"""iCalendar feeds: links signed for one feed, and each feed's events within a window.

Calendar apps subscribe to a URL and cannot send headers, so the URL itself is the
credential: a token naming the feed (its kind and ids) and an HMAC-SHA256 of that name under
FEED_SECRET. It grants reading that one feed and nothing else; a new secret revokes them all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from enum import Enum

import orjson

from calendar_gateway.services import vcalendar
from calendar_gateway.services.appointments import AppointmentService, require_oid
from calendar_gateway.services.bookings import BookingService
from calendar_gateway.services.calendars import CalendarService
from calendar_gateway.services.errors import InvalidInputError
from calendar_gateway.upstreams.calendars import CalendarRef

PATH = "/feeds/{token}.ics"
"""Where the gateway serves a feed (app.py routes it to feeds.py)."""
MAX_TOKEN_LENGTH = 1024
"""Longer tokens are refused unread: a scope's ids are short."""
MAX_ID_LENGTH = 200
_CONTEXT = b"calendar-gateway feed v1\x00"
"""Signed with the scope, so a feed signature is never valid as any other HMAC of ours."""


class FeedKind(Enum):
    BOOKINGS = "bookings"
    APPOINTMENTS = "appointments"
    HOLIDAYS = "holidays"


@dataclass(frozen=True)
class FeedScope:
    """The one feed a token opens: its kind and the ids that name it."""

    kind: FeedKind
    ids: tuple[str, ...]
    """Bookings: (company, resource id); appointments: (calendar id,); holidays: (tenant id,
    package id, calendar id)."""


_ARITY = {FeedKind.BOOKINGS: 2, FeedKind.APPOINTMENTS: 1, FeedKind.HOLIDAYS: 3}


class InvalidFeedTokenError(Exception):
    """The token is malformed, or not signed with the current secret."""


class FeedsDisabledError(Exception):
    """FEED_SECRET is not set: no feed links can be minted or read."""


class FeedSigner:
    """Mints and checks feed tokens with one secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def token(self, scope: FeedScope) -> str:
        payload = _b64(orjson.dumps([scope.kind.value, *scope.ids]))
        return f"{payload}.{_b64(self._signature(payload))}"

    def scope(self, token: str) -> FeedScope:
        """The scope ``token`` was signed for; InvalidFeedTokenError when it is not ours."""
        if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
            raise InvalidFeedTokenError("malformed token")
        payload, signature = token.split(".")
        # Checked before the payload is read: nothing unsigned is parsed.
        if not hmac.compare_digest(_unb64(signature), self._signature(payload)):
            raise InvalidFeedTokenError("bad signature")
        return _scope(orjson.loads(_unb64(payload)))

    def _signature(self, payload: str) -> bytes:
        return hmac.new(self._secret, _CONTEXT + payload.encode(), hashlib.sha256).digest()


def _scope(value: object) -> FeedScope:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InvalidFeedTokenError("malformed scope")
    try:
        kind = FeedKind(value[0])
    except ValueError:
        raise InvalidFeedTokenError("unknown feed kind") from None
    if len(value) - 1 != _ARITY[kind]:
        raise InvalidFeedTokenError("malformed scope")
    return FeedScope(kind, tuple(value[1:]))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidFeedTokenError("malformed token") from None


@dataclass(frozen=True)
class FeedWindow:
    """How far back and ahead of today a feed reaches."""

    days_back: int
    days_ahead: int

    def dates(self, today: date) -> tuple[date, date]:
        return today - timedelta(days=self.days_back), today + timedelta(days=self.days_ahead)


@dataclass(frozen=True)
class Feed:
    """A rendered feed and its entity tag."""

    body: bytes
    etag: str


class FeedService:
    """Mints feed links and renders the feeds they open."""

    def __init__(
        self,
        signer: FeedSigner | None,
        window: FeedWindow,
        base_url: str | None,
        *,
        calendars: CalendarService,
        bookings: BookingService,
        appointments: AppointmentService,
        appointments_zone: tzinfo,
    ) -> None:
        self._signer = signer
        self.window = window
        self.base_url = base_url
        """The gateway's public root for links; None: the root a minting request came to."""
        self._calendars = calendars
        self._bookings = bookings
        self._appointments = appointments
        self._zone = appointments_zone

    async def mint(self, scope: FeedScope) -> str:
        """A token for ``scope``, once its ids are known to name something."""
        signer = self._require_signer()
        for value in scope.ids:
            if not value.strip() or len(value) > MAX_ID_LENGTH:
                raise InvalidInputError("id", f"ids are 1 to {MAX_ID_LENGTH} characters")
        if scope.kind is FeedKind.APPOINTMENTS:
            require_oid(scope.ids[0], "calendarId")
        if scope.kind is FeedKind.HOLIDAYS:
            # An external id is accepted: the link names the calendar by its own id.
            calendar = await self._calendars.get(CalendarRef(*scope.ids))
            scope = FeedScope(scope.kind, (*scope.ids[:2], calendar.id))
        return signer.token(scope)

    def url(self, token: str, request_base_url: str) -> str:
        """The link to the feed ``token`` opens: under FEED_BASE_URL, else the request's root."""
        base = (self.base_url or request_base_url).rstrip("/")
        return base + PATH.format(token=token)

    async def render(self, token: str, today: date) -> Feed:
        """The feed ``token`` opens, for the window around ``today``."""
        scope = self._require_signer().scope(token)
        first, last = self.window.dates(today)
        body = await self._body(scope, first, last, today)
        # Strong: the body is the same bytes for the same data on the same day.
        return Feed(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')

    async def _body(self, scope: FeedScope, first: date, last: date, today: date) -> bytes:
        if scope.kind is FeedKind.BOOKINGS:
            company, resource_id = scope.ids
            reply = await self._bookings.in_range(company, first, last)
            mine = [b for b in reply.value if b.resource.id == resource_id]
            return vcalendar.bookings(mine, f"{company} {resource_id}", today)
        if scope.kind is FeedKind.APPOINTMENTS:
            (calendar_id,) = scope.ids
            listing = await self._appointments.listing(calendar_id, first, last)
            return vcalendar.appointments(
                listing.appointments, listing.series, calendar_id, self._zone, today
            )
        calendar = await self._calendars.get(CalendarRef(*scope.ids))
        return vcalendar.holidays(calendar, first, last, today)

    def _require_signer(self) -> FeedSigner:
        if self._signer is None:
            raise FeedsDisabledError("feeds are off: set CALENDAR_GATEWAY_FEED_SECRET")
        return self._signer
