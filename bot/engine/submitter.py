"""Send queued tasks to the provider as slots free, and reconcile creates whose outcome was unknown."""

from __future__ import annotations

import json
import logging
import math

from bot.engine.cancel import end_cancelled
from bot.engine.codec import decode_request
from bot.engine.context import EngineContext
from bot.engine.credit import CREDIT_PAUSE, Credit
from bot.engine.leases import kept
from bot.engine.outcomes import record_failure
from bot.engine.schedule import first_check_at, submit_retry_delay
from bot.kling.errors import (
    ConcurrencyLimitError,
    KlingError,
    LookupUnavailableError,
    OutcomeUnknownError,
    RateLimitedError,
    ResourcePackExhaustedError,
    TransientError,
)
from bot.kling.models import KlingTask, TaskStatus
from bot.logs import task_context
from bot.vocabulary import TaskState
from db.models import NO_LEASE, TaskRecord

log = logging.getLogger(__name__)

CONCURRENCY_PAUSE = 30.0  # seconds to hold the queue after a 1303, unless a task finishes sooner
MAX_PAUSE = 300.0  # never hold the queue longer on the provider's word (a Retry-After of a day, or "inf")
MISSING_INPUT = "Its input images expired before it could be sent; please submit it again."
STAYED_FULL = "The video service stayed too busy to start it in time. Nothing was charged; please try again later."
QUEUE_SCAN = 1000  # expired queued tasks failed per step
PAUSE_KEY = "provider:pause"  # the queue's hold after a 1303 or a 1102, kept for whichever process leads next
UNKNOWN_OUTCOME_CAP = 6 * 3600.0  # past the deadline, keep trying to learn a create's outcome this long


class Submitter:
    """Moves tasks queued -> submitting -> submitted, persisting each step before its side effect."""

    def __init__(self, ctx: EngineContext, credit: Credit) -> None:
        self.ctx = ctx
        self.credit = credit
        self.paused_until = 0.0
        self._credit_hold = 0.0

    async def slot_freed(self) -> None:
        """A task finished: the provider may have room again (but no credit comes back with it)."""
        held = self._credit_hold if self._credit_hold > self.ctx.clock.now() else 0.0
        if held != self.paused_until:
            await self._hold(held)
        self.ctx.wake_submitter()

    async def load_pause(self) -> None:
        """Take over the queue's hold from the process that led before (run on becoming the leader)."""
        stored = await self.ctx.storage.guilds.get_meta(PAUSE_KEY)
        if stored:
            hold = json.loads(stored)
            self.paused_until, self._credit_hold = float(hold["until"]), float(hold["credit"])

    async def _hold(self, until: float, *, credit: float | None = None) -> None:
        """Hold the queue until `until` (a 1102's credit hold until `credit`), here and for a later leader."""
        self.paused_until = until
        if credit is not None:
            self._credit_hold = credit
        hold = json.dumps({"until": self.paused_until, "credit": self._credit_hold})
        await self.ctx.storage.guilds.set_meta(PAUSE_KEY, hold, now=self.ctx.clock.now())

    async def step(self) -> float | None:
        """Submit as many queued tasks as free slots allow; return when to look again (None: when woken).

        Only the leading process sends: one submitter counts the slots in flight, so the cap holds.
        """
        if not self.ctx.leading:
            return None
        tasks = self.ctx.storage.tasks
        await self._expire_waiting()  # also while paused: a waiting task's deadline doesn't wait
        if self.ctx.clock.now() < self.paused_until:
            return self.paused_until
        free = self.ctx.settings.provider_max_concurrent - await tasks.in_flight_slots()
        for task in await tasks.queued_fair(limit=max(free, 0)):
            if task.slots > free or self.ctx.clock.now() < self.paused_until or not self.ctx.leading:
                break
            free -= task.slots
            await self.submit(task)
        # A pause that has run out must not be returned: the worker would spin on a time in the past.
        return self.paused_until if self.paused_until > self.ctx.clock.now() else None

    async def _expire_waiting(self) -> None:
        """Fail (and refund) tasks that waited in the queue longer than the deadline: the provider stayed full."""
        cutoff = self.ctx.clock.now() - self._deadline
        for task in await self.ctx.storage.tasks.queued_before(cutoff, QUEUE_SCAN):
            with task_context(task.id):
                await self._fail(task, STAYED_FULL)

    @property
    def _lease(self) -> float:
        return self.ctx.settings.lease_seconds

    @property
    def _deadline(self) -> float:
        return self.ctx.settings.task_deadline_minutes * 60

    async def submit(self, task: TaskRecord) -> None:
        """Mark the task submitting (before anything is sent), then create it."""
        with task_context(task.id):
            if task.withheld_by is not None:  # withheld while being sent, then handed back unsent: end it
                await end_cancelled(self.ctx, task, task.withheld_by)
                return
            try:
                await self._submit(task)
            except Exception:  # never leave a task stranded: the reconciler looks again later
                log.exception("Task %s: submitting failed unexpectedly; it will be reconciled", task.id)
                await self._reschedule(task)

    async def _submit(self, task: TaskRecord) -> None:
        now = self.ctx.clock.now()
        claimed = await self.ctx.storage.tasks.transition(
            task.id,
            [TaskState.QUEUED],
            TaskState.SUBMITTING,
            now=now,
            submit_attempts=task.submit_attempts + 1,
            # A lease: if this process dies or errs mid-create, the reconciler picks the task up once it ends.
            lease_owner=self.ctx.owner,
            lease_until=now + self._lease,
            next_poll_at=now + self._lease,
            deadline_at=now + self._deadline,
        )
        if claimed is not None:
            if task.submit_attempts == 0:
                self.ctx.metrics.claim_delay.labels("submit").observe(max(now - task.created_at, 0.0))
            await self.ctx.notify(claimed)
            async with kept(self.ctx, claimed.id, due="next_poll_at"):
                await self._create(claimed)

    async def reconcile(self, task: TaskRecord) -> None:
        """Settle a task left in `submitting`: adopt the provider's task if it exists, else create it.

        Under a lease of its own: a task another process is still sending is left to it.
        """
        with task_context(task.id):
            now = self.ctx.clock.now()
            leased = None
            leased = await self.ctx.storage.tasks.take_lease(
                task.id, [TaskState.SUBMITTING], self.ctx.owner, now=now, until=now + self._lease,
                next_poll_at=now + self._lease,
            )  # fmt: skip
            if leased is None:  # still being sent: look when its lease ends (a callback may have moved the check)
                current = await self.ctx.storage.tasks.get(task.id)
                if current is not None and current.state is TaskState.SUBMITTING and current.lease_until is not None:
                    await self.ctx.storage.tasks.update(task.id, now=now, next_poll_at=max(current.lease_until, now))
                return
            try:
                async with kept(self.ctx, leased.id, due="next_poll_at"):
                    await self._reconcile(leased)
            except Exception:
                log.exception("Task %s: reconciling failed unexpectedly; trying again later", task.id)
                await self._reschedule(task)

    async def _reschedule(self, task: TaskRecord) -> None:
        now = self.ctx.clock.now()
        await self.ctx.storage.tasks.update(
            task.id, now=now, next_poll_at=now + submit_retry_delay(task.submit_attempts), **NO_LEASE
        )

    async def _reconcile(self, task: TaskRecord) -> None:
        try:
            existing = await self.ctx.client.find(task.kind, task.id)
        except LookupUnavailableError as exc:  # never send blind: say plainly it can't be settled, and refund
            log.warning("Task %s: can't tell whether the provider got it (%s); ending it unsent", task.id, exc)
            await self._fail(task, exc.user_message)
            return
        except KlingError as exc:
            await self._retry_later(task, f"lookup failed: {exc}")
            return
        if existing is not None:
            log.info("Task %s: found at the provider as %s", task.id, existing.task_id)
            await self._mark_submitted(task, existing)
            return
        if task.withheld_by is not None:  # withheld, and the provider confirms it never got it: end it unsent
            await end_cancelled(self.ctx, task, task.withheld_by, (TaskState.SUBMITTING,))
            return
        if self._past_deadline(task):  # the provider confirms it never got it: refunding is safe
            await self._fail(task, STAYED_FULL)
            return
        await self.ctx.storage.tasks.update(task.id, now=self.ctx.clock.now(), submit_attempts=task.submit_attempts + 1)
        await self._create(task)

    async def _create(self, task: TaskRecord) -> None:
        try:
            request = await decode_request(task.kind, task.params, task.images, self.ctx.inputs.get)
        except FileNotFoundError:
            await self._fail(task, MISSING_INPUT)
            return
        try:
            created = await self.ctx.client.create(
                request, external_task_id=task.id, callback_url=self.ctx.callback_url(task)
            )
        except (ConcurrencyLimitError, RateLimitedError) as exc:
            await self._requeue(task, exc)
        except ResourcePackExhaustedError as exc:  # no credit: wait in the queue, take no more, resume later
            now = self.ctx.clock.now()
            await self.credit.pause(f"the provider answered {exc.code}: {exc.message}", now, until=now + CREDIT_PAUSE)
            self._credit_hold = now + CREDIT_PAUSE  # a finishing task frees a slot, not credit
            await self._requeue(task, exc, pause=CREDIT_PAUSE)
        except (OutcomeUnknownError, TransientError) as exc:
            await self._retry_later(task, str(exc))
        except KlingError as exc:
            log.warning("Task %s: provider refused the create: %s", task.id, exc)
            await self._fail(task, exc.user_message)
        else:
            await self.credit.created(self.ctx.clock.now())
            await self._mark_submitted(task, created)

    async def _mark_submitted(self, task: TaskRecord, remote: KlingTask) -> None:
        now = self.ctx.clock.now()
        expected = self.ctx.expected_seconds(task)
        first = first_check_at(now, expected, callbacks=self.ctx.callbacks_on)
        # A task found already moving (reconciled after a crash) is looked at right away.
        next_poll = first if remote.status is TaskStatus.SUBMITTED else now
        updated = await self.ctx.storage.tasks.transition(
            task.id,
            [TaskState.SUBMITTING],
            TaskState.SUBMITTED,
            now=now,
            provider_task_id=remote.task_id,
            submitted_at=now,
            expected_at=now + expected,
            deadline_at=now + self.ctx.settings.task_deadline_minutes * 60,
            next_poll_at=next_poll,
        )
        log.info("Task %s: submitted as %s", task.id, remote.task_id)
        await self.ctx.notify(updated)
        self.ctx.wake_tracker()

    async def _requeue(self, task: TaskRecord, exc: KlingError, *, pause: float | None = None) -> None:
        now = self.ctx.clock.now()
        pause = pause if pause is not None else capped_pause(getattr(exc, "retry_after", None))
        await self._hold(max(self.paused_until, now + pause))
        log.info("Task %s: provider at capacity (%s); back in the queue for %.0f s", task.id, exc.code, pause)
        updated = await self.ctx.storage.tasks.transition(
            task.id, [TaskState.SUBMITTING], TaskState.QUEUED, now=now, next_poll_at=None
        )
        if updated is not None and updated.withheld_by is not None:  # "don't post it" while it was being sent,
            await end_cancelled(self.ctx, updated, updated.withheld_by)  # and nothing was created: end it now
            return
        await self.ctx.notify(updated)

    async def _retry_later(self, task: TaskRecord, reason: str) -> None:
        now = self.ctx.clock.now()
        if now > self._first_deadline(task) + UNKNOWN_OUTCOME_CAP:
            # Hours of failed lookups: give up. The provider may have made it; its result is then not delivered.
            await self._fail(task, "The video service could not be reached for too long. Nothing was charged.")
            return
        delay = submit_retry_delay(task.submit_attempts)
        log.warning("Task %s: create outcome unknown (%s); reconciling in %.0f s", task.id, reason, delay)
        # The lease ends: the reconcile takes one of its own, in whichever process leads by then.
        await self.ctx.storage.tasks.update(task.id, now=now, next_poll_at=now + delay, **NO_LEASE)
        self.ctx.wake_tracker()

    def _first_deadline(self, task: TaskRecord) -> float:
        return task.deadline_at if task.deadline_at is not None else task.created_at + self._deadline

    def _past_deadline(self, task: TaskRecord) -> bool:
        return self.ctx.clock.now() > self._first_deadline(task)

    async def _fail(self, task: TaskRecord, reason: str) -> None:
        await record_failure(self.ctx, task, reason, (TaskState.QUEUED, TaskState.SUBMITTING))


def capped_pause(retry_after: float | None) -> float:
    """Return how long to hold the queue after a capacity refusal: the provider's word, within reason."""
    if retry_after is None or math.isnan(retry_after):
        return CONCURRENCY_PAUSE
    return min(max(retry_after, 0.0), MAX_PAUSE)
