"""Scalars the vendors need beyond GraphQL's and Strawberry's own, and the time rules they carry.

``DateTime`` is an instant: RFC 3339 with an offset, in answers and in inputs, so a browser's
``new Date(...)`` reads the same instant in every zone. A vendor's wall-clock time that names
no zone is a ``LocalDateTime``; an all-day side is a ``Date``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

LocalTime = NewType("LocalTime", time)
LocalDateTime = NewType("LocalDateTime", datetime)

RFC_3339 = "https://datatracker.ietf.org/doc/html/rfc3339"
ISO_8601 = "https://www.iso.org/iso-8601-date-and-time-format.html"

_LOCAL_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# RFC 3339 section 5.6 date-time; the offset is what makes it one instant. "T" may also be
# "t" or a space (5.6, NOTE), and "Z" "z".
_DATE_TIME = re.compile(
    r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(?:\.\d{1,6})?(?P<offset>[Zz]|[+-]\d\d:\d\d)?"
)
# ISO 8601 extended format without an offset; seconds may be left out.
_LOCAL_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")


def _parse_local_time(value: object) -> time:
    match = _LOCAL_TIME.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"LocalTime must be HH:MM (00:00-23:59), got {value!r}")
    return time(int(match[1]), int(match[2]))


def _serialize_local_time(value: time) -> str:
    return value.strftime("%H:%M")


def parse_date_time(value: object) -> datetime:
    """An aware datetime from RFC 3339 text; a time without offset is refused, never guessed."""
    text = value if isinstance(value, str) else ""
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        raise ValueError(
            f"DateTime must be an RFC 3339 date-time such as 2026-11-23T09:00:00+01:00, "
            f"got {value!r}"
        )
    if match["offset"] is None:
        raise ValueError(
            f"DateTime must carry an offset (Z or +HH:MM), got {value!r}: "
            "a time without one is not an instant"
        )
    try:
        return datetime.fromisoformat(text.upper().replace(" ", "T"))
    except ValueError as error:
        raise ValueError(f"DateTime {value!r} is not a real date-time: {error}") from None


def serialize_date_time(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        # A bug of ours, never the client's: every answer must name its instant.
        raise TypeError("a DateTime answer must carry an offset")
    return value.isoformat()


def parse_local_date_time(value: object) -> datetime:
    """A naive datetime from ISO 8601 text; an offset is refused (it could not be honoured)."""
    if not isinstance(value, str) or _LOCAL_DATE_TIME.fullmatch(value) is None:
        raise ValueError(
            "LocalDateTime must be a wall-clock date-time without offset, "
            f"such as 2020-05-05T14:30:00, got {value!r}"
        )
    try:
        return datetime.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"LocalDateTime {value!r} is not a real date-time: {error}") from None


def serialize_local_date_time(value: datetime) -> str:
    if value.tzinfo is not None:
        raise TypeError("a LocalDateTime answer must not carry an offset")
    return value.isoformat(timespec="seconds")


def _parse_date(value: object) -> date:
    if not isinstance(value, str) or _DATE.fullmatch(value) is None:
        raise ValueError(f"Date must be YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"Date {value!r} is not a real date: {error}") from None


SCALARS: dict[object, ScalarDefinition] = {
    LocalTime: strawberry.scalar(
        name="LocalTime",
        description='A wall-clock time of day without date or zone, as "HH:MM".',
        serialize=_serialize_local_time,
        parse_value=_parse_local_time,
    ),
    datetime: strawberry.scalar(
        name="DateTime",
        description="An instant: an RFC 3339 date-time with its offset, e.g. "
        '"2026-11-23T09:00:00+01:00" or "2026-11-23T08:00:00Z". Answers always carry one '
        "(+00:00 for UTC); an input without one is refused.",
        specified_by_url=RFC_3339,
        serialize=serialize_date_time,
        parse_value=parse_date_time,
    ),
    LocalDateTime: strawberry.scalar(
        name="LocalDateTime",
        description="A vendor's wall-clock date-time with no zone, ISO 8601 without offset, "
        'e.g. "2020-05-05T14:30:00". Not an instant: the field says which zone it is read in.',
        specified_by_url=ISO_8601,
        serialize=serialize_local_date_time,
        parse_value=parse_local_date_time,
    ),
    date: strawberry.scalar(
        name="Date",
        description='A calendar date without time or zone, "YYYY-MM-DD" (RFC 3339 full-date).',
        specified_by_url=RFC_3339,
        serialize=date.isoformat,
        parse_value=_parse_date,
    ),
}
