"""The simulated Synergist diary: resources, time summaries (estimates) and bookings.

Durations are kept in whole minutes so the unallocated figures add up exactly.
The create rules are our reading of docs/vendors/synergist.md (Create):

- the bookings go on the working days from the start date up to the end date, or on the
  first ``calNumberOfDays`` working days; the end's time of day is not used (the vendor's
  own example passes end == start);
- one booking per working day, from the start time (not before the working day starts)
  until the end of that working day, filled in order until the duration is used up;
- a duration longer than the working hours of those days is reduced to them, with a warning;
- ISO fields without a time and no shorter duration give all-day bookings;
- no duration, or one of zero or less, gives a minimum-length booking on each day.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

# Synergist documents no errorcode values besides the HTTP 404 ErrorIDs; these are ours.
MISSING_PARAMETER = 1001
INVALID_INPUT = 1002
BOOKING_NOT_FOUND = 2001
TIME_SUMMARY_NOT_FOUND = 2002
RESOURCE_NOT_FOUND = 2003
NO_WORKING_TIME = 2004


class DiaryError(Exception):
    """The vendor's ``success:false`` answer: an errorcode and its message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class WorkingTime:
    """Which weekdays (Monday = 0) are worked, and from when to when."""

    days: frozenset[int]
    starts: time
    ends: time

    def is_working(self, day: date) -> bool:
        return day.weekday() in self.days

    @property
    def day_minutes(self) -> int:
        return _minute_of_day(self.ends) - _minute_of_day(self.starts)

    def days_between(self, first: date, last: date) -> list[date]:
        return [d for d in _dates(first, (last - first).days + 1) if self.is_working(d)]

    def first_days(self, first: date, count: int) -> list[date]:
        found: list[date] = []
        if not self.days:
            return found
        day = first
        while len(found) < count:
            if self.is_working(day):
                found.append(day)
            day += timedelta(days=1)
        return found


@dataclass(frozen=True)
class Resource:
    id: int
    name: str
    initials: str


@dataclass(frozen=True)
class TimeSummary:
    """An estimate line: one charge code on one job phase."""

    id: int
    client_code: str
    client_name: str
    job_number: str
    job_description: str
    job_handler: str
    phase: str
    phase_description: str
    charge_code: str
    charge_description: str
    estimated_minutes: int
    timesheet_minutes: int
    draft_minutes: int
    colour: str
    weak_link: int

    @property
    def company(self) -> str:
        return self.client_code.split("/", 1)[0]

    @property
    def job_and_phase(self) -> str:
        return f"{self.job_number}.{self.phase}"

    @property
    def job_number_simple(self) -> str:
        return self.job_number.split("/", 1)[-1].lstrip("0")

    @property
    def unallocated_key(self) -> str:
        return f"{self.job_and_phase}###{self.charge_code}"


@dataclass(frozen=True)
class Requisition:
    id: int
    subject: str
    details: str


@dataclass(frozen=True)
class Booking:
    """A diary entry; it may span several days at ``minutes_per_day`` each."""

    id: int
    uuid: str
    time_summary_id: int
    resource_id: int
    start: datetime
    end: datetime
    all_day: bool
    number_of_days: int
    minutes_per_day: int
    status: str = ""
    requisition: Requisition | None = None
    modified: int = 0
    version: int = 0

    @property
    def minutes(self) -> int:
        return self.number_of_days * self.minutes_per_day


@dataclass(frozen=True)
class NewBooking:
    """One ``create`` input item, parsed."""

    time_summary_id: int
    resource_id: int
    start: datetime
    start_has_time: bool
    end: date | None
    number_of_days: int | None
    duration_minutes: int | None


@dataclass(frozen=True)
class BookingChange:
    """One ``update`` input item, parsed; None leaves a field alone."""

    key: str
    start: datetime | None
    end: datetime | None
    all_day: bool | None
    resource_id: int | None


@dataclass(frozen=True)
class Allocation:
    estimated_minutes: int
    booked_minutes: int
    timesheet_minutes: int
    draft_minutes: int
    initials: str

    @property
    def remaining_minutes(self) -> int:
        return self.estimated_minutes - self.booked_minutes


@dataclass
class Diary:
    """All state of one simulator; mutated only by the methods below."""

    working: WorkingTime
    minimum_minutes: int
    max_days: int
    resources: dict[int, Resource] = field(default_factory=dict)
    time_summaries: dict[int, TimeSummary] = field(default_factory=dict)
    bookings: dict[int, Booking] = field(default_factory=dict)
    last_id: int = 0
    """The highest id handed out: ids are never reused, not even a deleted booking's."""

    def find(self, key: str) -> Booking:
        """A booking by diary id or UUID."""
        wanted = key.strip()
        if wanted.isdigit() and int(wanted) in self.bookings:
            return self.bookings[int(wanted)]
        for booking in self.bookings.values():
            if booking.uuid.upper() == wanted.upper():
                return booking
        raise DiaryError(BOOKING_NOT_FOUND, f"Booking {wanted} not found")

    def time_summary(self, time_summary_id: int) -> TimeSummary:
        found = self.time_summaries.get(time_summary_id)
        if found is None:
            raise DiaryError(TIME_SUMMARY_NOT_FOUND, f"Time summary {time_summary_id} not found")
        return found

    def resource(self, resource_id: int) -> Resource:
        found = self.resources.get(resource_id)
        if found is None:
            raise DiaryError(RESOURCE_NOT_FOUND, f"Resource {resource_id} not found")
        return found

    def allocation(self, time_summary_id: int) -> Allocation:
        summary = self.time_summary(time_summary_id)
        mine = [b for b in self.bookings.values() if b.time_summary_id == time_summary_id]
        initials = sorted({self.resources[b.resource_id].initials for b in mine})
        return Allocation(
            estimated_minutes=summary.estimated_minutes,
            booked_minutes=sum(b.minutes for b in mine),
            timesheet_minutes=summary.timesheet_minutes,
            draft_minutes=summary.draft_minutes,
            initials=",".join(initials),
        )

    def create(self, items: list[NewBooking]) -> tuple[list[Booking], list[str]]:
        """Plan every item before storing any, so a bad item creates nothing."""
        plans = [(item, self._plan(item)) for item in items]
        created: list[Booking] = []
        warnings: list[str] = []
        for item, plan in plans:
            created.extend(self._store_slot(item, slot) for slot in plan.slots)
            if plan.warning:
                warnings.append(plan.warning)
        return created, warnings

    def update(self, changes: list[BookingChange], now: int) -> tuple[list[Booking], list[str]]:
        """Validate every change before storing any; warn of bookings off working days."""
        updated = [self._changed(change, now) for change in changes]
        for booking in updated:
            self.bookings[booking.id] = booking
        return updated, [
            f"Booking {b.id} starts on {b.start.date()}, which is not a working day"
            for b in updated
            if not self.working.is_working(b.start.date())
        ]

    def delete(self, keys: list[str]) -> list[Booking]:
        doomed = [self.find(key) for key in keys]
        for booking in doomed:
            self.bookings.pop(booking.id, None)
        return doomed

    def in_range(self, company: str, first: date | None, last: date | None) -> list[Booking]:
        found = [
            b
            for b in self.bookings.values()
            if self.time_summaries[b.time_summary_id].company == company
            and (first is None or b.end.date() >= first)
            and (last is None or b.start.date() <= last)
        ]
        return sorted(found, key=lambda b: (b.start, b.id))

    def _plan(self, item: NewBooking) -> Plan:
        self.time_summary(item.time_summary_id)
        self.resource(item.resource_id)
        days = self._days(item)
        if not days:
            raise DiaryError(NO_WORKING_TIME, "No working days in the requested range")
        return plan_slots(item, days, self.working, self.minimum_minutes)

    def _days(self, item: NewBooking) -> list[date]:
        first = item.start.date()
        if item.number_of_days is not None:
            if not 1 <= item.number_of_days <= self.max_days:
                raise DiaryError(
                    INVALID_INPUT, f"calNumberOfDays must be between 1 and {self.max_days}"
                )
            return self.working.first_days(first, item.number_of_days)
        if item.end is None:
            raise DiaryError(MISSING_PARAMETER, "calIsoDateTimeEnd or calNumberOfDays is required")
        if item.end < first:
            raise DiaryError(INVALID_INPUT, "calIsoDateTimeEnd is before calIsoDateTimeStart")
        if (item.end - first).days >= self.max_days:
            raise DiaryError(INVALID_INPUT, f"A booking may span at most {self.max_days} days")
        return self.working.days_between(first, item.end)

    def _store_slot(self, item: NewBooking, slot: Slot) -> Booking:
        booking = Booking(
            id=self._new_id(),
            uuid=uuid.uuid4().hex.upper(),
            time_summary_id=item.time_summary_id,
            resource_id=item.resource_id,
            start=slot.start,
            end=slot.end,
            all_day=slot.all_day,
            number_of_days=1,
            minutes_per_day=_minutes(slot.end - slot.start),
        )
        self.bookings[booking.id] = booking
        return booking

    def _new_id(self) -> int:
        # A client's normalised cache keys bookings by id: a reused one would show a
        # deleted booking's data under a new booking.
        self.last_id = max(self.last_id, max(self.bookings, default=0)) + 1
        return self.last_id

    def _changed(self, change: BookingChange, now: int) -> Booking:
        current = self.find(change.key)
        if change.resource_id is not None:
            self.resource(change.resource_id)
        start = change.start or current.start
        end = change.end or (start + (current.end - current.start) if change.start else current.end)
        all_day = current.all_day if change.all_day is None else change.all_day
        span = self._span(start, end, all_day)
        return replace(
            current,
            resource_id=change.resource_id or current.resource_id,
            start=span.start,
            end=span.end,
            all_day=all_day,
            number_of_days=span.number_of_days,
            minutes_per_day=span.minutes_per_day,
            modified=now,
            version=current.version + 1,
        )

    def _span(self, start: datetime, end: datetime, all_day: bool) -> Span:
        """Where a moved booking lies: a multi-day booking repeats its times each day."""
        if end.date() < start.date():
            raise DiaryError(INVALID_INPUT, "calIsoDateTimeEnd is before calIsoDateTimeStart")
        days = max(1, len(self.working.days_between(start.date(), end.date())))
        if all_day:
            return Span(
                datetime.combine(start.date(), self.working.starts),
                datetime.combine(end.date(), self.working.ends),
                days,
                self.working.day_minutes,
            )
        per_day = _minute_of_day(end.time()) - _minute_of_day(start.time())
        if per_day <= 0:
            raise DiaryError(INVALID_INPUT, "The booking must end after it starts each day")
        if start.date() == end.date():
            days = 1
        return Span(start, end, days, per_day)


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime
    number_of_days: int
    minutes_per_day: int


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    all_day: bool


@dataclass(frozen=True)
class Plan:
    slots: tuple[Slot, ...]
    warning: str | None = None


def plan_slots(item: NewBooking, days: list[date], working: WorkingTime, minimum: int) -> Plan:
    """The bookings one create item becomes; see the module docstring for the rules."""
    duration = item.duration_minutes
    if duration is None and not item.start_has_time:
        return _all_day(days, working)
    begins = _slot_start(item, working)
    if duration is None or duration <= 0:
        return Plan(tuple(_slot(day, begins, minimum) for day in days))
    # Every working day has the same hours in this simulator.
    room = max(0, _minute_of_day(working.ends) - _minute_of_day(begins))
    available = room * len(days)
    if available == 0:
        raise DiaryError(NO_WORKING_TIME, "No working hours after the start time in the range")
    warning = None
    if duration > available:
        warning = (
            f"Duration reduced from {hours_text(duration)} to {hours_text(available)} hours: "
            f"the working hours of {len(days)} working day(s) from {days[0]} to {days[-1]}"
        )
        duration = available
    if not item.start_has_time and duration == available:
        return replace(_all_day(days, working), warning=warning)
    return Plan(tuple(_fill(days, begins, room, duration, minimum)), warning)


def _fill(days: list[date], begins: time, room: int, duration: int, minimum: int) -> Iterator[Slot]:
    left = duration
    for day in days:
        if left <= 0:
            return
        take = min(room, max(left, minimum))
        yield _slot(day, begins, take)
        left -= take


def _all_day(days: list[date], working: WorkingTime) -> Plan:
    return Plan(
        tuple(
            Slot(datetime.combine(d, working.starts), datetime.combine(d, working.ends), True)
            for d in days
        )
    )


def _slot(day: date, begins: time, minutes: int) -> Slot:
    start = datetime.combine(day, begins)
    return Slot(start, start + timedelta(minutes=minutes), False)


def _slot_start(item: NewBooking, working: WorkingTime) -> time:
    if not item.start_has_time:
        return working.starts
    return max(item.start.time(), working.starts)


def hours_text(minutes: int) -> str:
    """Hours as Synergist prints them: 2, 0.25, 3.5."""
    return f"{round(minutes / 60, 2):g}"


def _minute_of_day(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _dates(first: date, count: int) -> Iterator[date]:
    return (first + timedelta(days=n) for n in range(count))
