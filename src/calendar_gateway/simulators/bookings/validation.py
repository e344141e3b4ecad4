"""The Synergist API's input: request parameters and the ``input`` JSON of create, update, delete.

Failures raise ``DiaryError`` with the vendor's error codes, as the diary does.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from calendar_gateway.simulators.bookings.diary import (
    INVALID_INPUT,
    MISSING_PARAMETER,
    BookingChange,
    DiaryError,
    NewBooking,
)
from calendar_gateway.simulators.payload import JsonObject

Params = Mapping[str, str]


def require(params: Params, name: str) -> str:
    value = params.get(name, "")
    if not value:
        raise DiaryError(MISSING_PARAMETER, f"Parameter {name} is required")
    return value


def input_items(params: Params) -> list[JsonObject]:
    try:
        parsed = json.loads(require(params, "input"))
    except json.JSONDecodeError as error:
        raise DiaryError(INVALID_INPUT, f"input is not valid JSON: {error.msg}") from error
    data = parsed.get("data") if isinstance(parsed, dict) else None
    if not isinstance(data, list) or not data or not all(isinstance(i, dict) for i in data):
        raise DiaryError(INVALID_INPUT, 'input must be {"data": [ {...}, ... ]}')
    return data


def new_booking(item: JsonObject) -> NewBooking:
    start, has_time = _iso(item, "calIsoDateTimeStart")
    if start is None:
        raise DiaryError(MISSING_PARAMETER, "calIsoDateTimeStart is required")
    end, _ = _iso(item, "calIsoDateTimeEnd")
    days = _text(item, "calNumberOfDays")
    duration = _text(item, "calDurationDecimalHours")
    return NewBooking(
        time_summary_id=whole(
            required_field(item, "calTimeSummaryInternal"), "calTimeSummaryInternal"
        ),
        resource_id=_whole_field(item, "calResourceId"),
        start=start,
        start_has_time=has_time,
        end=end.date() if end else None,
        number_of_days=whole(days, "calNumberOfDays") if days else None,
        duration_minutes=_minutes(_decimal(duration)) if duration else None,
    )


def booking_change(item: JsonObject) -> BookingChange:
    start, _ = _iso(item, "calIsoDateTimeStart")
    end, _ = _iso(item, "calIsoDateTimeEnd")
    resource = _text(item, "calResourceId")
    return BookingChange(
        key=required_field(item, "calDiaryInternal"),
        start=start,
        end=end,
        all_day=_flag(item.get("calAllDay")),
        resource_id=whole(resource, "calResourceId") if resource else None,
    )


def _whole_field(item: JsonObject, name: str) -> int:
    return whole(required_field(item, name), name)


def required_field(item: JsonObject, name: str) -> str:
    text = _text(item, name)
    if text is None:
        raise DiaryError(MISSING_PARAMETER, f"{name} is required")
    return text


def _text(item: JsonObject, name: str) -> str | None:
    """A field as text: the vendor accepts strings and numbers alike."""
    value = item.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise DiaryError(INVALID_INPUT, f"{name} must be a string or a number")
    return str(value)


def _iso(item: JsonObject, name: str) -> tuple[datetime | None, bool]:
    text = _text(item, name)
    if text is None:
        return None, False
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise DiaryError(INVALID_INPUT, f"{name} is not an ISO date-time: {text}") from error
    if moment.tzinfo is not None:
        raise DiaryError(INVALID_INPUT, f"{name} must be a local date-time without zone")
    return moment, "T" in text or " " in text


def optional_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise DiaryError(INVALID_INPUT, f"Not a YYYY-MM-DD date: {text}") from error


def whole(text: str, name: str) -> int:
    if not text.strip().isdigit():
        raise DiaryError(INVALID_INPUT, f"{name} must be a whole number: {text}")
    return int(text)


def _decimal(text: str) -> float:
    try:
        value = float(text)
    except ValueError as error:
        raise DiaryError(INVALID_INPUT, f"Not a number: {text}") from error
    if not math.isfinite(value):
        raise DiaryError(INVALID_INPUT, f"Not a number: {text}")
    return value


def _minutes(hours: float) -> int:
    # Exactly, so that no duration overflows: Synergist reduces any that is too long.
    return round(Decimal(hours) * 60)


def _flag(value: object) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes"}
