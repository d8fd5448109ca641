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
    """Runs `step` (which returns when it is next due, or None) in a loop until stopped."""

    def __init__(self, name: str, step: Step, clock: Clock, wake: asyncio.Event | None = None) -> None:
        self.name = name
        self._step = step
        self._clock = clock
        self._wake = wake if wake is not None else asyncio.Event()
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
            delay = IDLE_CAP if due is None else min(max(due - self._clock.now(), 0.0), IDLE_CAP)
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
