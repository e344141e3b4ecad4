"""Admitting a document: parsed, and validated within a CPU budget, off the event loop.

The limits' rules are linear in the document and the tokens are counted, but graphql-core's
own rules can still spend a while on a hostile document (pairs of fields to compare). So the
work runs in a worker thread, where the event loop keeps answering /healthz, other requests
and SIGTERM; and once validation has spent the budget in CPU time, it stops with an
``OPERATION_TOO_COMPLEX`` error (parsing, linear in a text the body and token caps bound, is
not charged). A repeated query is parsed and validated once; a new query
of a shape that validated cleanly before (``shapes.py``) has only its literals checked, on the
loop, as a short text is parsed there (``ON_LOOP_QUERY_CHARS``) - and a short one is not even
parsed: it runs as the shape's document with its literals hoisted into variables
(``hoisting.py``) where the operation runs straight (``known_operation.py``), else its
document is made from the tree of the shape's first document (``templates.py``).
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from graphql.validation import ValidationRule
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from calendar_gateway.graphql.hoisting import HoistedText
from calendar_gateway.graphql.shapes import Rules, Shape, ShapeCache, TypeRecording

CODE = "OPERATION_TOO_COMPLEX"

ON_LOOP_QUERY_CHARS = 2048
"""A new query text up to this long is read on the event loop (its document made by its
shape, or parsed): parsing it takes well under a millisecond, less than handing it to a
thread, which under load (threads and the loop taking turns) doubled its CPU cost. Longer
texts are parsed in a thread."""

_deadline: ContextVar[tuple[float, float]] = ContextVar("admission_deadline")
"""The checking thread's CPU time at which its budget runs out, and the budget."""


class _Collections(threading.local):
    started = 0.0
    spent = 0.0


_collections = _Collections()


def _note_collection(phase: str, _info: dict[str, int]) -> None:
    if phase == "start":
        _collections.started = time.thread_time()
    else:
        _collections.spent += time.thread_time() - _collections.started


# A garbage collection runs on whichever thread allocates when one is due; a full one in a
# large process takes hundreds of ms. That is the process's work, not the document's.
gc.callbacks.append(_note_collection)


def checking_time() -> float:
    """This thread's CPU time, less what garbage collections on it took."""
    return time.thread_time() - _collections.spent


class BudgetExceededError(ValidationAbortedError):
    def __init__(self, budget_seconds: float) -> None:
        super().__init__(
            f"The operation took more than {budget_seconds * 1000:.0f} ms of CPU time to"
            " check; send a smaller or simpler one.",
            extensions={"code": CODE},
        )


class CpuBudget(ValidationRule):
    """Stops validation, at the next node, once the thread has spent its budget."""

    def enter(self, *_args: Any) -> None:
        deadline, budget = _deadline.get()
        if checking_time() > deadline:
            # graphql's validate() ends its walk on this error and returns it with the others.
            raise BudgetExceededError(budget)


def _unlink_backwards(document: DocumentNode) -> None:
    """Drop the parser's backward links between tokens, which nothing reads after parsing.

    Linked both ways the tokens make a cycle, which only the garbage collector frees: with
    a new text per request, every dropped document waited for it (and made its collections
    longer). Linked forwards only, a document is freed as soon as it is dropped.
    """
    token = document.loc.start_token if document.loc else None
    while token is not None:
        token.prev = None
        token = token.next


@dataclass
class Checked:
    """A document, with its validation errors once it has been validated, and its text's
    shape until then (None where the shape can only be told by parsing); for a text run as
    its shape's hoisted document, its values for that document's variables."""

    document: DocumentNode
    errors: list[GraphQLError] | None = None
    shape: Shape | None = None
    hoisted: HoistedText | None = None


class Documents:
    """The most recently admitted documents by query text, bounded in number and size."""

    def __init__(self, max_entries: int = 128, max_query_chars: int = 16_384) -> None:
        self._entries: OrderedDict[str, Checked] = OrderedDict()
        self._max_entries = max_entries
        self._max_query_chars = max_query_chars

    def get(self, query: str) -> Checked | None:
        checked = self._entries.get(query)
        if checked is not None:
            self._entries.move_to_end(query)
        return checked

    def keep(self, query: str, checked: Checked) -> None:
        # A large document is rare from a real client; kept, it would hold its text and tree.
        if len(query) > self._max_query_chars:
            return
        # A new text (one a request, written inline) is put last by being added.
        if query in self._entries:
            self._entries.move_to_end(query)
        self._entries[query] = checked
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)


@dataclass(frozen=True)
class AdmissionRules:
    """What admitting a document takes: set once per schema, shared by its requests."""

    documents: Documents
    shapes: ShapeCache
    rules: tuple[type[ASTValidationRule], ...]
    max_tokens: int
    budget_seconds: float


class Admission(SchemaExtension):
    """Parses and validates an operation's document in a worker thread, within the budget."""

    def __init__(self, admission: AdmissionRules) -> None:
        self.admission = admission
        self._checked: Checked | None = None
        self.hoisted: HoistedText | None = None
        """Set where the operation runs as its shape's hoisted document."""

    def admit_known(self) -> bool:
        """Sets the operation's document and its validation's errors at once, if its text
        was admitted and validated before: its parse and validate hooks then have nothing
        to do, and the runner leaves them out (``extension_runner.LeanRunner``)."""
        query = self._unread_query()
        return query is not None and self._admit(self._known(query))

    def admit_at_once(self) -> bool:
        """``admit_known``, or else a short text of a shape that passed, its document made
        by the shape or its shape's hoisted one (its values then among the variables): an
        operation that can run straight (``known_operation``), which relocates its errors."""
        query = self._unread_query()
        if query is None:
            return False
        checked = self.admission.documents.get(query) or self._made_at_once(query)
        if checked is None or not self._admit(checked):
            return False
        self.hoisted = checked.hoisted
        if self.hoisted is not None:
            context = self.execution_context
            context.variables = {**(context.variables or {}), **self.hoisted.values}
        return True

    def _known(self, query: str) -> Checked | None:
        """The text's admission before, unless as a hoisted document: Strawberry's way runs
        the text's own document, not one whose errors would need relocating."""
        checked = self.admission.documents.get(query)
        return None if checked is None or checked.hoisted is not None else checked

    def _unread_query(self) -> str | None:
        """The operation's text, while its document is not set."""
        context = self.execution_context
        return context.query if context.graphql_document is None and context.query else None

    def _admit(self, checked: Checked | None) -> bool:
        """Sets the context's document and errors from ``checked``, once it was validated."""
        if checked is None or checked.errors is None:
            return False
        context = self.execution_context
        context.graphql_document = checked.document
        context.pre_execution_errors = checked.errors
        return True

    def _made_at_once(self, query: str) -> Checked | None:
        """A short new text's document, made by its shape if that passed before."""
        if len(query) > ON_LOOP_QUERY_CHARS:
            return None
        try:
            shape = Shape.of(query, self.admission.max_tokens)
            return None if shape is None else self._made(query, shape, self._rules(), hoist=True)
        except Exception:  # the parse hook's to refuse, with its coded error
            return None

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        query = context.query
        if context.graphql_document is None and query:
            checked = self._known(query) or await self._new(query)
            self._checked = checked
            context.graphql_document = checked.document
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        checked, query = self._checked, context.query
        if checked is not None and query:
            errors = checked.errors
            if errors is None:
                errors = await self._validated(context.schema._schema, query, checked)
            context.pre_execution_errors = errors
        yield

    async def _validated(
        self, schema: GraphQLSchema, query: str, checked: Checked
    ) -> list[GraphQLError]:
        rules = self._rules()
        shapes, shape = self.admission.shapes, checked.shape
        # A new text of a shape that passed before: its literals checked here, no thread.
        if shape is not None and shapes.passes(shape, rules):
            errors: list[GraphQLError] = []
        else:
            recording = TypeRecording()
            checking: Rules = (CpuBudget, *rules, recording.rule)
            errors = await asyncio.to_thread(self._validate, schema, checked.document, checking)
            if not errors and shape is not None:
                shapes.remember(shape, rules, recording, checked.document)
        checked.shape = None  # its tokens are not needed any more
        # Over budget once may be a busy machine rather than the document: not remembered.
        if not any(isinstance(error, BudgetExceededError) for error in errors):
            checked.errors = errors
            self.admission.documents.keep(query, checked)
        return errors

    async def _new(self, query: str) -> Checked:
        """A new text's document: read on the loop if it is short, in a thread if not."""
        if len(query) <= ON_LOOP_QUERY_CHARS:
            checked = self._read(query, self._rules())
        else:
            checked = await asyncio.to_thread(self._read, query, None)
        return checked

    def _rules(self) -> Rules:
        """The rules a document of this request is validated with."""
        return (*self.execution_context.validation_rules, *self.admission.rules)

    def _read(self, query: str, rules: Rules | None) -> Checked:
        """The text's document and shape.

        With ``rules`` (on the loop: the shape cache is the loop's), a text of a shape that
        passed them, its literals too, is admitted whole: its document made, not parsed.
        """
        shape = Shape.of(query, self.admission.max_tokens)
        if shape is not None and rules is not None:
            checked = self._made(query, shape, rules)
            if checked is not None:
                return checked
        document = parse(query, max_tokens=self.admission.max_tokens)
        _unlink_backwards(document)
        return Checked(document, shape=shape)

    def _made(self, query: str, shape: Shape, rules: Rules, hoist: bool = False) -> Checked | None:
        """The text's document, made from the shape's if that passed ``rules`` (or, with
        ``hoist``, the shape's hoisted document, where it has one): admitted."""
        shapes = self.admission.shapes
        make = shapes.hoisted if hoist else shapes.document
        made = make(query, shape, rules)
        if made is None:
            return None
        if isinstance(made, HoistedText):
            checked = Checked(made.document, errors=[], hoisted=made)
        else:
            checked = Checked(made, errors=[])
        self.admission.documents.keep(query, checked)
        return checked

    def _validate(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        rules: Sequence[type[ASTValidationRule]],
    ) -> list[GraphQLError]:
        budget = self.admission.budget_seconds
        # Validation's time only. Parsing is linear in the text, which MAX_BODY_BYTES and
        # MAX_QUERY_TOKENS bound, and it is over by now: charged here, it only turned a
        # cheap validation into a refusal (a 900 KB id took 250-370 ms to parse on a slow host).
        _deadline.set((checking_time() + budget, budget))
        return validate_document(schema, document, tuple(rules))
