"""A quick_init record is the frozen dataclass it was, made faster."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from dataclasses import InitVar, dataclass, field

import pytest

from calendar_gateway.services.warned import Warned
from calendar_gateway.upstreams import appointment_model, bookings, calendars
from calendar_gateway.upstreams.records import quick_init


@dataclass(frozen=True)
class Plain:
    name: str
    count: int
    tags: tuple[str, ...] = ()
    note: str | None = None


@quick_init
@dataclass(frozen=True)
class Quick:
    name: str
    count: int
    tags: tuple[str, ...] = ()
    note: str | None = None


def _as_plain(record: Quick) -> Plain:
    return Plain(**vars(record))


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (("a", 1), {}),
        (("a",), {"count": 2, "note": "n"}),
        ((), {"name": "b", "count": 3, "tags": ("t",)}),
    ],
)
def test_a_record_holds_what_the_dataclass_init_would_set(
    args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    ours, theirs = Quick(*args, **kwargs), Plain(*args, **kwargs)  # type: ignore[arg-type]
    # The same fields in the same order, defaults filled in.
    assert vars(ours) == vars(theirs)
    assert list(vars(ours)) == list(vars(theirs))
    assert _as_plain(ours) == theirs


def test_a_record_binds_arguments_as_the_dataclass_init_does() -> None:
    assert inspect.signature(Quick) == inspect.signature(Plain)
    with pytest.raises(TypeError):
        Quick("a")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Quick("a", 1, name="b")  # type: ignore[misc]
    with pytest.raises(TypeError):
        Quick("a", 1, x=2)  # type: ignore[call-arg]


def test_a_record_stays_frozen_hashable_and_comparable() -> None:
    record = Quick("a", 1, ("t",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.name = "b"  # type: ignore[misc]
    assert record == Quick("a", 1, ("t",))
    assert hash(record) == hash(Quick("a", 1, ("t",)))
    assert repr(record) == "Quick(name='a', count=1, tags=('t',), note=None)"
    assert dataclasses.replace(record, count=2) == Quick("a", 2, ("t",))
    assert pickle.loads(pickle.dumps(record)) == record  # noqa: S301 - our own bytes


@dataclass
class Open:
    a: int


@dataclass(frozen=True, slots=True)
class Slotted:
    a: int


@dataclass(frozen=True)
class Posted:
    a: int

    def __post_init__(self) -> None:
        pass


@dataclass(frozen=True)
class Made:
    a: list[int] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class Named:
    a: int


@dataclass(frozen=True)
class Unset:
    a: int = field(default=0, init=False)


@dataclass(frozen=True)
class Passed:
    a: InitVar[int]


@pytest.mark.parametrize("cls", [Open, Slotted, Posted, Made, Named, Unset, Passed])
def test_a_record_refuses_a_class_whose_init_does_more_or_less(cls: type) -> None:
    with pytest.raises(TypeError):
        quick_init(cls)


@pytest.mark.parametrize(
    "cls",
    [
        bookings.Reply,
        bookings.Resource,
        bookings.Client,
        bookings.JobPhase,
        bookings.Job,
        bookings.ChargeCode,
        bookings.Requisition,
        bookings.Allocation,
        bookings.BookingDay,
        bookings.Booking,
        appointment_model.Participant,
        appointment_model.CalendarEntry,
        appointment_model.Recurrence,
        appointment_model.Permissions,
        appointment_model.AppointmentSummary,
        appointment_model.Appointment,
        calendars.CalendarException,
        calendars.BusinessCalendar,
        calendars.CalendarRef,
        Warned,
    ],
)
def test_a_vendor_record_takes_the_arguments_its_dataclass_takes(cls: type) -> None:
    assert vars(cls)["__init__"].__qualname__ == f"{cls.__qualname__}.__init__"
    fields = dataclasses.fields(cls)
    expected = [
        inspect.Parameter(
            f.name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default,
            annotation=f.type,
        )
        for f in fields
    ]
    assert list(inspect.signature(cls).parameters.values()) == expected
