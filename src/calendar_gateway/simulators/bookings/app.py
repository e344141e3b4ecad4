"""A Synergist JSON API simulator: ``calendar.json`` as docs/vendors/synergist.md describes it.

Mounted at ``/jsonapi``. GET (query string) and POST (form fields) take the same
parameters. Failures come in the vendor's two shapes: ``success:false`` with an
``errorcode``, or HTTP 404 with an XML ``<Error ErrorID=...>`` body for credential
problems and unknown actions. Responses keep the vendor's type drift: ids that go in
as strings come out as ints, ``calNumberOfDays`` and ``calHoursPerDay`` come out as strings.
"""

from __future__ import annotations

import hashlib
import math
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape, quoteattr

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from calendar_gateway.simulators.admin import Admin
from calendar_gateway.simulators.bookings.diary import (
    INVALID_INPUT,
    Booking,
    Diary,
    DiaryError,
    TimeSummary,
    WorkingTime,
    hours_text,
)
from calendar_gateway.simulators.bookings.seed import USERS, seed
from calendar_gateway.simulators.bookings.validation import (
    Params,
    booking_change,
    input_items,
    new_booking,
    optional_date,
    require,
    required_field,
    whole,
)
from calendar_gateway.simulators.payload import JsonObject

NO_CREDENTIALS = 404001
INVALID_CREDENTIALS = 404002
ACCOUNT_DISABLED = 404003
NOT_RECOGNISED = 404004


@dataclass(frozen=True)
class BookingsSimulatorConfig:
    """How the simulated Synergist server behaves.

    ``working_days`` counts Monday as 0; bookings are planned within ``day_starts`` to
    ``day_ends``. ``minimum_booking_minutes`` is the vendor's "minimal duration as
    specified in system settings". ``latency_seconds`` delays every vendor request.
    """

    seed: bool = True
    latency_seconds: float = 0.0
    working_days: frozenset[int] = frozenset(range(5))
    day_starts: time = time(9, 0)
    day_ends: time = time(17, 30)
    minimum_booking_minutes: int = 15
    max_booking_days: int = 366


@dataclass(frozen=True)
class Answer:
    data: list[JsonObject]
    warnings: list[str] = field(default_factory=list)
    paging: JsonObject = field(default_factory=dict)


class BookingsSimulator:
    """The server's state: the diary, and what it has been asked."""

    def __init__(self, config: BookingsSimulatorConfig) -> None:
        self.config = config
        self.diary = self._new_diary()
        self.admin = Admin(config.latency_seconds)
        self.actions: dict[str, Callable[[Params], Answer]] = {
            "calendarrefresh": self.refresh,
            "create": self.create,
            "update": self.update,
            "delete": self.delete,
            "calendardisplay": self.display,
            "unallocated": self.unallocated,
        }

    def reset(self) -> None:
        self.diary = self._new_diary()

    def expire_tokens(self) -> int:
        """Synergist has no tokens: credentials come with every request."""
        return 0

    def _new_diary(self) -> Diary:
        diary = Diary(
            working=WorkingTime(
                self.config.working_days, self.config.day_starts, self.config.day_ends
            ),
            minimum_minutes=self.config.minimum_booking_minutes,
            max_days=self.config.max_booking_days,
        )
        if self.config.seed:
            seed(diary)
        return diary

    async def calendar(self, request: Request) -> Response:
        params = await _params(request)
        action = params.get("action", "")
        operation = action if action in self.actions else "unrecognised"
        entry = self.admin.record(operation, request, url=str(request.url), action=action)
        await self.admin.delay()
        response = self._answer(params)
        entry["status"] = response.status_code
        return response

    def _answer(self, params: Params) -> Response:
        action = params.get("action", "")
        refused = _refusal(params)
        if refused is not None:
            return refused
        handler = self.actions.get(action)
        if handler is None:
            return _xml_error(NOT_RECOGNISED, "Request not recognised")
        try:
            require(params, "version")
            answer = handler(params)
        except DiaryError as error:
            return _failure(error)
        return _success(answer)

    def refresh(self, params: Params) -> Answer:
        return Answer([self._render(self.diary.find(require(params, "diary")))])

    def create(self, params: Params) -> Answer:
        items = [new_booking(item) for item in input_items(params)]
        created, warnings = self.diary.create(items)
        return Answer([self._render(b) for b in created], warnings)

    def update(self, params: Params) -> Answer:
        changes = [booking_change(item) for item in input_items(params)]
        updated, warnings = self.diary.update(changes, now=int(clock.time()))
        return Answer([self._render(b) for b in updated], warnings)

    def delete(self, params: Params) -> Answer:
        keys = [required_field(item, "calDiaryInternal") for item in input_items(params)]
        deleted = self.diary.delete(keys)
        return Answer([{"calDiaryInternal": b.id, "calUuid": b.uuid} for b in deleted])

    def display(self, params: Params) -> Answer:
        company = require(params, "company")
        found = self.diary.in_range(
            company, optional_date(params.get("datefrom")), optional_date(params.get("dateto"))
        )
        return _paged([self._render(b) for b in found], params)

    def unallocated(self, params: Params) -> Answer:
        rows = [
            self._estimate(summary)
            for summary in self.diary.time_summaries.values()
            if _matches(summary, params)
        ]
        open_rows = [row for row in rows if row["calendarunallocatedremaining"] > 0]
        return _paged(_sorted(open_rows, params), params)

    def _render(self, booking: Booking) -> JsonObject:
        summary = self.diary.time_summaries[booking.time_summary_id]
        resource = self.diary.resources[booking.resource_id]
        record: JsonObject = {
            "calUuid": booking.uuid,
            "calDiaryInternal": booking.id,
            "calResourceId": str(resource.id),
            "calResourceName": resource.name,
            **_job_fields(summary),
            "calStageCode": "",
            "calTaskDescription": "",
            "calChargeCode": summary.charge_code,
            "calChargeCodeDescription": summary.charge_description,
            "calDescription": "",
            "calNotes": "",
            "calStatus": booking.status,
            "calRequestStatus": "",
            # Both pages show the date of the booking's last day here.
            "calStartDate": booking.end.date().isoformat(),
            "calStartTime": booking.start.time().isoformat(),
            "calEndTime": booking.end.time().isoformat(),
        }
        if booking.requisition is not None:
            record["calRequisitionId"] = booking.requisition.id
            record["calRequisitionSubject"] = booking.requisition.subject
            record["calRequisitionDetails"] = booking.requisition.details
        record |= {
            "calIsoDateTimeStart": booking.start.isoformat(),
            "calIsoDateTimeEnd": booking.end.isoformat(),
            "calAllDay": booking.all_day,
            "calColourHex": summary.colour,
            "calFeedback": "TODO",
            "calWeakLink": summary.weak_link,
            **self._figures(summary),
            "calNumberOfDays": str(booking.number_of_days),
            "calDurationDescription": _description(booking),
            "calHoursPerDay": hours_text(booking.minutes_per_day),
            "calTimeStampModified": booking.modified,
            "calRecordVersionNumber": booking.version,
        }
        return record

    def _estimate(self, summary: TimeSummary) -> JsonObject:
        return {
            **_job_fields(summary),
            "calChargeCode": summary.charge_code,
            "calChargeCodeDescription": summary.charge_description,
            **self._figures(summary),
        }

    def _figures(self, summary: TimeSummary) -> JsonObject:
        allocation = self.diary.allocation(summary.id)
        return {
            "calendarunallocatedunique": summary.unallocated_key,
            "calendarunallocatedestimated": _hours(allocation.estimated_minutes),
            "calendarunallocatedbooked": _hours(allocation.booked_minutes),
            "calendarunallocatedremaining": _hours(allocation.remaining_minutes),
            "calendarunallocatedtimesheets": _hours(allocation.timesheet_minutes),
            "calendarunallocateddraft": _hours(allocation.draft_minutes),
            "calendarunallocatedinitials": allocation.initials,
        }


def create_app(config: BookingsSimulatorConfig | None = None) -> Starlette:
    """The simulator's routes, relative to the ``/jsonapi`` mount point."""
    simulator = BookingsSimulator(config or BookingsSimulatorConfig())
    return Starlette(
        routes=[
            Route("/calendar.json", simulator.calendar, methods=["GET", "POST"]),
            *simulator.admin.routes(simulator),
        ]
    )


async def _params(request: Request) -> dict[str, str]:
    params = dict(request.query_params)
    if request.method == "POST" and request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    ):
        body = (await request.body()).decode()
        params |= dict(parse_qsl(body, keep_blank_values=True))
    return params


def _refusal(params: Params) -> Response | None:
    user = params.get("user", "")
    password = params.get("password", "")
    digest = params.get("sha512password", "")
    if not user or not (password or digest):
        return _xml_error(NO_CREDENTIALS, "No credentials supplied")
    known = next((u for u in USERS if u.name == user), None)
    if known is None or not _password_matches(known.password, password, digest):
        return _xml_error(INVALID_CREDENTIALS, "Invalid credentials")
    if not known.enabled:
        return _xml_error(ACCOUNT_DISABLED, "Account disabled")
    return None


def _password_matches(expected: str, password: str, digest: str) -> bool:
    if digest:
        return hashlib.sha512(expected.encode()).hexdigest().lower() == digest.lower()
    return password == expected


def _xml_error(error_id: int, text: str) -> Response:
    body = (
        f"<Error ErrorID={quoteattr(str(error_id))}><ErrorText>{escape(text)}</ErrorText></Error>"
    )
    return Response(body, status_code=404, media_type="application/xml")


def _success(answer: Answer) -> Response:
    return JSONResponse(
        {
            "responsecode": 1,
            "responsestatus": "OK",
            "errorcode": 0,
            "errormessage": "",
            "responsemessage": "data processed successfully.",
            "warningmessage": "\n".join(answer.warnings),
            "success": True,
            **answer.paging,
            "data": answer.data,
        }
    )


def _failure(error: DiaryError) -> Response:
    return JSONResponse(
        {
            "responsecode": 0,
            "responsestatus": "ERROR",
            "errorcode": error.code,
            "errormessage": error.message,
            "responsemessage": "",
            "warningmessage": "",
            "success": False,
            "data": [],
        }
    )


def _paged(rows: list[JsonObject], params: Params) -> Answer:
    page = whole(params.get("page", "0") or "0", "page")
    size = whole(params.get("rows", "0") or "0", "rows")
    if size == 0:
        chosen, pages = rows, 1
    else:
        chosen, pages = rows[page * size : (page + 1) * size], math.ceil(len(rows) / size)
    return Answer(
        chosen,
        paging={
            "totalrows": len(rows),
            "totalpages": pages,
            "pagenumber": page,
            "pagerows": len(chosen),
        },
    )


SORT_KEYS: dict[str, str] = {
    "client": "calClientCode",
    "job": "calJobNumber",
    "jobphase": "calJobAndPhase",
    "estimated": "calendarunallocatedestimated",
    "booked": "calendarunallocatedbooked",
    "remaining": "calendarunallocatedremaining",
}


def _sorted(rows: list[JsonObject], params: Params) -> list[JsonObject]:
    sort = params.get("sort") or "jobphase"
    direction = (params.get("direction") or "asc").lower()
    if sort not in SORT_KEYS or direction not in {"asc", "desc"}:
        raise DiaryError(INVALID_INPUT, f"Cannot sort by {sort} {direction}")
    return sorted(rows, key=lambda row: row[SORT_KEYS[sort]], reverse=direction == "desc")


def _matches(summary: TimeSummary, params: Params) -> bool:
    wanted = {
        "company": {summary.company},
        "client": {summary.client_code},
        "job": {summary.job_number, summary.job_number_simple},
        "jobphase": {summary.job_and_phase, f"{summary.job_number_simple}.{summary.phase}"},
    }
    return all(not params.get(name) or params[name] in values for name, values in wanted.items())


def _job_fields(summary: TimeSummary) -> JsonObject:
    return {
        "calTimeSummaryInternal": summary.id,
        "calClientCode": summary.client_code,
        "calClientName": summary.client_name,
        "calJobNumber": summary.job_number,
        "calJobNumberSimple": summary.job_number_simple,
        "calJobDescription1stLine": summary.job_description,
        "calJobHandlerName": summary.job_handler,
        "calJobAndPhase": summary.job_and_phase,
        "calJobPhaseNumberSimple": f"{summary.job_number_simple}.{summary.phase}",
        "calPhaseDescription1stLine": summary.phase_description,
    }


def _description(booking: Booking) -> str:
    """As the pages word it: "0.25 hour", "3 day, 2 hours per day"."""
    hours = hours_text(booking.minutes_per_day)
    unit = "hour" if booking.minutes_per_day <= 60 else "hours"
    if booking.all_day:
        return f"{booking.number_of_days} day"
    if booking.number_of_days == 1:
        return f"{hours} {unit}"
    return f"{booking.number_of_days} day, {hours} {unit} per day"


def _hours(minutes: int) -> int | float:
    value = round(minutes / 60, 2)
    return int(value) if value.is_integer() else value
