"""Graceful shutdown: not ready from the first SIGTERM, then uvicorn's own shutdown.

A load balancer polls ``/readyz``; it needs a few seconds to see the 503 and send traffic
elsewhere. So a SIGTERM first only marks the process as draining, and hands the signal on
to uvicorn's handler after ``drain_seconds``. uvicorn then stops accepting, waits for the
requests in flight (``timeout_graceful_shutdown``), and runs the lifespan's shutdown, which
waits for the calendar edits still running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from types import FrameType

log = logging.getLogger(__name__)


class Shutdown:
    """Whether the process is draining, and the SIGTERM handler that starts the drain."""

    def __init__(self, drain_seconds: float) -> None:
        self.drain_seconds = drain_seconds
        self.draining = False

    @contextlib.contextmanager
    def on_sigterm(self) -> Iterator[None]:
        """Put the drain in front of the running server's SIGTERM handler, for the block."""
        previous = signal.getsignal(signal.SIGTERM)
        # Only a Python handler (uvicorn's) can be called later; signals reach the main thread.
        if not callable(previous) or threading.current_thread() is not threading.main_thread():
            yield
            return
        loop = asyncio.get_running_loop()

        def handle(signum: int, frame: FrameType | None) -> None:
            if self.draining:  # a second SIGTERM: stop draining, shut down now
                previous(signum, frame)
                return
            self.draining = True
            log.info("SIGTERM: not ready, shutting down in %s s", self.drain_seconds)
            # Thread-safe: it wakes the loop, which a signal handler alone does not.
            loop.call_soon_threadsafe(loop.call_later, self.drain_seconds, previous, signum, frame)

        signal.signal(signal.SIGTERM, handle)
        try:
            yield
        finally:
            signal.signal(signal.SIGTERM, previous)
