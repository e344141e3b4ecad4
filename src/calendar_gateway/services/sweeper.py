"""The lock sweeper: gives back GRS locks whose edit session died, with no edit to wait for.

A replica killed mid-edit leaves the calendar locked by our GRS user, for other GRS users
and for reads, until someone gives it back. Each replica sweeps every ``interval``: a dead
holder's mutex lease has run out by then, so its lock is back within a lease and a sweep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from calendar_gateway.services.calendars import CalendarService

log = logging.getLogger(__name__)

SWEEP_LIMIT = 20
"""Records one sweep looks at: each costs a mutex and at most one GRS unlock."""


class LockSweeper:
    """Runs ``CalendarService.sweep`` every ``interval`` seconds until stopped."""

    def __init__(
        self, calendars: CalendarService, interval: float, limit: int = SWEEP_LIMIT
    ) -> None:
        self._calendars = calendars
        self._interval = interval
        self._limit = limit
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Sweep in the background of the running event loop."""
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop sweeping; a sweep cut short leaves its records for the next one."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                given = await self._calendars.sweep(self._limit)
            except Exception as error:
                # Redis or GRS down: the records stay, the next sweep tries again.
                log.warning("the lock sweep failed: %r", error)
                continue
            if given:
                log.info("the lock sweep gave back %d calendar locks", given)
