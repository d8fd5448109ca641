"""Resume after a restart, lease-aware: take over only what no live process holds.

Alone on its database (SQLite), a starting process knows every lease it finds is a dead one's. Among several
(PostgreSQL), a live lease belongs to a process at work: it is left alone, and taken over once it runs out.
"""

from __future__ import annotations

from bot.engine.context import EngineContext
from bot.vocabulary import IN_FLIGHT_STATES, TaskState
from db.models import NO_LEASE, TaskRecord

UNDELIVERED = (TaskState.SUCCEEDED, TaskState.FAILED, TaskState.DELIVERING)


def lease_dead(ctx: EngineContext, task: TaskRecord, now: float) -> bool:
    """Return True when no live process holds the task's lease."""
    if not ctx.storage.coordination.shared:
        return True
    return task.lease_owner is None or task.lease_until is None or task.lease_until <= now


async def recover_deliveries(ctx: EngineContext) -> None:
    """Make sure every finished task not yet posted will be (run by every process at start)."""
    tasks, now = ctx.storage.tasks, ctx.clock.now()
    for task in await tasks.in_states(UNDELIVERED):
        if task.state is TaskState.DELIVERING and lease_dead(ctx, task, now):
            # Claimed by a process that is gone: look at it now (for a post it may have made before it went).
            await tasks.update(task.id, now=now, next_delivery_at=now, **NO_LEASE)
        elif task.next_delivery_at is None and task.lease_owner is None:
            await tasks.update(task.id, now=now, next_delivery_at=now)


async def recover_tracking(ctx: EngineContext) -> None:
    """Look at every task in flight now (run by a process on becoming the leader): callbacks that came while no
    process led or listened are lost. A task another process is still sending is left to it."""
    tasks, now = ctx.storage.tasks, ctx.clock.now()
    for task in await tasks.in_states(IN_FLIGHT_STATES):
        if task.state is TaskState.SUBMITTING:
            if lease_dead(ctx, task, now):  # reconciled at once (by lookup first: never re-sent blind)
                await tasks.update(task.id, now=now, next_poll_at=now, **NO_LEASE)
        elif task.next_poll_at is None or task.next_poll_at > now:
            await tasks.update(task.id, now=now, next_poll_at=now)
