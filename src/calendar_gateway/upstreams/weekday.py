"""The days of the week, as GRS and Xelion both name them."""

from __future__ import annotations

from enum import IntEnum


class Weekday(IntEnum):
    """Numbered from 1 = Sunday, as GRS numbers them (docs/vendors/grs.md, Fields and time)."""

    SUNDAY = 1
    MONDAY = 2
    TUESDAY = 3
    WEDNESDAY = 4
    THURSDAY = 5
    FRIDAY = 6
    SATURDAY = 7
