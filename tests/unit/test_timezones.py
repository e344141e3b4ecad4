from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from calendar_gateway.timezones import UnknownTimeZoneError, resolve_zone

# java.time.ZoneId.SHORT_IDS
JAVA_SHORT_IDS = [
    "ACT",
    "AET",
    "AGT",
    "ART",
    "AST",
    "BET",
    "BST",
    "CAT",
    "CNT",
    "CST",
    "CTT",
    "EAT",
    "ECT",
    "EST",
    "HST",
    "IET",
    "IST",
    "JST",
    "MIT",
    "MST",
    "NET",
    "NST",
    "PLT",
    "PNT",
    "PRT",
    "PST",
    "SST",
    "VST",
]


@pytest.mark.parametrize(("zone_id", "hours"), [("EST", -5), ("MST", -7), ("HST", -10)])
def test_java_fixed_short_id_is_one_offset_all_year(zone_id: str, hours: int) -> None:
    assert resolve_zone(zone_id) == timezone(timedelta(hours=hours))


@pytest.mark.parametrize("zone_id", JAVA_SHORT_IDS)
def test_every_java_short_id_resolves(zone_id: str) -> None:
    assert resolve_zone(zone_id).utcoffset(datetime(2026, 1, 1)) is not None


@pytest.mark.parametrize(
    ("zone_id", "region"),
    [
        ("PST", "America/Los_Angeles"),
        ("CST", "America/Chicago"),
        ("ECT", "Europe/Paris"),
        ("IST", "Asia/Kolkata"),
        ("BST", "Asia/Dhaka"),
        ("JST", "Asia/Tokyo"),
    ],
)
def test_java_region_short_id_is_the_region_java_maps_it_to(zone_id: str, region: str) -> None:
    assert resolve_zone(zone_id) == ZoneInfo(region)


def test_pst_follows_daylight_saving_time() -> None:
    summer = datetime(2026, 7, 1, 12, tzinfo=resolve_zone("PST"))

    assert summer.utcoffset() == timedelta(hours=-7)


def test_iana_name_resolves_through_zoneinfo() -> None:
    assert resolve_zone("America/Cayman") == ZoneInfo("America/Cayman")


@pytest.mark.parametrize(
    "zone_id",
    ["Mars/Olympus_Mons", "", "est", "America", "../etc/passwd", "/etc/localtime", "x" * 300],
)
def test_unknown_id_raises_unknown_time_zone_error(zone_id: str) -> None:
    with pytest.raises(UnknownTimeZoneError) as raised:
        resolve_zone(zone_id)

    assert raised.value.zone_id == zone_id


def test_unknown_time_zone_error_is_a_value_error() -> None:
    assert issubclass(UnknownTimeZoneError, ValueError)
