"""Free and busy time: a business calendar's working time against bookings and appointments.

Pure: the vendors' answers go in, intervals in UTC come out. Local times are read in one
zone, the caller's (the business calendar's unless told otherwise):

- Synergist's naive times are its server's wall clock, read with fold=0 as the working-time
  engine reads wall times. A booking over several dates takes its daily hours, start time to
  end time, on each of them; an all-day one without hours takes whole days. When it counts
  fewer days (numberOfDays) than it spans, Synergist skipped its days off: those are taken to
  be the dates between its first and last on which the business calendar has no working time.
- A Xelion all-day side is a local date: an all-day start is that date's midnight, an all-day
  end the midnight after it. A recurring appointment counts at each of its occurrences
  (services/occurrences.py).

Conflicts, within the period: the part of a booking or appointment outside working time
(ON_HOLIDAY on the date of a holiday, else OUTSIDE_WORKING_TIME), and the overlap of a
booking with an appointment. Free time is working time that no booking or appointment takes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import Enum

from calendar_gateway.services.occurrences import Occurrence, placed
from calendar_gateway.services.worktime import TimeWindow, occurrences, working_windows
from calendar_gateway.upstreams.bookings import Booking
from calendar_gateway.upstreams.calendars import BusinessCalendar, ExceptionType

_ONE_DAY = timedelta(days=1)
_MIDNIGHT = time(0, 0)


class Source(Enum):
    BOOKING = "booking"
    APPOINTMENT = "appointment"


@dataclass(frozen=True)
class Commitment:
    """A stretch of time that a booking or an appointment takes, in UTC."""

    source: Source
    item_id: str
    window: TimeWindow


@dataclass(frozen=True)
class BusyTime:
    """Time taken by bookings and appointments that overlap or touch one another."""

    window: TimeWindow
    booking_ids: tuple[str, ...]
    appointment_ids: tuple[str, ...]


class ConflictKind(Enum):
    OUTSIDE_WORKING_TIME = "outside working time"
    ON_HOLIDAY = "on a holiday"
    BOOKING_OVERLAPS_APPOINTMENT = "booking overlaps appointment"


@dataclass(frozen=True)
class Conflict:
    kind: ConflictKind
    window: TimeWindow
    booking_id: str | None = None
    appointment_id: str | None = None
    holiday: str | None = None
    """ON_HOLIDAY: the holiday's name."""


WorksOn = Callable[[date], bool]
"""Whether the business calendar has working time on a local date."""


def booking_commitments(
    booking: Booking, zone: tzinfo, period: TimeWindow, works_on: WorksOn | None
) -> list[Commitment]:
    """The stretches of ``booking`` that may touch ``period``; ``works_on`` None: every date."""
    start, end = booking.start, booking.end
    if end.time() > start.time():
        hours = start.time(), end.time()
    elif booking.all_day:
        hours = _MIDNIGHT, _MIDNIGHT
    else:
        # No daily hours to repeat: the booking is one stretch.
        return _commitments(Source.BOOKING, booking.id, [_span(start, end, zone)])
    days = _booked_days(booking, works_on, _local_dates(period, zone))
    windows = [_day_window(day, hours, zone) for day in days]
    return _commitments(Source.BOOKING, booking.id, windows)


def appointment_commitments(occurrence: Occurrence, zone: tzinfo) -> list[Commitment]:
    return _commitments(Source.APPOINTMENT, occurrence.oid, [placed(occurrence, zone)])


def works_on(calendar: BusinessCalendar, zone: tzinfo) -> WorksOn:
    def worked(day: date) -> bool:
        whole_day = _local_day(day, zone)
        return bool(working_windows(calendar, whole_day.start, whole_day.end))

    return worked


def holidays(calendar: BusinessCalendar, zone: tzinfo, period: TimeWindow) -> dict[date, str]:
    """The local dates of the period that are holidays, and a holiday's name for each."""
    first, last = _local_dates(period, zone)
    found: dict[date, str] = {}
    for exception in calendar.exceptions or ():
        if exception.type is ExceptionType.HOLIDAY:
            for day in occurrences(exception, first, last):
                found.setdefault(day, exception.name)
    return found


def busy_times(commitments: Iterable[Commitment], period: TimeWindow) -> list[BusyTime]:
    """The time taken within ``period``, merged where stretches overlap or touch."""
    clipped = sorted(_within(commitments, period), key=lambda c: c.window.start)
    groups: list[list[Commitment]] = []
    ends: list[datetime] = []
    for commitment in clipped:
        if groups and commitment.window.start <= ends[-1]:
            groups[-1].append(commitment)
            ends[-1] = max(ends[-1], commitment.window.end)
        else:
            groups.append([commitment])
            ends.append(commitment.window.end)
    return [_busy(group) for group in groups]


def free_times(working: list[TimeWindow], busy: list[BusyTime]) -> list[TimeWindow]:
    """Working time that nothing takes; ``working`` as the engine gives it for the period."""
    return _subtract(working, [b.window for b in busy])


def conflicts(
    commitments: list[Commitment],
    working: list[TimeWindow],
    holiday_names: Mapping[date, str],
    zone: tzinfo,
    period: TimeWindow,
) -> list[Conflict]:
    inside = list(_within(commitments, period))
    found = [*_off_time(inside, working, holiday_names, zone), *overlap_conflicts(inside, period)]
    return sorted(found, key=_conflict_order)


def overlap_conflicts(commitments: list[Commitment], period: TimeWindow) -> list[Conflict]:
    """The overlaps of bookings with appointments: all that is known without working time."""
    return sorted(_overlaps(list(_within(commitments, period))), key=_conflict_order)


def _booked_days(
    booking: Booking, worked: WorksOn | None, around: tuple[date, date]
) -> Iterator[date]:
    first, last = booking.start.date(), booking.end.date()
    skips_days_off = worked is not None and booking.number_of_days < (last - first).days + 1
    # Only the dates near the period matter, however long the booking.
    for day in _dates(max(first, around[0] - _ONE_DAY), min(last, around[1] + _ONE_DAY)):
        if not skips_days_off or day in (first, last) or (worked is not None and worked(day)):
            yield day


def _day_window(day: date, hours: tuple[time, time], zone: tzinfo) -> TimeWindow:
    # As the engine reads a day's hours: a closing time not after the opening is the next day's.
    opening, closing = hours
    closing_day = day if closing > opening else day + _ONE_DAY
    return TimeWindow(_wall(day, opening, zone), _wall(closing_day, closing, zone))


def _span(start: datetime, end: datetime, zone: tzinfo) -> TimeWindow:
    return TimeWindow(_wall(start.date(), start.time(), zone), _wall(end.date(), end.time(), zone))


def _wall(day: date, wall: time, zone: tzinfo) -> datetime:
    return datetime.combine(day, wall.replace(tzinfo=None, fold=0), zone).astimezone(UTC)


def _midnight(day: date, zone: tzinfo) -> datetime:
    return _wall(day, _MIDNIGHT, zone)


def _local_day(day: date, zone: tzinfo) -> TimeWindow:
    return TimeWindow(_midnight(day, zone), _midnight(day + _ONE_DAY, zone))


def _local_dates(period: TimeWindow, zone: tzinfo) -> tuple[date, date]:
    return period.start.astimezone(zone).date(), period.end.astimezone(zone).date()


def _dates(first: date, last: date) -> Iterator[date]:
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def _commitments(source: Source, item_id: str, windows: list[TimeWindow]) -> list[Commitment]:
    return [Commitment(source, item_id, w) for w in windows if w.start < w.end]


def _within(commitments: Iterable[Commitment], period: TimeWindow) -> Iterator[Commitment]:
    for commitment in commitments:
        window = _intersection(commitment.window, period)
        if window is not None:
            yield Commitment(commitment.source, commitment.item_id, window)


def _intersection(one: TimeWindow, other: TimeWindow) -> TimeWindow | None:
    start, end = max(one.start, other.start), min(one.end, other.end)
    return TimeWindow(start, end) if start < end else None


def _busy(group: list[Commitment]) -> BusyTime:
    def ids(source: Source) -> tuple[str, ...]:
        return tuple(sorted({c.item_id for c in group if c.source is source}))

    window = TimeWindow(group[0].window.start, max(c.window.end for c in group))
    return BusyTime(window, ids(Source.BOOKING), ids(Source.APPOINTMENT))


def _subtract(windows: list[TimeWindow], cuts: list[TimeWindow]) -> list[TimeWindow]:
    """``windows`` less ``cuts``; both in order and without overlaps."""
    pieces: list[TimeWindow] = []
    for window in windows:
        cursor = window.start
        for cut in cuts:
            if cut.end <= cursor or cut.start >= window.end:
                continue
            if cut.start > cursor:
                pieces.append(TimeWindow(cursor, cut.start))
            cursor = cut.end
        if cursor < window.end:
            pieces.append(TimeWindow(cursor, window.end))
    return pieces


def _off_time(
    commitments: list[Commitment],
    working: list[TimeWindow],
    holiday_names: Mapping[date, str],
    zone: tzinfo,
) -> Iterator[Conflict]:
    for commitment in commitments:
        for piece in _subtract([commitment.window], working):
            for holiday, parts in itertools.groupby(
                _by_local_day(piece, zone),
                key=lambda part: holiday_names.get(part.start.astimezone(zone).date()),
            ):
                stretch = list(parts)
                yield _off_time_conflict(
                    commitment, TimeWindow(stretch[0].start, stretch[-1].end), holiday
                )


def _off_time_conflict(commitment: Commitment, window: TimeWindow, holiday: str | None) -> Conflict:
    kind = ConflictKind.OUTSIDE_WORKING_TIME if holiday is None else ConflictKind.ON_HOLIDAY
    is_booking = commitment.source is Source.BOOKING
    return Conflict(
        kind,
        window,
        booking_id=commitment.item_id if is_booking else None,
        appointment_id=None if is_booking else commitment.item_id,
        holiday=holiday,
    )


def _by_local_day(window: TimeWindow, zone: tzinfo) -> Iterator[TimeWindow]:
    """``window`` cut at each local midnight in it."""
    first, last = _local_dates(window, zone)
    for day in _dates(first, last):
        part = _intersection(
            window, TimeWindow(_midnight(day, zone), _midnight(day + _ONE_DAY, zone))
        )
        if part is not None:
            yield part


def _overlaps(commitments: list[Commitment]) -> Iterator[Conflict]:
    bookings = [c for c in commitments if c.source is Source.BOOKING]
    appointments = [c for c in commitments if c.source is Source.APPOINTMENT]
    for booking, appointment in itertools.product(bookings, appointments):
        overlap = _intersection(booking.window, appointment.window)
        if overlap is not None:
            yield Conflict(
                ConflictKind.BOOKING_OVERLAPS_APPOINTMENT,
                overlap,
                booking_id=booking.item_id,
                appointment_id=appointment.item_id,
            )


def _conflict_order(conflict: Conflict) -> tuple[datetime, str, str, str]:
    return (
        conflict.window.start,
        conflict.kind.name,
        conflict.booking_id or "",
        conflict.appointment_id or "",
    )
