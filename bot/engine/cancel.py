"""Stop a task's result being posted: cancel it while it waits (refunded), or withhold it once Kling has it.

Kling has no cancel API, so a task it has keeps running and is charged as Kling charges; withheld, it is
archived like any other but never posted. Every write is a compare-and-set on the task's state, so a press
racing the engine ends one way only: the submitter's claim (queued -> submitting) and a cancel (queued ->
failed) can't both win, and a withhold lands before the deliverer's claim (finished -> delivering) or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.engine.context import EngineContext
from bot.engine.outcomes import record_failure
from bot.vocabulary import Outcome, TaskState
from db.models import TaskRecord

log = logging.getLogger(__name__)

CANCELLED_REASON = "Cancelled before it was sent. Nothing was charged."
# Kling has it (or may have it) and nothing has been posted yet: the result can still be kept back.
WITHHOLDABLE = (
    TaskState.SUBMITTING, TaskState.SUBMITTED, TaskState.PROCESSING, TaskState.SUCCEEDED, TaskState.FAILED,
)  # fmt: skip
ATTEMPTS = 5  # reads and writes before giving up on a task that keeps moving (queued <-> submitting)


class CancelStatus(StrEnum):
    """What a Cancel or "Don't post it" press did."""

    CANCELLED = "cancelled"  # it was waiting: ended now and refunded
    AT_PROVIDER = "at_provider"  # Kling has it and can't stop it: it can only be withheld
    WITHHELD = "withheld"  # it runs on and is charged, is archived, and is never posted
    ALREADY_STOPPED = "already_stopped"  # cancelled or withheld before (`task.withheld_by` says by whom)
    TOO_LATE = "too_late"  # being posted, or posted already


@dataclass(frozen=True)
class CancelResult:
    """What happened, and the task as it now stands."""

    status: CancelStatus
    task: TaskRecord


class Stopper:
    """The engine's Cancel and "Don't post it"."""

    def __init__(self, ctx: EngineContext) -> None:
        self._ctx = ctx

    async def cancel(self, task_id: str, by_user_id: int) -> CancelResult:
        """End a waiting task and refund it; for one Kling has, only say so (AT_PROVIDER)."""
        return await self._stop(task_id, by_user_id, withhold=False)

    async def withhold(self, task_id: str, by_user_id: int) -> CancelResult:
        """Keep the task's result from being posted (a task still waiting is cancelled instead)."""
        return await self._stop(task_id, by_user_id, withhold=True)

    async def _stop(self, task_id: str, by_user_id: int, *, withhold: bool) -> CancelResult:
        for _ in range(ATTEMPTS):
            task = await self._get(task_id)
            if task.withheld_by is not None:
                return CancelResult(CancelStatus.ALREADY_STOPPED, task)
            if task.state is TaskState.QUEUED:
                if (ended := await end_cancelled(self._ctx, task, by_user_id)) is not None:
                    return CancelResult(CancelStatus.CANCELLED, ended)
            elif task.state in WITHHOLDABLE:
                if not withhold:
                    return CancelResult(CancelStatus.AT_PROVIDER, task)
                if (held := await self._withhold(task, by_user_id)) is not None:
                    return CancelResult(CancelStatus.WITHHELD, held)
            else:
                return CancelResult(CancelStatus.TOO_LATE, task)
            # It moved on between the read and the write (the write did nothing): look again.
        return CancelResult(CancelStatus.TOO_LATE, await self._get(task_id))

    async def _withhold(self, task: TaskRecord, by_user_id: int) -> TaskRecord | None:
        now = self._ctx.clock.now()
        held = await self._ctx.storage.tasks.set_withheld(task.id, WITHHOLDABLE, by_user_id, now=now)
        if held is not None:
            log.info("Task %s: result withheld by user %s (it runs on at the provider)", task.id, by_user_id)
            await self._ctx.notify(held)
        return held

    async def _get(self, task_id: str) -> TaskRecord:
        task = await self._ctx.storage.tasks.get(task_id)
        if task is None:
            raise LookupError(f"no task {task_id}")
        return task


async def end_cancelled(
    ctx: EngineContext, task: TaskRecord, by_user_id: int, from_states: Iterable[TaskState] = (TaskState.QUEUED,)
) -> TaskRecord | None:
    """End a task the provider never got as cancelled and refund it, atomically; None if it had moved on.

    The deliverer then closes it without posting anything (it is withheld by `by_user_id`).
    """
    return await record_failure(
        ctx, task, CANCELLED_REASON, from_states, outcome=Outcome.CANCELLED, withheld_by=by_user_id
    )
