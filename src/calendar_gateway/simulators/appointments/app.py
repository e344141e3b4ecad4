"""A Xelion REST API v1 simulator: sessions and appointments as docs/vendors/xelion.md says.

Mounted at ``/api/v1/{tenant}``. Errors answer ``{"errorCode", "message", "info"}``.

Codes, from the vendor's login, renew and logout pages unless marked (inferred):

- 400/10002 no user name, 400/10003 no password, 401/10004 wrong user name and password,
  401/10005 already logged in with this userSpace, 401/10006 account disabled,
  400/10010 userSpace longer than 200 characters, 400/10011 userSpace missing (the vendor's
  table lists 10010 and 10011 after the 401 codes; 400 is (inferred): they are missing input).
- 403/10000 no Authorization header; 401/10000 a header not of the form ``xelion <token>``.
- (inferred) the vendor's "1002X invalid authentication": 401/10020 unknown token (never
  issued, logged out, or replaced by a renewal), 401/10021 token past its validUntil,
  401/10022 renewal payload is neither the renewal token nor the password.
- 404/10100 unknown oid, 403/10101 no permission (an appointment whose ``permissions``
  lacks Write or Remove), 400/10200 no payload (also (inferred) an empty operations list),
  400/10202 malformed payload or unsupported PATCH path/op, 400/10203 an id that is not an
  oid, 429/10400 more than ``max_in_flight_per_session`` requests of one session at once.
  429/10402 and 500/11000 happen only when injected (simulators/faults.py).

Also (inferred): validUntil is UTC; an expired session no longer blocks a new login with the
same userSpace; a renewal ends the old token at once; logout and delete answer 204 and create
201; lists sort by start time, ``after`` also takes the ``nextId`` of the page before, and
no dates means ``after = before =`` today (UTC). A recurring appointment is listed once, as
stored, when any of its occurrences falls on the dates (appointments/recurrence.py: our
reading; the vendor's list example shows occurrences expanded).

Admin routes: simulators/admin.py. ``_admin/stats`` counts ``throttled`` requests (429/10400).
"""

from __future__ import annotations

import functools
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from calendar_gateway.simulators.admin import Admin
from calendar_gateway.simulators.appointments.seed import USERS
from calendar_gateway.simulators.appointments.store import (
    XELION_TIME,
    AppointmentStore,
    ListQuery,
    XelionError,
    bad_payload,
    no_payload,
)
from calendar_gateway.simulators.payload import JsonObject

Handler = Callable[[Request, "Session"], Awaitable[Response]]

_DEFAULT_LIMIT = 15  # the calendar pages: "Default: 15"
_MAX_USER_SPACE = 200


@dataclass(frozen=True)
class AppointmentsSimulatorConfig:
    """How the simulated Xelion server behaves.

    ``token_lifetime_seconds`` sets validUntil after a login or renewal; ``max_limit`` caps
    the ``limit`` of a list (inferred: the pages name no maximum);
    ``max_in_flight_per_session`` is how many requests one session may have open before
    the next gets 429/10400; ``latency_seconds`` delays every vendor request (and keeps it
    in flight meanwhile); ``seed`` loads the appointments of appointments/seed.py.
    """

    seed: bool = True
    latency_seconds: float = 0.0
    token_lifetime_seconds: float = 1800.0
    max_in_flight_per_session: int = 4
    max_limit: int = 100


@dataclass
class Session:
    user_name: str
    user_space: str
    person_oid: str
    token: str
    renewal_token: str
    valid_until: datetime
    in_flight: int = 0


@dataclass
class _State:
    store: AppointmentStore
    sessions: dict[str, Session] = field(default_factory=dict)


class XelionSimulator:
    """One simulated tenant: its users' sessions and its appointment store."""

    def __init__(self, config: AppointmentsSimulatorConfig) -> None:
        self.config = config
        self.admin = Admin(config.latency_seconds)
        self.state = self._fresh_state()

    def reset(self) -> None:
        self.state = self._fresh_state()

    def expire_tokens(self) -> int:
        live = self._live_sessions()
        expired = _now() - timedelta(seconds=1)
        for session in live:
            session.valid_until = expired
        return len(live)

    def _fresh_state(self) -> _State:
        today = datetime.now(UTC).date()
        return _State(AppointmentStore(seeded=self.config.seed, today=today))

    def vendor(self, operation: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        """An authenticated vendor endpoint, counted, delayed, throttled per session."""

        async def endpoint(request: Request) -> Response:
            return await self._answer(
                operation, request, lambda: self._in_session(request, handler)
            )

        return endpoint

    async def login(self, request: Request) -> Response:
        return await self._answer("login", request, functools.partial(self._logged_in, request))

    async def _answer(
        self, operation: str, request: Request, respond: Callable[[], Awaitable[Response]]
    ) -> Response:
        entry = await self._record(operation, request)
        try:
            response = await respond()
        except XelionError as error:
            response = error_response(error)
        entry["status"] = response.status_code
        return response

    async def _in_session(self, request: Request, handler: Handler) -> Response:
        session = self._authenticate(request)
        self._admit(session)
        session.in_flight += 1
        try:
            await self.admin.delay()
            return await handler(request, session)
        finally:
            # Released before the response is sent, so a client that waits for an answer
            # before its next request never sees its own request counted.
            session.in_flight -= 1

    async def _logged_in(self, request: Request) -> Response:
        await self.admin.delay()
        return self._login(await json_body(request), request)

    def _login(self, body: object, request: Request) -> Response:
        if body is None:
            raise no_payload()
        if not isinstance(body, dict):
            raise bad_payload("failed to decode the credentials object")
        name, password, space = (body.get(key) for key in ("userName", "password", "userSpace"))
        if not isinstance(name, str) or not name:
            raise XelionError(400, 10002, "no user name specified")
        if not isinstance(password, str) or not password:
            raise XelionError(400, 10003, "no password specified")
        if not isinstance(space, str) or not space:
            raise XelionError(400, 10011, "the user space is missing")
        if len(space) > _MAX_USER_SPACE:
            raise XelionError(400, 10010, "user space must not exceed 200 characters")
        user = next((u for u in USERS if u.name == name and u.password == password), None)
        if user is None:
            raise XelionError(401, 10004, "wrong user name, password and tenant combination")
        if not user.enabled:
            raise XelionError(401, 10006, "account disabled")
        # login page: "If a session token is provided in the Authorization header then the
        # matching session is ended first."
        self.state.sessions.pop(_bearer(request) or "", None)
        if any(s.user_name == name and s.user_space == space for s in self._live_sessions()):
            raise XelionError(401, 10005, "multiple logins: user is already logged in")
        session = Session(name, space, user.person_oid, "", "", _now())
        self._issue(session)
        tenant = request.path_params.get("tenant")
        extra = {"version": "1.0", "serverVersion": "simulator", "tenant": tenant}
        return JSONResponse({**_tokens(session), **extra, "userName": name})

    async def renew(self, request: Request, session: Session) -> Response:
        body = await json_body(request)
        if body is None:
            raise no_payload()
        if not isinstance(body, str):
            raise bad_payload("expected the renewal token as a JSON string")
        password = next(u.password for u in USERS if u.name == session.user_name)
        if body not in (session.renewal_token, password):
            raise XelionError(401, 10022, "Invalid authentication", "renewal token not valid")
        del self.state.sessions[session.token]
        self._issue(session)
        return JSONResponse(_tokens(session))

    async def logout(self, request: Request, session: Session) -> Response:
        del self.state.sessions[session.token]
        return Response(status_code=204)

    async def create(self, request: Request, session: Session) -> Response:
        created = self.state.store.create(await json_body(request), session.person_oid)
        return JSONResponse(_wrapped(request, created), status_code=201)

    async def read(self, request: Request, session: Session) -> Response:
        found = self.state.store.read(request.path_params["oid"])
        return JSONResponse(_wrapped(request, found))

    async def patch(self, request: Request, session: Session) -> Response:
        self.state.store.patch(request.path_params["oid"], await json_body(request))
        return Response(status_code=204)

    async def delete(self, request: Request, session: Session) -> Response:
        self.state.store.delete(request.path_params["oid"])
        return Response(status_code=204)

    async def calendar(self, request: Request, session: Session) -> Response:
        owner = request.path_params["oid"]
        query = _list_query(request, self.config.max_limit)
        page = self.state.store.page(owner, query)
        paging = {"previousId": page.previous_id, "nextId": page.next_id}
        links = [_link("refresh", str(request.url))]
        if page.next_id is not None:
            # (inferred) the next page keeps `before`; undated lists are today's.
            before = query.before or datetime.now(UTC).date()
            following = request.url.replace_query_params(
                after=page.next_id, before=before.isoformat(), limit=query.limit
            )
            links.append(_link("next", str(following)))
        data = [{"object": item, "links": [_self_link(request, item)]} for item in page.items]
        return JSONResponse({"data": data, "meta": {"links": links, "paging": paging}})

    async def _record(self, operation: str, request: Request) -> JsonObject:
        try:
            payload = await json_body(request)
        except XelionError:
            payload = None  # the handler answers it
        if operation == "login":
            payload = None  # a password is not for the record
        return self.admin.record(operation, request, body=payload)

    def _authenticate(self, request: Request) -> Session:
        header = request.headers.get("authorization")
        if header is None:
            raise XelionError(403, 10000, "No authentication header given")
        token = _bearer(request)
        if not token:
            raise XelionError(401, 10000, "The user is not authenticated")
        session = self.state.sessions.get(token)
        if session is None:
            raise XelionError(401, 10020, "Invalid authentication", "unknown token")
        if session.valid_until <= _now():
            raise XelionError(401, 10021, "Invalid authentication", "token expired")
        return session

    def _admit(self, session: Session) -> None:
        if session.in_flight >= self.config.max_in_flight_per_session:
            self.admin.throttled += 1
            raise XelionError(429, 10400, "too many concurrent requests in this session")

    def _issue(self, session: Session) -> None:
        session.token = secrets.token_hex(32)
        session.renewal_token = secrets.token_hex(20)
        lifetime = timedelta(seconds=self.config.token_lifetime_seconds)
        session.valid_until = (_now() + lifetime).replace(microsecond=0)
        self.state.sessions[session.token] = session

    def _live_sessions(self) -> list[Session]:
        now = _now()
        return [s for s in self.state.sessions.values() if s.valid_until > now]


def create_app(config: AppointmentsSimulatorConfig | None = None) -> Starlette:
    """The Xelion API, with routes relative to its ``/api/v1/{tenant}`` mount."""
    simulator = XelionSimulator(config or AppointmentsSimulatorConfig())
    vendor = simulator.vendor
    return Starlette(
        routes=[
            Route("/me/login", simulator.login, methods=["POST"]),
            Route("/me/renew", vendor("renew", simulator.renew), methods=["POST"]),
            Route("/me/logout", vendor("logout", simulator.logout), methods=["POST"]),
            Route("/appointments", vendor("create", simulator.create), methods=["POST"]),
            Route("/appointments/{oid}", vendor("get", simulator.read), methods=["GET"]),
            Route("/appointments/{oid}", vendor("patch", simulator.patch), methods=["PATCH"]),
            Route("/appointments/{oid}", vendor("delete", simulator.delete), methods=["DELETE"]),
            Route("/calendars/{oid}", vendor("calendar", simulator.calendar), methods=["GET"]),
            Route(
                "/addressables/{oid}/calendar",
                vendor("addressable_calendar", simulator.calendar),
                methods=["GET"],
            ),
            *simulator.admin.routes(simulator),
        ]
    )


def error_response(error: XelionError) -> Response:
    body = {"errorCode": error.code, "message": error.message, "info": error.info}
    return JSONResponse(body, status_code=error.status)


async def json_body(request: Request) -> object:
    """The request's JSON payload; None when there is none."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise bad_payload("the payload is not JSON") from None


def _list_query(request: Request, max_limit: int) -> ListQuery:
    params = request.query_params
    after, before, limit = params.get("after"), params.get("before"), params.get("limit")
    if after is None and before is None:
        today = datetime.now(UTC).date()
        return ListQuery(today, None, today, min(_limit(limit), max_limit))
    after_oid = after if after is not None and after.isdigit() else None
    after_date = _date(after) if after is not None and after_oid is None else None
    before_date = _date(before) if before is not None else None
    return ListQuery(after_date, after_oid, before_date, min(_limit(limit), max_limit))


def _limit(text: str | None) -> int:
    if text is None:
        return _DEFAULT_LIMIT
    if not text.isdigit() or int(text) < 1:
        raise bad_payload(f"limit must be a positive integer, got {text!r}")
    return int(text)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise bad_payload(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "xelion" and token.strip() else None


def _tokens(session: Session) -> JsonObject:
    return {
        "authentication": session.token,
        "renewalToken": session.renewal_token,
        "validUntil": session.valid_until.strftime(XELION_TIME),
    }


def _now() -> datetime:
    return datetime.now(UTC)


def _link(rel: str, href: str) -> JsonObject:
    return {"rel": rel, "href": href, "method": "GET"}


def _self_link(request: Request, item: JsonObject) -> JsonObject:
    root = f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}"
    return _link("self", f"{root}/appointments/{item['oid']}")


def _wrapped(request: Request, item: JsonObject) -> JsonObject:
    return {"object": item, "links": [_self_link(request, item)]}
