"""The Xelion REST API v1 appointments client: calls over one session, Xelion's errors typed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import httpx

from calendar_gateway.upstreams.appointment_model import (
    Appointment,
    AppointmentPage,
    AppointmentSummary,
    DiaryOwner,
    NewAppointment,
)
from calendar_gateway.upstreams.appointments_wire import (
    OID,
    PatchOperation,
    checked_oid,
    parse_appointment,
    parse_summary,
    to_create_payload,
)
from calendar_gateway.upstreams.errors import (
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    UnauthenticatedError,
    UpstreamError,
    UpstreamUnavailableError,
    VendorError,
)
from calendar_gateway.upstreams.retry import RetryPolicy, parse_retry_after
from calendar_gateway.upstreams.xelion_session import (
    UPSTREAM,
    XelionFailure,
    XelionSession,
    json_object,
)

DEFAULT_LIMIT = 15  # the calendar pages' default page size
_DIARY_PATHS = {
    DiaryOwner.CALENDAR: "calendars/{oid}",
    DiaryOwner.ADDRESSABLE: "addressables/{oid}/calendar",
}


class AppointmentsClient:
    """Appointments over one Xelion session, with Xelion's errors typed.

    A 401 costs one re-login and a retry. A 429 refuses a request before it runs, so any
    request is sent again as ``retry`` says (the gateway's one policy, UPSTREAM_RETRY_*),
    before it becomes RateLimitedError.
    """

    def __init__(self, session: XelionSession, *, retry: RetryPolicy | None = None) -> None:
        self._session = session
        self._retry = retry or RetryPolicy()

    async def get(self, oid: str) -> Appointment:
        response = await self._call("GET", f"appointments/{checked_oid(oid)}")
        return parse_appointment(_object(response))

    async def calendar(
        self,
        oid: str,
        *,
        after: date | None = None,
        before: date | None = None,
        count: int = DEFAULT_LIMIT,
    ) -> list[AppointmentSummary]:
        """Appointments of a calendar, or of a user by the user's oid, page by page to ``count``."""
        page = await self.page(DiaryOwner.CALENDAR, oid, after, before, count)
        return list(page.items)

    async def page(
        self,
        owner: DiaryOwner,
        oid: str,
        after: date | None,
        before: date | None,
        count: int,
        *,
        start_after: str | None = None,
    ) -> AppointmentPage:
        """Up to ``count`` appointments of a calendar, user or addressable, following Xelion's
        pages; from the entry after oid ``start_after`` when given (Xelion's ``after=<nextId>``)."""
        path = _DIARY_PATHS[owner].format(oid=checked_oid(oid))
        if after is None and before is None:
            # Xelion's undated list is today's; name the day, so later pages keep it.
            after = before = datetime.now(UTC).date()
        params = {"before": before.isoformat()} if before else {}
        cursor = checked_oid(start_after) if start_after else after.isoformat() if after else None
        found: list[AppointmentSummary] = []
        next_id: str | None = None
        while len(found) < count:
            page = {**params, "limit": str(count - len(found))}
            response = await self._call("GET", path, params=page | _after(cursor))
            body = json_object(response)
            entries = [parse_summary(item) for item in _list_objects(body)]
            found += entries
            next_id = _next_id(body)
            if not entries or next_id is None or next_id == cursor:
                next_id = None
                break
            cursor = next_id
        return AppointmentPage(tuple(found[:count]), len(found) > count or next_id is not None)

    async def create(self, new: NewAppointment) -> Appointment:
        response = await self._call("POST", "appointments", json=to_create_payload(new))
        return parse_appointment(_object(response))

    async def patch(self, oid: str, operations: Iterable[PatchOperation]) -> None:
        body = {"operations": [operation.to_json() for operation in operations]}
        await self._call("PATCH", f"appointments/{checked_oid(oid)}", json=body)

    async def delete(self, oid: str) -> None:
        await self._call("DELETE", f"appointments/{checked_oid(oid)}")

    async def aclose(self) -> None:
        await self._session.logout()

    async def _call(
        self, method: str, url: str, *, params: Mapping[str, str] | None = None, json: Any = None
    ) -> httpx.Response:
        relogged = False
        retries = 0
        while True:
            token, response = await self._session.send(method, url, params=params, json=json)
            if response.is_success:
                return response
            failure = XelionFailure.of(response)
            if failure.is_authentication and not relogged:
                relogged = True
                await self._session.replace(token)
                continue
            if _is_throttled(failure):
                retries += 1
                delay = self._retry.delay(retries, _retry_after(response))
                if delay is not None:
                    await asyncio.sleep(delay)
                    continue
            raise self._error(failure, response)

    def _error(self, failure: XelionFailure, response: httpx.Response) -> UpstreamError:
        if failure.is_authentication:
            return UnauthenticatedError(UPSTREAM, failure.message)
        if _is_throttled(failure):
            retry_after = _retry_after(response) or self._retry.max_delay
            return RateLimitedError(UPSTREAM, failure.message, retry_after)
        kind = _KINDS.get(failure.code or 0) or _STATUS_KINDS.get(failure.status)
        if kind is NotFoundError:
            # 404/10100 (docs/vendors/xelion.md, Errors): a request may name several ids,
            # and the answer's info, when it is one, says which was unknown.
            entity_id = failure.info if OID.fullmatch(failure.info) else None
            return NotFoundError(UPSTREAM, failure.message, entity_id=entity_id)
        if kind is not None:
            return kind(UPSTREAM, failure.message)
        return VendorError(UPSTREAM, failure.message, str(failure.code or failure.status))


_KINDS: dict[int, type[UpstreamError]] = {
    10100: NotFoundError,
    10101: ForbiddenError,
    10200: BadRequestError,
    10202: BadRequestError,
    10203: BadRequestError,
    11000: UpstreamUnavailableError,
}
_STATUS_KINDS: dict[int, type[UpstreamError]] = {
    400: BadRequestError,
    403: ForbiddenError,
    404: NotFoundError,
}


def _is_throttled(failure: XelionFailure) -> bool:
    """429/10400 too many requests in the session, 429/10402 timed out waiting for it."""
    return failure.code in (10400, 10402) or failure.status == 429


def _retry_after(response: httpx.Response) -> float | None:
    return parse_retry_after(response.headers.get("Retry-After"))


def _object(response: httpx.Response) -> Mapping[str, Any]:
    found = json_object(response).get("object")
    if not isinstance(found, dict):
        raise UpstreamUnavailableError(UPSTREAM, "Xelion answered without an object")
    return found


def _list_objects(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    data = body.get("data")
    entries = data if isinstance(data, list) else []
    return [
        e["object"] for e in entries if isinstance(e, dict) and isinstance(e.get("object"), dict)
    ]


def _after(cursor: str | None) -> dict[str, str]:
    return {"after": cursor} if cursor else {}


def _next_id(body: Mapping[str, Any]) -> str | None:
    meta = body.get("meta")
    paging = meta.get("paging") if isinstance(meta, dict) else None
    next_id = paging.get("nextId") if isinstance(paging, dict) else None
    return str(next_id) if next_id else None
