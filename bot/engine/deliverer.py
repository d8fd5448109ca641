"""Hand each finished task to the delivery port exactly once, archiving its results first.

Every process delivers: each claims one due task at a time under a lease (`claim_deliveries`), renewed while
the download and the post run. A delivery whose lease ran out (its process died or hung) is taken over by
any process, which first looks for the post in Discord, so one post survives a kill mid-post.
"""

from __future__ import annotations

import logging

from bot.engine.context import EngineContext
from bot.engine.download import DownloadError
from bot.engine.leases import kept
from bot.engine.ports import DeliveryError, DeliveryReceipt
from bot.engine.schedule import delivery_retry_delay
from bot.logs import task_context
from bot.vocabulary import Outcome, TaskState
from db.models import NO_LEASE, TaskRecord

log = logging.getLogger(__name__)

BATCH = 20  # deliveries per step, claimed one at a time so that idle processes share the work
CLAIM_RETRY = 1.0  # seconds before looking again at a due delivery another process was claiming


class Deliverer:
    """Claims finished tasks (succeeded/failed -> delivering) and records the port's outcome."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx

    async def step(self) -> float | None:
        """Deliver due tasks (BATCH at most); return when the next delivery falls due."""
        tasks = self.ctx.storage.tasks
        for _ in range(BATCH):
            now = self.ctx.clock.now()
            until = now + self.ctx.settings.lease_seconds
            claimed = await tasks.claim_deliveries(self.ctx.owner, now=now, until=until, limit=1)
            if not claimed:
                # Due but not claimed: another process was claiming it this instant. Don't spin on it.
                due = await tasks.next_delivery_at()
                return None if due is None else max(due, now + CLAIM_RETRY)
            for task, claimed_from in claimed:
                if claimed_from is not TaskState.DELIVERING and task.finished_at is not None:  # a first claim
                    self.ctx.metrics.claim_delay.labels("deliver").observe(max(now - task.finished_at, 0.0))
                await self.deliver(task, claimed_from)
        return await tasks.next_delivery_at()

    async def deliver(self, task: TaskRecord, claimed_from: TaskState) -> None:
        """Deliver a task this process claimed: make sure it was not delivered already, archive its results,
        hand it over; the lease is renewed meanwhile."""
        with task_context(task.id):
            try:
                async with kept(self.ctx, task.id, due="next_delivery_at"):
                    await self._deliver(task, claimed_from)
            except Exception as exc:  # counted like any failed attempt, so it ends at the cap, not in a loop
                log.exception("Task %s: delivery failed unexpectedly", task.id)
                current = await self.ctx.storage.tasks.get(task.id)
                if current is not None and current.state is TaskState.DELIVERING:
                    await self._attempt_failed(current, f"unexpected error: {exc!r}", transient=True)

    async def _deliver(self, task: TaskRecord, claimed_from: TaskState) -> None:
        if task.withheld_by is not None:  # recorded before the claim, so nothing was ever posted for it
            await self._keep_unposted(task)
            return
        if claimed_from is TaskState.DELIVERING:  # an earlier attempt (here or in a process gone) may have posted
            try:
                receipt = await self._find_earlier(task)
            except DeliveryError as exc:  # can't tell yet: look again later rather than risk a second post
                await self._attempt_failed(task, str(exc), transient=True)
                return
            if receipt is not None:
                await self._delivered(task, receipt)
                return
            if task.delivery_attempts > self.ctx.settings.delivery_max_attempts:
                await self._attempt_failed(task, task.delivery_error or "too many attempts", transient=False)
                return
        archived = await self._archive(task)
        if archived is None:
            return
        try:
            receipt = await self.ctx.port.deliver(archived)
        except DeliveryError as exc:
            await self._attempt_failed(archived, str(exc), transient=exc.transient)
            return
        await self._delivered(archived, receipt)

    async def _keep_unposted(self, task: TaskRecord) -> None:
        """End a cancelled or withheld task without posting: its results are archived like any other's."""
        archived = await self._archive(task)
        if archived is None:
            return
        log.info("Task %s: not posted (withheld by user %s)", task.id, task.withheld_by)
        await self._delivered(archived, DeliveryReceipt(message_id=None))

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
            # The lease ends (any process may make the next attempt); only if this process still held it.
            await self.ctx.storage.tasks.update(
                task.id, now=now, holder=self.ctx.owner, delivery_error=reason, next_delivery_at=now + delay,
                **NO_LEASE,
            )  # fmt: skip
            return
        log.error("Task %s: delivery failed for good after %d attempt(s): %s", task.id, task.delivery_attempts, reason)
        updated = await self.ctx.storage.tasks.transition(
            task.id, [TaskState.DELIVERING], TaskState.DELIVERY_FAILED, now=now, holder=self.ctx.owner,
            delivery_error=reason, next_delivery_at=None,
        )  # fmt: skip
        await self.ctx.notify(updated)
