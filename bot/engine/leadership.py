"""One process among several: which of them leads the provider-facing loops, and wake-ups between them.

The submitter, the tracker, the balance watch and the housekeeping run only in the leader, so provider
requests per task don't grow with the number of processes and the concurrency cap, counted from storage,
is never overshot by two submitters. Every process delivers. On SQLite the one process always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.engine.context import EngineContext
from db import DATABASE_ERRORS

log = logging.getLogger(__name__)

LEAD_CHECK = 5.0  # seconds between looks at the leadership: how soon a dead leader's place is taken
ANNOUNCE_WAIT = 5.0  # seconds a stopping engine waits for its last wake-ups to go out
UNREACHABLE: tuple[type[Exception], ...] = (*DATABASE_ERRORS, OSError, TimeoutError)


class Leadership:
    """Tries to lead (and notices losing it), and carries wake-ups to and from the other processes."""

    def __init__(self, ctx: EngineContext, gained: Callable[[], Awaitable[None]]) -> None:
        self._ctx = ctx
        self._gained = gained
        self._led = False
        self._pending: set[str] = set()
        self._sender: asyncio.Task[None] | None = None
        self.lost = asyncio.Event()  # the coordination connection went: look again at once
        if ctx.storage.coordination.shared:
            ctx.announce = self.announce

    async def step(self) -> float:
        """Listen, try to lead; on becoming the leader, run `gained`. Return when to look again."""
        coordination = self._ctx.storage.coordination
        try:
            if await coordination.connect(self._heard, self.lost.set):
                self._wake_all()  # wake-ups sent while this process was not listening are lost: look now
            leads = await coordination.try_lead()
        except UNREACHABLE as exc:
            log.warning("Can't reach the database to coordinate with the other processes: %s", exc)
            leads = False
        if leads and not self._led:
            log.info("This process leads: it sends, tracks and reads the balance (engine %s)", self._ctx.owner)
            self._led = True
            await self._gained()
        elif self._led and not leads:
            log.warning("This process no longer leads; another takes over sending and tracking")
            self._led = False
        return self._ctx.clock.now() + LEAD_CHECK

    def announce(self, loop: str) -> None:
        """Wake `loop` in the other processes (sent in the background; a burst of wake-ups goes as one)."""
        self._pending.add(loop)
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send(), name="engine-announce")

    async def close(self) -> None:
        """Let the last wake-ups go out (a moment at most)."""
        if self._sender is not None and not self._sender.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._sender), ANNOUNCE_WAIT)

    async def _send(self) -> None:
        while self._pending:
            loops, self._pending = self._pending, set()
            try:
                await self._ctx.storage.coordination.wake(loops)
            except UNREACHABLE as exc:  # the others still look within IDLE_CAP
                log.warning("Can't wake the other processes (%s): %s", ", ".join(sorted(loops)), exc)

    def _heard(self, loop: str) -> None:
        if (event := self._ctx.wakes.get(loop)) is not None:
            event.set()

    def _wake_all(self) -> None:
        for loop in ("submitter", "tracker", "deliverer"):
            self._heard(loop)
