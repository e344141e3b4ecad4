"""What the GRS business-calendar API accepts: its documented 422 checks, page by page.

Each check is a rule: the request key, the vendor's code, field and message, and a predicate.
Create, modify and body replacement each number their codes from 1000 as their own page does.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeGuard

from calendar_gateway.simulators.payload import JsonObject


@dataclass(frozen=True)
class _Rule:
    """One documented 422 check: ``key`` in the request, reported as ``field`` with ``code``."""

    key: str
    code: str
    message: str
    accepts: Callable[[object], bool]
    field: str | None = None

    def error(self) -> JsonObject:
        return {"code": self.code, "field": self.field or self.key, "message": self.message}


def _failures(rules: Iterable[_Rule], body: JsonObject) -> list[JsonObject]:
    return [rule.error() for rule in rules if not rule.accepts(body.get(rule.key))]


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_between(low: int, high: int) -> Callable[[object], bool]:
    def accepts(value: object) -> bool:
        return _is_int(value) and low <= value <= high

    return accepts


def _one_of(*choices: str) -> Callable[[object], bool]:
    return lambda value: isinstance(value, str) and value in choices


def is_name(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


# Java's TimeZone knows these three-letter ids (java.time.ZoneId.SHORT_IDS); zoneinfo knows
# only EST, MST and HST of them.
_JAVA_SHORT_IDS = frozenset({
    "EST", "HST", "MST", "ACT", "AET", "AGT", "ART", "AST", "BET", "BST",
    "CAT", "CNT", "CST", "CTT", "EAT", "ECT", "IET", "IST", "JST", "MIT",
    "NET", "NST", "PLT", "PNT", "PRT", "PST", "SST", "VST",
})  # fmt: skip


@functools.cache
def _time_zone_ids() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | _JAVA_SHORT_IDS


def _is_time_zone_id(value: object) -> bool:
    return isinstance(value, str) and value in _time_zone_ids()


def _calendar_rule(key: str, code: str, low: int, high: int) -> _Rule:
    return _Rule(
        key, code, f"{key} is invalid. Must be between {low} and {high}.", _int_between(low, high)
    )


def _value_message(low: int, high: int) -> str:
    return f"Invalid value. Must be between {low} and {high}"


def _value_rule(key: str, code: str, low: int, high: int) -> _Rule:
    return _Rule(key, code, _value_message(low, high), _int_between(low, high))


_ZONE_MESSAGE = "Unrecognized time zone ID."

_CREATE_RULES = (
    _Rule("name", "1000", "name must be specified", is_name),
    _calendar_rule("weekStarts", "1001", 1, 7),
    _calendar_rule("weekEnds", "1002", 1, 7),
    _calendar_rule("dayStartsHour", "1003", 0, 23),
    _calendar_rule("dayEndsHour", "1004", 0, 23),
    _calendar_rule("dayStartsMin", "1005", 0, 59),
    _calendar_rule("dayEndsMin", "1006", 0, 59),
    _Rule("timeZoneId", "1007", _ZONE_MESSAGE, _is_time_zone_id, field="timeZoneID"),
)

# The modify page numbers its codes one below create's: it has no name check.
_MODIFY_RULES = (
    _calendar_rule("weekStarts", "1000", 1, 7),
    _calendar_rule("weekEnds", "1001", 1, 7),
    _calendar_rule("dayStartsHour", "1002", 0, 23),
    _calendar_rule("dayEndsHour", "1003", 0, 23),
    _calendar_rule("dayStartsMin", "1004", 0, 59),
    _calendar_rule("dayEndsMin", "1005", 0, 59),
    _Rule("timeZoneId", "1006", _ZONE_MESSAGE, _is_time_zone_id, field="timeZoneID"),
)

_EXCEPTION_RULES = (
    _Rule(
        "type",
        "1000",
        "Invalid type. Must be HOLIDAY or TIME_CHANGE",
        _one_of("HOLIDAY", "TIME_CHANGE"),
    ),
    _Rule(
        "placement",
        "1001",
        "Invalid placement. Must be ANNUAL, FIXED or RELATIVE",
        _one_of("ANNUAL", "FIXED", "RELATIVE"),
    ),
)
_PLACEMENT_RULES = {
    "FIXED": (
        _Rule("fixedDate", "1002", "fixedDate must be specified with type of FIXED", _is_int),
    ),
    "ANNUAL": (
        _value_rule("annualMonth", "1003", 1, 12),
        _Rule("annualDay", "1004", "Invalid value. Must be between 1 and 31.", _int_between(1, 31)),
    ),
    "RELATIVE": (
        _Rule(
            "relativeType",
            "1005",
            "Invalid value, must be EVERY, FIRST, SECOND, THIRD, FOURTH, or LAST",
            _one_of("EVERY", "FIRST", "SECOND", "THIRD", "FOURTH", "LAST"),
        ),
        _value_rule("relativeDayOfWeek", "1006", 1, 7),
        # The message says 1-12, but the body page's notes and its examples use 0 = every month.
        _Rule("relativeMonth", "1007", _value_message(1, 12), _int_between(0, 12)),
    ),
}
_TIME_CHANGE_RULES = (
    _value_rule("timeChangeStartHour", "1008", 0, 23),
    _value_rule("timeChangeStartMin", "1009", 0, 59),
    _value_rule("timeChangeStopHour", "1010", 0, 23),
    _value_rule("timeChangeStopMin", "1011", 0, 59),
)

_EXCEPTION_DEFAULTS: JsonObject = {
    "type": None,
    "placement": None,
    "fixedDate": None,
    "annualMonth": 0,
    "annualDay": 0,
    "relativeType": None,
    "relativeDayOfWeek": 0,
    "relativeMonth": 0,
    "timeChangeStartHour": 0,
    "timeChangeStartMin": 0,
    "timeChangeStopHour": 0,
    "timeChangeStopMin": 0,
}


def _exception_rules(exception: JsonObject) -> tuple[_Rule, ...]:
    """The checks that apply to one exception: its placement's fields, its type's fields."""
    placement = exception.get("placement")
    rules: tuple[_Rule, ...] = _EXCEPTION_RULES
    if isinstance(placement, str):
        rules += _PLACEMENT_RULES.get(placement, ())
    if exception.get("type") == "TIME_CHANGE":
        rules += _TIME_CHANGE_RULES
    return rules


CALENDAR_FIELDS = tuple(rule.key for rule in _CREATE_RULES)
"""What create sets and modify may update: name, weekStarts, ..., timeZoneId."""


def create_errors(calendar: JsonObject) -> list[JsonObject]:
    return _failures(_CREATE_RULES, calendar)


def modify_errors(changes: JsonObject) -> list[JsonObject]:
    """Checks only the fields given; ``name`` has no code on the modify page."""
    return _failures((rule for rule in _MODIFY_RULES if rule.key in changes), changes)


def exception_errors(exceptions: Iterable[JsonObject]) -> list[JsonObject]:
    return [error for e in exceptions for error in _failures(_exception_rules(e), e)]


def stored_exception(exception: JsonObject) -> JsonObject:
    """Keeps the fields the exception's type and placement use; the rest read 0 / null."""
    used = {rule.key: exception.get(rule.key) for rule in _exception_rules(exception)}
    return {"name": exception.get("name"), **_EXCEPTION_DEFAULTS, **used}
