"""A request's loader: the keys its resolvers ask for in one tick, read in one batch, once each.

Strawberry's DataLoader dispatched each batch from a task of its own, created by a callback:
a batch of one, loaded and awaited, cost 10.5 us there and 4.7 us here, where the batch's
first reader loads it in its own task (uvloop, a trivial batch); a fan-out request has three.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Batch = Callable[[list[K]], Awaitable[Sequence[V | BaseException]]]
"""Each key's value or the error it failed with, in the keys' order."""


class _LoaderCancelledError(Exception):
    """The reader loading a key was cancelled, and its batch with it: load again."""


class Loader(Generic[K, V]):
    """Keys asked for within a tick of each other, loaded in one call of ``batch``, in the
    task of the first of them; each key's answer (value or error) kept for later loads.

    Readers of a key being loaded wait on a future of their own: a cancelled reader cancels
    only its own, never the batch or another reader's answer.
    """

    def __init__(self, batch: Batch[K, V]) -> None:
        self._batch = batch
        self._answers: dict[K, V | BaseException] = {}
        self._waiting: dict[K, list[asyncio.Future[V]]] = {}
        """The keys being loaded: the readers of each, besides the one loading it."""
        self._gathering: list[K] | None = None
        """The next batch's keys, while its reader yields for the others of its tick."""

    async def load(self, key: K) -> V:
        if key in self._answers:
            return _given(self._answers[key])
        if key in self._waiting:
            return await self._wait(key)
        self._waiting[key] = []
        if self._gathering is not None:
            self._gathering.append(key)
            return await self._wait(key)
        return await self._gather_and_load(key)

    def prime(self, key: K, value: V) -> None:
        """``value`` answers ``key``'s later loads, and the readers of a batch not yet begun."""
        self._answers[key] = value
        if self._gathering is not None and key in self._gathering:
            self._gathering.remove(key)
            self._settle(key, value)

    async def _gather_and_load(self, key: K) -> V:
        keys = self._gathering = [key]
        try:
            # Two ticks, as a DataLoader's callback and then its task took: every resolver
            # started in the tick of the first load (the siblings graphql-core gathers) has
            # asked for its keys and begun its list reads (Snapshot.lists_read) by then.
            await asyncio.sleep(0)
            await asyncio.sleep(0)
        except BaseException:
            self._drop(keys)
            raise
        finally:
            self._gathering = None
        return await self._load(key, keys)

    async def _load(self, key: K, keys: list[K]) -> V:
        try:
            answers = await self._answered(keys)
        except BaseException:
            self._drop(keys)
            raise
        for each, answer in answers.items():
            self._answers.setdefault(each, answer)  # a key primed meanwhile keeps its value
            self._settle(each, answer)
        return _given(answers[key] if key in answers else self._answers[key])

    async def _answered(self, keys: list[K]) -> dict[K, V | BaseException]:
        if not keys:  # each was primed while the batch gathered
            return {}
        try:
            return dict(zip(keys, await self._batch(keys), strict=True))
        except Exception as error:
            return dict.fromkeys(keys, error)

    async def _wait(self, key: K) -> V:
        waiter: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._waiting[key].append(waiter)
        try:
            return await waiter
        except _LoaderCancelledError:
            return await self.load(key)

    def _settle(self, key: K, answer: V | BaseException) -> None:
        for waiter in self._waiting.pop(key):
            if waiter.done():  # its reader was cancelled
                continue
            if isinstance(answer, BaseException):
                waiter.set_exception(answer)
            else:
                waiter.set_result(answer)

    def _drop(self, keys: list[K]) -> None:
        """The reader loading ``keys`` was cancelled: their other readers load them again.

        Only when a request is given up (a failed non-null sibling, a deadline, a closed
        subscription); a task of its own for each batch, out of cancellations' reach, cost
        a batch of one 5.4 us, not 4.7 (uvloop, a callback then the task, as Strawberry's).
        """
        for key in keys:
            for waiter in self._waiting.pop(key, ()):
                if not waiter.done():
                    waiter.set_exception(_LoaderCancelledError())


def _given(answer: V | BaseException) -> V:
    if isinstance(answer, BaseException):
        raise answer
    return answer
