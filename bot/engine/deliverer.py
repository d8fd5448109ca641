"""Hand each finished task to the delivery port exactly once, archiving its results first."""

from __future__ import annotations

import logging
from typing import Any

from bot.engine.context import EngineContext
from bot.engine.download import DownloadError
from bot.engine.ports import DeliveryError, DeliveryReceipt
from bot.engine.schedule import delivery_retry_delay
from bot.logs import task_context
from bot.vocabulary import Outcome, TaskState
from db.models import TaskRecord

log = logging.getLogger(__name__)

BATCH = 20
LEASE = 300.0  # seconds a claimed delivery may take before it is looked at again
FINISHED = (TaskState.SUCCEEDED, TaskState.FAILED)


class Deliverer:
    """Claims finished tasks (succeeded/failed -> delivering) and records the port's outcome."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx

    async def step(self) -> float | None:
        """Deliver every due task; return when the next delivery falls due."""
        tasks = self.ctx.storage.tasks
        for task in await tasks.due_for_delivery(self.ctx.clock.now(), BATCH):
            await self.deliver(task)
        return await tasks.next_delivery_at()

    async def deliver(self, task: TaskRecord) -> None:
        """Claim the task, make sure it was not delivered already, archive its results, hand it over."""
        with task_context(task.id):
            try:
                await self._deliver(task)
            except Exception as exc:  # counted like any failed attempt, so it ends at the cap, not in a loop
                log.exception("Task %s: delivery failed unexpectedly", task.id)
                current = await self.ctx.storage.tasks.get(task.id)
                if current is not None and current.state is TaskState.DELIVERING:
                    await self._attempt_failed(current, f"unexpected error: {exc!r}", transient=True)

    async def _deliver(self, task: TaskRecord) -> None:
        claimed = await self._claim(task)
        if claimed is None:
            return
        if claimed.withheld_by is not None:  # recorded before the claim, so nothing was ever posted for it
            await self._keep_unposted(claimed)
            return
        if task.state is TaskState.DELIVERING:  # an earlier attempt may have reached the user
            try:
                receipt = await self._find_earlier(claimed)
            except DeliveryError as exc:  # can't tell yet: look again later rather than risk a second post
                await self._attempt_failed(claimed, str(exc), transient=True)
                return
            if receipt is not None:
                await self._delivered(claimed, receipt)
                return
            if claimed.delivery_attempts > self.ctx.settings.delivery_max_attempts:
                await self._attempt_failed(claimed, claimed.delivery_error or "too many attempts", transient=False)
                return
        claimed = await self._archive(claimed)
        if claimed is None:
            return
        try:
            receipt = await self.ctx.port.deliver(claimed)
        except DeliveryError as exc:
            await self._attempt_failed(claimed, str(exc), transient=exc.transient)
            return
        await self._delivered(claimed, receipt)

    async def _keep_unposted(self, task: TaskRecord) -> None:
        """End a cancelled or withheld task without posting: its results are archived like any other's."""
        archived = await self._archive(task)
        if archived is None:
            return
        log.info("Task %s: not posted (withheld by user %s)", task.id, task.withheld_by)
        await self._delivered(archived, DeliveryReceipt(message_id=None))

    async def _claim(self, task: TaskRecord) -> TaskRecord | None:
        now = self.ctx.clock.now()
        fields: dict[str, Any] = {"delivery_attempts": task.delivery_attempts + 1, "next_delivery_at": now + LEASE}
        if task.state in FINISHED:
            return await self.ctx.storage.tasks.transition(task.id, FINISHED, TaskState.DELIVERING, now=now, **fields)
        if task.state is TaskState.DELIVERING:
            await self.ctx.storage.tasks.update(task.id, now=now, **fields)
            return await self.ctx.storage.tasks.get(task.id)
        await self.ctx.storage.tasks.update(task.id, now=now, next_delivery_at=None)
        return None

    async def _find_earlier(self, task: TaskRecord) -> DeliveryReceipt | None:
        """Return an earlier delivery, None if there was none; raise a transient error while it can't be told.

        On the last attempt an unanswerable check counts as "none": a possible second post beats a lost one.
        """
        try:
            return await self.ctx.port.find_delivery(task)
        except DeliveryError as exc:
            log.warning("Task %s: could not check for an earlier delivery: %s", task.id, exc)
            if exc.transient and task.delivery_attempts < self.ctx.settings.delivery_max_attempts:
                raise
            return None

    async def _archive(self, task: TaskRecord) -> TaskRecord | None:
        if task.outcome is not Outcome.SUCCEEDED or len(task.archived_paths) == len(task.result_urls):
            return task
        try:
            paths = await self.ctx.archive.fetch(task)
        except DownloadError as exc:
            # Retry a flaky download, but not at the cost of the delivery: on the last try, post links instead.
            if exc.transient and task.delivery_attempts < self.ctx.settings.delivery_max_attempts:
                await self._attempt_failed(task, f"download failed: {exc}", transient=True)
                return None
            log.warning("Task %s: result can't be downloaded (%s); delivering links only", task.id, exc)
            return task
        await self.ctx.storage.tasks.update(task.id, now=self.ctx.clock.now(), archived_paths=list(paths))
        return task.model_copy(update={"archived_paths": paths})

    async def _delivered(self, task: TaskRecord, receipt: DeliveryReceipt) -> None:
        now = self.ctx.clock.now()
        updated = await self.ctx.storage.tasks.transition(
            task.id,
            [TaskState.DELIVERING],
            TaskState.DELIVERED,
            now=now,
            delivery_message_id=receipt.message_id,
            delivered_at=now,
            next_delivery_at=None,
        )
        log.info("Task %s: delivered (message %s)", task.id, receipt.message_id)
        if task.finished_at is not None:
            self.ctx.metrics.delivery_latency.observe(max(now - task.finished_at, 0.0))
        await self.ctx.notify(updated)

    async def _attempt_failed(self, task: TaskRecord, reason: str, *, transient: bool) -> None:
        now = self.ctx.clock.now()
        if transient and task.delivery_attempts < self.ctx.settings.delivery_max_attempts:
            delay = delivery_retry_delay(task.delivery_attempts)
            log.warning("Task %s: delivery attempt %d failed (%s); retrying in %.0f s", task.id,
                        task.delivery_attempts, reason, delay)  # fmt: skip
            await self.ctx.storage.tasks.update(task.id, now=now, delivery_error=reason, next_delivery_at=now + delay)
            return
        log.error("Task %s: delivery failed for good after %d attempt(s): %s", task.id, task.delivery_attempts, reason)
        updated = await self.ctx.storage.tasks.transition(
            task.id, [TaskState.DELIVERING], TaskState.DELIVERY_FAILED, now=now,
            delivery_error=reason, next_delivery_at=None,
        )  # fmt: skip
        await self.ctx.notify(updated)
