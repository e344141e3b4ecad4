"""Frozen dataclasses that a read makes many of, with an ``__init__`` that does not guard.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``, past its own
guard: 0.1-0.2 us a field, and a read makes a few dozen (a booking: eight records, 47 fields;
about 4% of the CPU of a fan-out's reads). ``quick_init`` gives the class an ``__init__`` of the
same signature that fills the instance's ``__dict__`` in one step, in field order, as the
generated one leaves it. Everything else stays the dataclass's own: frozen, eq, hash, repr.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, TypeVar

T = TypeVar("T")


def quick_init(cls: type[T]) -> type[T]:
    """Put on a ``@dataclass(frozen=True)`` (above it) whose fields are all plain: given to
    ``__init__``, positional or keyword, with at most a default value (no factory)."""
    _check(cls)
    fields = dataclasses.fields(cls)  # type: ignore[arg-type] # _check: a dataclass
    defaults = {f"_{f.name}": f.default for f in fields if f.default is not dataclasses.MISSING}
    parameters = ", ".join(
        f.name if f.default is dataclasses.MISSING else f"{f.name}=_{f.name}" for f in fields
    )
    assigned = ", ".join(f"{f.name}={f.name}" for f in fields)
    made: dict[str, Any] = {}
    # As dataclasses makes its __init__: a function of the class's own signature runs faster
    # than one that takes *args and **kwargs and binds them itself.
    exec(  # noqa: S102 - the text is made of the class's field names only
        f"def __init__(self, {parameters}):\n    self.__dict__.update({assigned})\n",
        defaults,
        made,
    )
    init = made["__init__"]
    replaced = cls.__init__  # the dataclass's, for its annotations
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = replaced.__annotations__
    init.__doc__ = replaced.__doc__
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


def _check(cls: type) -> None:
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" in cls.__dict__:
        raise TypeError(f"{cls.__name__}: quick_init is for a frozen dataclass with a __dict__")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: quick_init does not call __post_init__")
    fields = dataclasses.fields(cls)
    if any(field.default_factory is not dataclasses.MISSING for field in fields):
        raise TypeError(f"{cls.__name__}: quick_init takes no default factory")
    # Every field given, positional or keyword, and nothing else (no InitVar).
    plain = inspect.Parameter.POSITIONAL_OR_KEYWORD
    taken = [(p.name, p.kind) for p in inspect.signature(cls).parameters.values()]
    if not params.init or taken != [(field.name, plain) for field in fields]:
        raise TypeError(f"{cls.__name__}: quick_init takes fields given to __init__ only")
