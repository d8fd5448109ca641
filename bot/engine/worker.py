"""A background loop that runs one step whenever it is woken or its next piece of work falls due."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.engine.clock import Clock

log = logging.getLogger(__name__)

IDLE_CAP = 30.0  # seconds; never sleep longer, so a stepped clock or a missed wake-up is caught
ERROR_PAUSE = 5.0  # seconds after an unexpected error, so a broken step can't spin

Step = Callable[[], Awaitable[float | None]]


class Worker:
    """Runs `step` (which returns when it is next due, or None) in a loop until stopped.

    A step that only looks at what is due runs again at least every IDLE_CAP, however far off its next
    piece of work (catching a wake-up missed); a `periodic` one (a balance read, housekeeping) runs when due
    or woken, never sooner.
    """

    def __init__(
        self, name: str, step: Step, clock: Clock, wake: asyncio.Event | None = None, *, periodic: bool = False
    ) -> None:
        self.name = name
        self._step = step
        self._clock = clock
        self._wake = wake if wake is not None else asyncio.Event()
        self._periodic = periodic
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Run the step again as soon as possible."""
        self._wake.set()

    def start(self) -> None:
        """Start the loop (keeping a reference, so it is not garbage-collected)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"engine-{self.name}")

    async def stop(self) -> None:
        """Cancel the loop and wait for it to end."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                due = await self._step()
            except Exception:
                log.exception("Engine worker %s failed; retrying in %.0f s", self.name, ERROR_PAUSE)
                due = self._clock.now() + ERROR_PAUSE
            await self._sleep(due)

    async def _sleep(self, due: float | None) -> None:
        """Wait until woken or `due` (at most IDLE_CAP at a time; a periodic step waits the whole way)."""
        while True:
            delay = IDLE_CAP if due is None else min(max(due - self._clock.now(), 0.0), IDLE_CAP)
            if delay <= 0:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            if self._wake.is_set() or not self._periodic or (due is not None and self._clock.now() >= due):
                return
