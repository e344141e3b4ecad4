"""The Genesys Rules System (GRS) business-calendar API, as its REST API 8.5 pages describe it.

Routes are relative to the vendor mount ``/grs/v1``. ``_admin/stats`` counts requests under the
vendor pages' operation names: login, queryTenants, permissions, queryBusinessCalendars,
queryBusinessCalendarBody, createCalendar, modifyCalendar, modifyCalendarBody, deleteCalendar,
lockCalendar, unlockCalendar.

Where the pages are silent, this simulator chooses (see docs/vendors/grs.md):

- A lock belongs to the API token: another token, even of the same user, gets 412; the same
  token may relock. Unlocking a calendar nobody holds is a 204 no-op; unlocking one that another
  token holds is 412. A lock ends with its token (expiry, ``_admin/expire-tokens``, reset).
- Checks run in the order a JAX-RS service meets them: 415 (matched while routing), 401, 403 for
  the tenant, 403 for the permission, 404 package, 404 calendar, 400 unreadable JSON, 412 lock,
  422 fields. 422 reports every failing field at once.
- Tenant ``1`` ("Environment") is also reachable as ``default``; its one package is ``default``.
- Modify leaves a blank or non-string ``name`` unchanged (the page defines no code for it) and
  treats ``null`` as "not given". Stored exceptions keep only the fields their ``type`` and
  ``placement`` use; the others read back as 0 / null, as on the body page.
- Create, modify and body replacement answer with the external id as ``calendarId`` (as their
  pages show) and the calendar's true lock state (the modify page's ``locked: false`` cannot be:
  modifying needs the lock).
- ``lastLogin`` is the user's previous login in epoch ms, 0 on the first.

Admin routes: those of every simulator (simulators/__init__.py), and ``POST``/``DELETE
_admin/lock/tenant/{t}/package/{p}/calendar/{id}`` (``?user=other`` by default): lock a calendar
as another user, with a token of its own, or release its lock whoever holds it - to see a UI's
"locked by someone else" without GRS calls.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from calendar_gateway.simulators.admin import Admin
from calendar_gateway.simulators.calendars.seed import (
    CALENDARS,
    CREATE,
    DELETE,
    MODIFY,
    PACKAGE,
    TENANT,
    USERS,
    VIEW,
    Tenant,
    User,
)
from calendar_gateway.simulators.calendars.store import Calendar, Store, find, seeded
from calendar_gateway.simulators.calendars.validation import (
    CALENDAR_FIELDS,
    create_errors,
    exception_errors,
    is_name,
    modify_errors,
    stored_exception,
)
from calendar_gateway.simulators.payload import JsonObject

Handler = Callable[[Request], Awaitable[Response]]

FIRST_CREATED_NUMBER = 201
"""New calendars are numbered Calendar_201, Calendar_202, ... (above the seeds' 117 and 190)."""


@dataclass(frozen=True)
class CalendarsSimulatorConfig:
    """How the GRS simulator behaves.

    ``clock`` measures token idleness in seconds; tests pass a fake one to expire tokens
    without sleeping. ``seed`` off starts with no calendars (users and tenant stay).
    """

    token_idle_timeout_seconds: float = 1800.0
    latency_seconds: float = 0.0
    seed: bool = True
    clock: Callable[[], float] = time.monotonic


class _VendorError(Exception):
    """An error answer: ``{"message": ...}``, plus ``errors`` for validation failures."""

    def __init__(self, status: int, message: str, errors: list[JsonObject] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors

    def response(self) -> JSONResponse:
        body: JsonObject = {"message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        return JSONResponse(body, status_code=self.status)


def _validation_failed(errors: list[JsonObject]) -> _VendorError:
    return _VendorError(422, "Validation Failed", errors)


# --- sessions and permissions ---------------------------------------------------------------------


_USERS = {user.name: user for user in USERS}

_CALENDAR_PERMISSION_FLAGS = {
    "canViewCalendar": VIEW,
    "canCreateCalendar": CREATE,
    "canModifyCalendar": MODIFY,
    "canDeleteCalendar": DELETE,
}
# The permissions page lists these too; the simulator grants no rule, package or template rights.
_OTHER_PERMISSION_FLAGS = (
    "canCreatePackage",
    "canModifyPackage",
    "canDeletePackage",
    "canDeployPackage",
    "canViewRule",
    "canCreateRule",
    "canModifyRule",
    "canEditRuleOnly",
    "canDeleteRule",
    "canViewPackageSnapshot",
    "canCreatePackageSnapshot",
    "canDeletePackageSnapshot",
    "canViewTestScenario",
    "canCreateTestScenario",
    "canModifyTestScenario",
    "canDeleteTestScenario",
    "canExecuteTestScenario",
    "canCreateTemplate",
    "canModifyTemplate",
    "canDeleteTemplate",
)


@dataclass
class _Session:
    token: str
    user: User
    last_used: float


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, secret = decoded.partition(":")
    return (user, secret) if colon else None


def _find(store: Store, calendar_id: str) -> Calendar:
    calendar = find(store, calendar_id)
    if calendar is None:
        raise _VendorError(404, "Could not find specified calendar ID")
    return calendar


# --- request bodies -------------------------------------------------------------------------------


def _require_json(request: Request) -> None:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise _VendorError(415, "Content-Type must be application/json")


async def _payload(request: Request) -> object:
    """The JSON a request carries, for the record; None when it carries none."""
    body = await request.body()
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


async def _json_object(request: Request) -> JsonObject:
    try:
        body = json.loads(await request.body())
    except ValueError as error:
        raise _VendorError(400, "Request body is not valid JSON") from error
    if not isinstance(body, dict):
        raise _VendorError(400, "Request body must be a JSON object")
    return body


def _exception_list(body: JsonObject) -> list[JsonObject]:
    items = body.get("exceptions")
    if not isinstance(items, list):
        raise _VendorError(400, "exceptions must be a list")
    exceptions = [item for item in items if isinstance(item, dict)]
    if len(exceptions) != len(items):
        raise _VendorError(400, "each exception must be a JSON object")
    return exceptions


# --- the API --------------------------------------------------------------------------------------


class _Simulator:
    """State and endpoints of one simulated GRS server."""

    def __init__(self, config: CalendarsSimulatorConfig) -> None:
        self.config = config
        self.admin = Admin(config.latency_seconds)
        self.sessions: dict[str, _Session] = {}
        self.last_logins: dict[str, int] = {}
        self.stores: dict[tuple[int, str], Store] = {}
        self.next_number = FIRST_CREATED_NUMBER
        self.reset()

    def reset(self) -> None:
        self.sessions.clear()
        self.last_logins.clear()
        self.next_number = FIRST_CREATED_NUMBER
        self.stores = {(TENANT.node_id, package): {} for package in TENANT.packages}
        if self.config.seed:
            calendars = map(seeded, CALENDARS)
            self.stores[(TENANT.node_id, PACKAGE)] = {c.calendar_id: c for c in calendars}

    def operation(self, name: str, handler: Handler) -> Handler:
        """Count, delay and run one vendor operation, answering vendor errors in their shape."""

        async def endpoint(request: Request) -> Response:
            entry = self.admin.record(name, request, body=await _payload(request))
            await self.admin.delay()
            try:
                response = await handler(request)
            except _VendorError as error:
                response = error.response()
            entry["status"] = response.status_code
            return response

        return endpoint

    # sessions and locks

    def end_sessions(self, tokens: Iterable[str]) -> int:
        ended = [self.sessions.pop(token) for token in list(tokens)]
        # GRS: a lock lasts until unlocked or until its token times out.
        for store in self.stores.values():
            for calendar in store.values():
                if calendar.lock_token not in self.sessions:
                    calendar.lock_token = None
        return len(ended)

    def expire_idle_sessions(self) -> None:
        now = self.config.clock()
        timeout = self.config.token_idle_timeout_seconds
        self.end_sessions(t for t, s in self.sessions.items() if now - s.last_used >= timeout)

    def authenticate(self, request: Request) -> _Session:
        self.expire_idle_sessions()
        credentials = _basic_credentials(request)
        if credentials is None:
            raise _VendorError(401, "APIToken not valid")
        user, token = credentials
        session = self.sessions.get(token)
        if session is None or session.user.name != user:
            raise _VendorError(401, "APIToken not valid")
        session.last_used = self.config.clock()
        return session

    def lock_fields(self, calendar: Calendar) -> JsonObject:
        owner = self.sessions.get(calendar.lock_token) if calendar.lock_token else None
        return {"locked": owner is not None, "lockOwner": owner.user.name if owner else None}

    # addressing

    def package(self, request: Request, *permissions: str) -> tuple[_Session, Store]:
        """Authenticate; resolve the path's tenant and package for a caller with ``permissions``."""
        session = self.authenticate(request)
        tenant = _tenant(request.path_params["tenantId"])
        if not session.user.permissions.issuperset(permissions):
            raise _VendorError(403, "User does not have the correct permission for this operation")
        store = self.stores.get((tenant.node_id, request.path_params["packageId"]))
        if store is None:
            raise _VendorError(404, "Could not find specified package ID")
        return session, store

    def calendar(self, request: Request, *permissions: str) -> tuple[_Session, Store, Calendar]:
        session, store = self.package(request, *permissions)
        return session, store, _find(store, request.path_params["calendarId"])

    # representations

    def described(self, calendar: Calendar) -> JsonObject:
        return {
            "name": calendar.settings["name"],
            **self.lock_fields(calendar),
            **calendar.settings,
        }

    def listed(self, calendar: Calendar) -> JsonObject:
        return {
            "calendarId": calendar.calendar_id,
            "extCalendarId": calendar.external_id,
            **self.described(calendar),
        }

    def answered(self, calendar: Calendar) -> JsonObject:
        """The shape create, modify and body replacement answer with: the external id."""
        return {"calendarId": calendar.external_id, **self.described(calendar)}

    # endpoints

    async def login(self, request: Request) -> Response:
        user = _password_user(request)
        if user.must_change_password:
            # The login page's 422 has an integer code and no field.
            return JSONResponse(
                {
                    "message": "Validation Failed",
                    "errors": [{"code": 1000, "message": "Password Change Required"}],
                },
                status_code=422,
            )
        token = secrets.token_hex(32)
        self.sessions[token] = _Session(token, user, self.config.clock())
        last_login = self.last_logins.get(user.name, 0)
        self.last_logins[user.name] = int(time.time() * 1000)
        return JSONResponse({"apiToken": token, "lastLogin": last_login})

    async def tenants(self, request: Request) -> Response:
        self.authenticate(request)
        return JSONResponse({"tenants": [{"nodeId": TENANT.node_id, "name": TENANT.name}]})

    async def permissions(self, request: Request) -> Response:
        session = self.authenticate(request)
        _tenant(request.path_params["tenantId"])
        flags: JsonObject = dict.fromkeys(_OTHER_PERMISSION_FLAGS, False)
        for flag, permission in _CALENDAR_PERMISSION_FLAGS.items():
            flags[flag] = permission in session.user.permissions
        return JSONResponse(flags)

    async def list_calendars(self, request: Request) -> Response:
        _, store = self.package(request, VIEW)
        return JSONResponse({"calendars": [self.listed(c) for c in store.values()]})

    async def calendar_body(self, request: Request) -> Response:
        _, _, calendar = self.calendar(request, VIEW)
        return JSONResponse(
            {
                "calendarId": calendar.calendar_id,
                "externalId": calendar.external_id,
                **self.described(calendar),
                "exceptions": calendar.exceptions,
            }
        )

    async def create_calendar(self, request: Request) -> Response:
        # JAX-RS refuses the media type while routing, before any filter authenticates.
        _require_json(request)
        _, store = self.package(request, CREATE, VIEW)
        body = await _json_object(request)
        errors = create_errors(body)
        if errors:
            raise _validation_failed(errors)
        calendar = Calendar(
            str(uuid.uuid4()),
            f"Calendar_{self.next_number}",
            {key: body[key] for key in CALENDAR_FIELDS},
        )
        self.next_number += 1
        store[calendar.calendar_id] = calendar
        return JSONResponse(self.answered(calendar), status_code=201)

    async def modify_calendar(self, request: Request) -> Response:
        _require_json(request)
        session, _, calendar = self.calendar(request, MODIFY)
        body = await _json_object(request)
        _require_lock(calendar, session)
        # Fields other than the page's list are ignored; null means "not given".
        given = {k: v for k, v in body.items() if k in CALENDAR_FIELDS and v is not None}
        errors = modify_errors(given)
        if errors:
            raise _validation_failed(errors)
        if not is_name(given.get("name")):
            given.pop("name", None)
        calendar.settings.update(given)
        return JSONResponse(self.answered(calendar), status_code=201)

    async def modify_calendar_body(self, request: Request) -> Response:
        _require_json(request)
        session, _, calendar = self.calendar(request, MODIFY)
        exceptions = _exception_list(await _json_object(request))
        _require_lock(calendar, session)
        errors = exception_errors(exceptions)
        if errors:
            raise _validation_failed(errors)
        # A complete replacement of the body, not a merge.
        calendar.exceptions = [stored_exception(e) for e in exceptions]
        return JSONResponse(
            {**self.answered(calendar), "exceptions": calendar.exceptions}, status_code=201
        )

    async def delete_calendar(self, request: Request) -> Response:
        session, store, calendar = self.calendar(request, DELETE)
        _require_lock(calendar, session)
        del store[calendar.calendar_id]
        return Response(status_code=204)

    async def lock_calendar(self, request: Request) -> Response:
        session, _, calendar = self.calendar(request, VIEW, MODIFY)
        if calendar.lock_token not in (None, session.token):
            raise _VendorError(412, "Another user holds the lock for this resource")
        calendar.lock_token = session.token
        return Response(status_code=204)

    async def unlock_calendar(self, request: Request) -> Response:
        session, _, calendar = self.calendar(request)
        if calendar.lock_token not in (None, session.token):
            raise _VendorError(412, "Another user holds the lock for this resource")
        calendar.lock_token = None
        return Response(status_code=204)

    def expire_tokens(self) -> int:
        return self.end_sessions(self.sessions)

    async def admin_lock(self, request: Request) -> Response:
        """Lock a calendar as another user (``?user=``, default ``other``), to try a UI."""
        name = request.query_params.get("user", "other")
        user = _USERS.get(name)
        if user is None:
            raise _VendorError(404, f"No user {name!r}: one of {', '.join(_USERS)}")
        calendar = self._admin_calendar(request)
        # The lock belongs to a token of that user's own, as if it had logged in elsewhere.
        token = secrets.token_hex(32)
        self.sessions[token] = _Session(token, user, self.config.clock())
        calendar.lock_token = token
        return JSONResponse(self.lock_fields(calendar))

    async def admin_unlock(self, request: Request) -> Response:
        """Release a calendar's lock, whoever holds it."""
        self._admin_calendar(request).lock_token = None
        return Response(status_code=204)

    def _admin_calendar(self, request: Request) -> Calendar:
        tenant = _tenant(request.path_params["tenantId"])
        store = self.stores.get((tenant.node_id, request.path_params["packageId"]))
        if store is None:
            raise _VendorError(404, "Could not find specified package ID")
        return _find(store, request.path_params["calendarId"])


def _password_user(request: Request) -> User:
    credentials = _basic_credentials(request)
    if credentials is not None:
        name, password = credentials
        user = _USERS.get(name)
        if user is not None and secrets.compare_digest(user.password.encode(), password.encode()):
            return user
    raise _VendorError(401, "Userid/Password not valid")


def _tenant(tenant_id: str) -> Tenant:
    # GRS answers an unknown tenant like a forbidden one.
    if tenant_id not in TENANT.path_ids:
        raise _VendorError(403, "User does not have permission for the specified tenant ID")
    return TENANT


def _require_lock(calendar: Calendar, session: _Session) -> None:
    if calendar.lock_token != session.token:
        raise _VendorError(412, "Calendar was not locked first")


def create_app(config: CalendarsSimulatorConfig | None = None) -> Starlette:
    """The GRS simulator; mount it at ``/grs/v1``."""
    sim = _Simulator(config or CalendarsSimulatorConfig())
    package = "/tenant/{tenantId}/package/{packageId}"
    body = f"{package}/businesscalendarbody/{{calendarId}}"
    calendar = f"{package}/calendar/{{calendarId}}"
    vendor_routes = (
        ("GET", "/login", "login", sim.login),
        ("GET", "/tenants", "queryTenants", sim.tenants),
        ("GET", "/permissions/{tenantId}", "permissions", sim.permissions),
        ("GET", f"{package}/calendars", "queryBusinessCalendars", sim.list_calendars),
        ("GET", body, "queryBusinessCalendarBody", sim.calendar_body),
        ("PUT", body, "modifyCalendarBody", sim.modify_calendar_body),
        ("POST", f"{package}/calendar", "createCalendar", sim.create_calendar),
        ("PUT", calendar, "modifyCalendar", sim.modify_calendar),
        ("DELETE", calendar, "deleteCalendar", sim.delete_calendar),
        ("GET", f"{package}/lockcalendar/{{calendarId}}", "lockCalendar", sim.lock_calendar),
        ("GET", f"{package}/unlockcalendar/{{calendarId}}", "unlockCalendar", sim.unlock_calendar),
    )
    routes = [
        Route(path, sim.operation(name, handler), methods=[method])
        for method, path, name, handler in vendor_routes
    ]
    routes += [
        Route(
            f"/_admin/lock{package}/calendar/{{calendarId}}",
            _admin_route(sim.admin_lock),
            methods=["POST"],
        ),
        Route(
            f"/_admin/lock{package}/calendar/{{calendarId}}",
            _admin_route(sim.admin_unlock),
            methods=["DELETE"],
        ),
    ]
    return Starlette(routes=[*routes, *sim.admin.routes(sim)])


def _admin_route(handler: Handler) -> Handler:
    """A GRS-only admin route: vendor errors in their shape, not counted, not delayed."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except _VendorError as error:
            return error.response()

    return endpoint
