"""Java TimeZone ids, as GRS calendars and the settings name zones, resolved to tzinfo."""

from __future__ import annotations

from datetime import timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

# java.time.ZoneId.SHORT_IDS, which java.util.TimeZone follows by default. zoneinfo knows
# EST, MST and HST as zones of its own and none of the others, so these are looked up here first.
_FIXED_SHORT_IDS: dict[str, tzinfo] = {
    "EST": timezone(timedelta(hours=-5), "EST"),
    "MST": timezone(timedelta(hours=-7), "MST"),
    "HST": timezone(timedelta(hours=-10), "HST"),
}
_REGION_SHORT_IDS: dict[str, str] = {
    "ACT": "Australia/Darwin",
    "AET": "Australia/Sydney",
    "AGT": "America/Argentina/Buenos_Aires",
    "ART": "Africa/Cairo",
    "AST": "America/Anchorage",
    "BET": "America/Sao_Paulo",
    "BST": "Asia/Dhaka",
    "CAT": "Africa/Harare",
    "CNT": "America/St_Johns",
    "CST": "America/Chicago",
    "CTT": "Asia/Shanghai",
    "EAT": "Africa/Addis_Ababa",
    "ECT": "Europe/Paris",
    "IET": "America/Indiana/Indianapolis",
    "IST": "Asia/Kolkata",
    "JST": "Asia/Tokyo",
    "MIT": "Pacific/Apia",
    "NET": "Asia/Yerevan",
    "NST": "Pacific/Auckland",
    "PLT": "Asia/Karachi",
    "PNT": "America/Phoenix",
    "PRT": "America/Puerto_Rico",
    "PST": "America/Los_Angeles",
    "SST": "Pacific/Guadalcanal",
    "VST": "Asia/Ho_Chi_Minh",
}


class UnknownTimeZoneError(ValueError):
    """A zone id that neither Java's short ids nor the IANA database knows."""

    def __init__(self, zone_id: str) -> None:
        super().__init__(f"unknown time zone id {zone_id!r}")
        self.zone_id = zone_id


def resolve_zone(zone_id: str) -> tzinfo:
    """The zone a Java TimeZone id names: a short id as Java maps it, else an IANA name."""
    if zone_id in _FIXED_SHORT_IDS:
        return _FIXED_SHORT_IDS[zone_id]
    try:
        return ZoneInfo(_REGION_SHORT_IDS.get(zone_id, zone_id))
    # zoneinfo answers a malformed key with ValueError, a missing one with KeyError, and a
    # directory or an overlong name with OSError.
    except (ValueError, KeyError, OSError) as error:
        raise UnknownTimeZoneError(zone_id) from error
