"""A task's lease, kept while work on it runs: renewed every quarter of its length, so a process that dies
loses it within one lease, and a live one only after missing three renewals in a row."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.engine.context import EngineContext
from bot.engine.leadership import UNREACHABLE

log = logging.getLogger(__name__)

RENEWALS = 4  # per lease


@asynccontextmanager
async def kept(ctx: EngineContext, task_id: str, *, due: str) -> AsyncIterator[None]:
    """Renew this process's lease on `task_id` (and its `due` time: when to look at it if the work stops) until
    the block ends; the work in the block ends the lease itself, by moving the task on or giving it back."""
    renewal = asyncio.create_task(_renew(ctx, task_id, due), name=f"lease-{task_id}")
    try:
        yield
    finally:
        renewal.cancel()
        await asyncio.wait({renewal})


async def _renew(ctx: EngineContext, task_id: str, due: str) -> None:
    seconds = ctx.settings.lease_seconds
    while True:
        await asyncio.sleep(seconds / RENEWALS)
        now = ctx.clock.now()
        until = now + seconds
        try:
            held = await ctx.storage.tasks.renew_lease(task_id, ctx.owner, now=now, until=until, **{due: until})
        except UNREACHABLE as exc:  # try again: the lease has time left
            log.warning("Task %s: could not renew its lease: %s", task_id, exc)
            continue
        if not held:
            log.warning("Task %s: this process no longer holds its lease (another may have taken over)", task_id)
            return
