"""Follow submitted tasks to the end: wake only for due tasks, ask in batches, honour the deadline."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from bot.engine.context import EngineContext
from bot.engine.outcomes import record_failure, record_success
from bot.engine.schedule import CONFIRM_DELAY, PULL_FORWARD, next_check_delay, on_grid
from bot.kling.errors import KlingError
from bot.kling.models import KlingTask, TaskStatus
from bot.logs import task_context
from bot.vocabulary import TaskKind, TaskState
from db.models import TaskRecord

log = logging.getLogger(__name__)

BATCH = 500  # due tasks handled per step; the official list page holds 500
TRACKED = (TaskState.SUBMITTED, TaskState.PROCESSING)
TIMED_OUT = "The video service did not finish it within {minutes:.0f} minutes. Nothing was charged."
LOST = "The video service no longer knows this task. Nothing was charged."
UNCONFIRMED = "The video service could not be asked about it for hours. Nothing was charged."
LOOKUP_FAILURE_CAP = 6 * 3600.0  # past the deadline, keep asking through failures this long
NO_RESULT = "The video service reported it finished but sent no result. Nothing was charged."
EMPTY_RESULT_LOOKS = 5  # a "finished" task with no result URLs is looked at this many more times
EMPTY_RESULT_RECHECK = 10.0  # seconds before the first second look, growing linearly (150 s in all)


class Tracker:
    """Polls due tasks (by `next_poll_at`) and records what the provider says."""

    def __init__(
        self,
        ctx: EngineContext,
        reconcile: Callable[[TaskRecord], Awaitable[None]],
        slot_freed: Callable[[], Awaitable[None]],
    ) -> None:
        self.ctx = ctx
        self._reconcile = reconcile
        self._slot_freed = slot_freed

    async def step(self) -> float | None:
        """Handle every due task; return when the next one falls due.

        Only the leading process asks the provider: one batched query per round, however many processes run.
        """
        if not self.ctx.leading:
            return None
        tasks = self.ctx.storage.tasks
        now = self.ctx.clock.now()
        # Tasks falling due in a moment come along: one list request answers for all of them.
        due = await tasks.due_for_poll(now + PULL_FORWARD, BATCH)
        first = due[0].next_poll_at if due else None  # the earliest: they come in the order they fall due
        if first is None or first > now + CONFIRM_DELAY / 2:
            # Woken early (a callback moved a check to the end of its confirmation window): wait for the window to
            # close, so the callbacks arriving meanwhile share one query instead of one each.
            return first if first is not None else await tasks.next_poll_at()
        by_kind: dict[TaskKind, list[TaskRecord]] = defaultdict(list)
        for task in due:
            if task.state is TaskState.SUBMITTING:
                await self._reconcile(task)
            elif task.state in TRACKED and task.provider_task_id:
                by_kind[task.kind].append(task)
            else:
                await tasks.update(task.id, now=self.ctx.clock.now(), next_poll_at=None)
        for kind, group in by_kind.items():
            await self._check(kind, group)
        return await tasks.next_poll_at()

    async def _check(self, kind: TaskKind, group: list[TaskRecord]) -> None:
        ids = [task.provider_task_id for task in group if task.provider_task_id]
        try:
            remote = await self.ctx.client.get_many(kind, ids)
        except KlingError as exc:
            log.warning("Status check of %d %s task(s) failed: %s", len(group), kind.value, exc)
            for task in group:
                await self._lookup_failed(task)
            return
        for task in group:
            try:
                await self.apply(task, remote.get(task.provider_task_id or ""))
            except Exception:  # one bad task must not stop the others, now or after a restart
                log.exception("Task %s: recording its status failed; looking again later", task.id)
                await self._later(task)

    async def _lookup_failed(self, task: TaskRecord) -> None:
        """Back off; past the deadline, give up once lookups have failed for hours."""
        if task.deadline_at is not None and self.ctx.clock.now() > task.deadline_at + LOOKUP_FAILURE_CAP:
            await self._fail(task, UNCONFIRMED)
        else:
            await self._later(task)

    async def apply(self, task: TaskRecord, remote: KlingTask | None) -> None:
        """Record the provider's view of `task` (None: the provider does not know it)."""
        with task_context(task.id):
            await self._apply(task, remote)

    async def _apply(self, task: TaskRecord, remote: KlingTask | None) -> None:
        now = self.ctx.clock.now()
        past_deadline = task.deadline_at is not None and now >= task.deadline_at
        if remote is not None and remote.status is TaskStatus.SUCCEEDED and not remote.result_urls:
            await self._no_result_yet(task, now)
        elif remote is not None and remote.status is TaskStatus.SUCCEEDED:
            await self._succeed(task, remote)
        elif remote is not None and remote.status is TaskStatus.FAILED:
            await self._fail(task, remote.failure_reason or "The video service could not make it.")
        elif past_deadline:
            # This check was the last lookup after the deadline, and it did not find the task finished.
            minutes = self.ctx.settings.task_deadline_minutes
            await self._fail(task, LOST if remote is None else TIMED_OUT.format(minutes=minutes))
        elif remote is not None and remote.status is TaskStatus.PROCESSING and task.state is TaskState.SUBMITTED:
            updated = await self.ctx.storage.tasks.transition(
                task.id, [TaskState.SUBMITTED], TaskState.PROCESSING, now=now, **self._next_poll(task, now)
            )
            await self.ctx.notify(updated)
        else:
            await self._later(task)

    async def _no_result_yet(self, task: TaskRecord, now: float) -> None:
        """ "Finished" with nothing to fetch: look again a few times before calling it a (refunded) failure."""
        if task.empty_result_checks >= EMPTY_RESULT_LOOKS:
            log.warning("Task %s: finished without a result after %d looks", task.id, task.empty_result_checks)
            await self._fail(task, NO_RESULT)
            return
        checks = task.empty_result_checks + 1
        await self.ctx.storage.tasks.update(
            task.id, now=now, empty_result_checks=checks, next_poll_at=now + EMPTY_RESULT_RECHECK * checks
        )

    async def _succeed(self, task: TaskRecord, remote: KlingTask) -> None:
        if await record_success(self.ctx, task, remote) is not None:
            await self._slot_freed()

    async def _fail(self, task: TaskRecord, reason: str) -> None:
        if await record_failure(self.ctx, task, reason, TRACKED) is not None:
            await self._slot_freed()

    async def _later(self, task: TaskRecord) -> None:
        now = self.ctx.clock.now()
        await self.ctx.storage.tasks.update(task.id, now=now, **self._next_poll(task, now))

    def _next_poll(self, task: TaskRecord, now: float) -> dict[str, Any]:
        polls = task.polls + 1
        started = task.submitted_at if task.submitted_at is not None else task.created_at
        expected = self.ctx.expected_seconds(task)
        # A check that ran a little late (up to PULL_FORWARD) keeps its place on the grid rather than a cell later.
        at = on_grid(now + next_check_delay(now - (started + expected)) - PULL_FORWARD, expected)
        if task.deadline_at is not None and now < task.deadline_at:
            at = min(at, task.deadline_at)  # never sleep past the deadline's last lookup
        return {"polls": polls, "next_poll_at": at}
