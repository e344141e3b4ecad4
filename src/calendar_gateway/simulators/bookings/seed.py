"""The Synergist simulator's starting state, taken from the pages docs/vendors/synergist.md names.

Values the pages show are copied exactly. What they leave out is invented and marked
so: names of resources that appear only as ids, time summary 1014302 (used by the
create examples but never shown), one booking that makes the page's figures add up, and
booking 136006, which the Calendar Refresh example request asks for (its answer shows
137463) on an estimate of its own that it books in full, so no other figure changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from calendar_gateway.simulators.bookings.diary import (
    Booking,
    Diary,
    Requisition,
    Resource,
    TimeSummary,
)


@dataclass(frozen=True)
class User:
    name: str
    password: str
    enabled: bool


USERS = (
    User("user", "user", enabled=True),  # the pages' example credentials
    User("disabled", "disabled", enabled=False),  # invented: for error 404003
)

RESOURCES = (
    Resource(405, "Mr.Later", "ML"),
    Resource(34, "Freelancer.01", "F0"),
    Resource(35, "Freelancer.Contract", "FC"),  # invented: the "FC" of "F0,FC"
    Resource(5, "Designer.05", "D5"),  # invented: the create example's calResourceId
    Resource(198, "Engineer.198", "E1"),  # invented: the multi-day examples' calResourceId
)

TIME_SUMMARIES = (
    TimeSummary(  # invented: the estimate of booking 136006, fully booked
        id=1012214,
        client_code="3/ET",
        client_name="Egon Test",
        job_number="3/00001015",
        job_description="Here is the job description",
        job_handler="Adele.Graham",
        phase="002",
        phase_description="Egon - Training 2",
        charge_code="3/R1",
        charge_description="Rail Engineer 1",
        estimated_minutes=4 * 60,
        timesheet_minutes=0,
        draft_minutes=0,
        colour="FFFFFF",
        weak_link=5306,
    ),
    TimeSummary(
        id=1012213,
        client_code="3/ET",
        client_name="Egon Test",
        job_number="3/00001015",
        job_description="Here is the job description",
        job_handler="Adele.Graham",
        phase="001",
        phase_description="Egon - Training 1",
        charge_code="3/R1",
        charge_description="Rail Engineer 1",
        estimated_minutes=2 * 60,
        timesheet_minutes=14 * 60,
        draft_minutes=0,
        colour="FFFFFF",
        weak_link=5305,
    ),
    TimeSummary(
        id=1005543,
        client_code="1/1DFHTEST",
        client_name="SnakeByte Software",
        job_number="1/00010481",
        job_description="No date dependencies test",
        job_handler="David.Harvey",
        phase="H01",
        phase_description="Design 2t",
        charge_code="1/ALT",
        charge_description="Amends New",
        estimated_minutes=1 * 60,
        timesheet_minutes=0,
        draft_minutes=0,
        colour="EBFF00",
        weak_link=6011,
    ),
    TimeSummary(  # invented: the pages only name its id
        id=1014302,
        client_code="1/1DFHTEST",
        client_name="SnakeByte Software",
        job_number="1/00010482",
        job_description="Rollout training",
        job_handler="David.Harvey",
        phase="001",
        phase_description="Training days",
        charge_code="1/ALT",
        charge_description="Amends New",
        estimated_minutes=200 * 60,  # the examples pass 200 as the hours left on the estimate
        timesheet_minutes=0,
        draft_minutes=0,
        colour="9FC5E8",
        weak_link=6012,
    ),
)

BOOKINGS = (
    Booking(  # invented: the Calendar Refresh example request asks for diary=136006
        id=136006,
        uuid="1C2D3E4F5A6B4C7D8E9F0A1B2C3D4E5F",
        time_summary_id=1012214,
        resource_id=405,
        start=datetime(2017, 11, 13, 9, 0),
        end=datetime(2017, 11, 14, 11, 0),
        all_day=False,
        number_of_days=2,
        minutes_per_day=2 * 60,
        status="Normal",
    ),
    Booking(  # docs/vendors/synergist.md: the "Calendar Refresh" example
        id=137463,
        uuid="5D0E6C1B8A4F4E7C9B2A3D4E5F607182",  # invented: the page shows none
        time_summary_id=1012213,
        resource_id=405,
        start=datetime(2017, 11, 7, 9, 0),
        end=datetime(2017, 11, 9, 11, 0),
        all_day=False,
        number_of_days=3,
        minutes_per_day=2 * 60,
        status="Normal",
        requisition=Requisition(7562, "job level reqisitiion", "here is a desc"),
    ),
    Booking(  # invented: three booked hours that make 56570's "booked 3.25" true
        id=56569,
        uuid="0B6F1C9E2D7A4B3C8E5F6A7B8C9D0E1F",
        time_summary_id=1005543,
        resource_id=35,
        start=datetime(2017, 7, 10, 9, 0),
        end=datetime(2017, 7, 10, 12, 0),
        all_day=False,
        number_of_days=1,
        minutes_per_day=3 * 60,
    ),
    Booking(  # docs/vendors/synergist.md: the "Create" example response
        id=56570,
        uuid="A3492EF45155B8438C2D13AA6F6030D2",
        time_summary_id=1005543,
        resource_id=34,
        start=datetime(2017, 7, 10, 14, 30),
        end=datetime(2017, 7, 10, 14, 45),
        all_day=False,
        number_of_days=1,
        minutes_per_day=15,
    ),
)


def seed(diary: Diary) -> None:
    diary.resources.update({r.id: r for r in RESOURCES})
    diary.time_summaries.update({t.id: t for t in TIME_SUMMARIES})
    diary.bookings.update({b.id: b for b in BOOKINGS})
