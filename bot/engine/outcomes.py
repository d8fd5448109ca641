"""Record how a task ended at the provider: charge or refund with the state change, then hand it on."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from bot.engine.context import EngineContext
from bot.kling.models import KlingTask
from bot.vocabulary import Outcome, TaskState
from db.models import TaskRecord

log = logging.getLogger(__name__)


async def record_success(ctx: EngineContext, task: TaskRecord, remote: KlingTask) -> TaskRecord | None:
    """Mark the task succeeded and charge its reservation, atomically; None if it had moved on already."""
    now = ctx.clock.now()
    generation = generation_seconds(remote)
    updated = await ctx.storage.tasks.transition(
        task.id,
        (TaskState.SUBMITTED, TaskState.PROCESSING),
        TaskState.SUCCEEDED,
        now=now,
        settle="charge",
        outcome=Outcome.SUCCEEDED,
        result_urls=list(remote.result_urls),
        result_video_ids=[video.id for video in remote.videos if video.id],
        provider_units=str(remote.units_charged) if remote.units_charged is not None else None,
        finished_at=now,
        next_poll_at=None,
        next_delivery_at=now,
        generation_seconds=generation,
    )
    if updated is not None:
        log.info("Task %s: succeeded with %d result(s)", task.id, len(remote.result_urls))
        if generation is not None:
            ctx.expected.learn(task.kind, task.params, generation)
        await _hand_on(ctx, updated)
    return updated


async def record_failure(
    ctx: EngineContext,
    task: TaskRecord,
    reason: str,
    from_states: Iterable[TaskState],
    *,
    outcome: Outcome = Outcome.FAILED,
    withheld_by: int | None = None,
) -> TaskRecord | None:
    """Mark the task failed with `reason` and refund its reservation, atomically; None if it had moved on.

    A cancel ends it the same way, with `Outcome.CANCELLED` and who withheld it (nothing is then posted).
    """
    now = ctx.clock.now()
    extra: dict[str, Any] = {"withheld_by": withheld_by} if withheld_by is not None else {}
    updated = await ctx.storage.tasks.transition(
        task.id,
        from_states,
        TaskState.FAILED,
        now=now,
        settle="refund",
        outcome=outcome,
        error_reason=reason,
        finished_at=now,
        next_poll_at=None,
        next_delivery_at=now,
        **extra,
    )
    if updated is not None:
        log.info("Task %s: %s: %s", task.id, outcome.value, reason)
        await _hand_on(ctx, updated)
    return updated


async def _hand_on(ctx: EngineContext, task: TaskRecord) -> None:
    await ctx.notify(task)
    ctx.wake_submitter()  # a provider slot may have freed
    ctx.wake_deliverer()


def generation_seconds(remote: KlingTask) -> float | None:
    """Return how long the provider took, by its own timestamps (None when it gives none)."""
    if remote.created_at is None or remote.updated_at is None:
        return None
    seconds = (remote.updated_at - remote.created_at).total_seconds()
    return seconds if seconds > 0 else None
