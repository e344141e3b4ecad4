"""Scalars the vendors need beyond GraphQL's and Strawberry's own."""

from __future__ import annotations

import re
from datetime import time
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

LocalTime = NewType("LocalTime", time)

_LOCAL_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _parse_local_time(value: object) -> time:
    match = _LOCAL_TIME.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"LocalTime must be HH:MM (00:00-23:59), got {value!r}")
    return time(int(match[1]), int(match[2]))


def _serialize_local_time(value: time) -> str:
    return value.strftime("%H:%M")


SCALARS: dict[object, ScalarDefinition] = {
    LocalTime: strawberry.scalar(
        name="LocalTime",
        description='A wall-clock time of day without date or zone, as "HH:MM".',
        serialize=_serialize_local_time,
        parse_value=_parse_local_time,
    ),
}
