"""Xelion's times read as ``datetime.strptime(text, XELION_TIME)`` reads them, errors included."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calendar_gateway.upstreams.xelion_session import XELION_TIME, parse_xelion_time


def outcome(parse: Callable[[str], datetime], text: str) -> datetime | str:
    try:
        return parse(text)
    except ValueError as error:
        return f"ValueError: {error}"


def strptime(text: str) -> datetime:
    return datetime.strptime(text, XELION_TIME)


EDGES = itertools.product(
    ["0000", "0001", "2024", "2026", "9999"],
    ["00", "01", "02", "12", "13"],
    ["00", "01", "28", "29", "30", "31", "32"],
    ["00", "23", "24", "99"],
    ["00", "59", "60"],
    ["00", "59", "60", "61"],
)


def test_every_edge_of_every_field_reads_as_strptime_reads_it() -> None:
    texts = ["{}-{}-{} {}:{}:{}".format(*fields) for fields in EDGES]
    differ = [t for t in texts if outcome(parse_xelion_time, t) != outcome(strptime, t)]
    assert differ == []


@pytest.mark.parametrize(
    "text",
    [
        "2026-1-5 3:4:5",
        "2026-12-06T10:00:00",
        "2026-12-06 10:00:00.5",
        "2026-12-06 10:00:00+01:00",
        "2026-12-06 10:00",
        " 2026-12-06 10:00:00",
        "2026-12-06 10:00:00 ",
        "２０２６-12-06 10:00:00",
        "",
    ],
)
def test_other_shapes_read_as_strptime_reads_them(text: str) -> None:
    assert outcome(parse_xelion_time, text) == outcome(strptime, text)


@given(st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}", fullmatch=True))
def test_any_full_width_time_reads_as_strptime_reads_it(text: str) -> None:
    assert outcome(parse_xelion_time, text) == outcome(strptime, text)


@given(st.text(alphabet="0123456789-: T+.", max_size=24))
def test_any_text_reads_as_strptime_reads_it(text: str) -> None:
    assert outcome(parse_xelion_time, text) == outcome(strptime, text)
