"""The engine's front door: accept requests, run the loops, take callbacks, resume after a restart."""

from __future__ import annotations

import hmac
import logging
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import SecretStr

from bot.engine.codec import encode_request
from bot.engine.context import EngineContext
from bot.engine.deliverer import Deliverer
from bot.engine.quota import QuotaExceededError, limits_for
from bot.engine.schedule import CONFIRM_DELAY
from bot.engine.submitter import Submitter
from bot.engine.tracker import Tracker
from bot.engine.worker import Worker
from bot.kling.callbacks import parse_callback
from bot.kling.errors import CallbackError
from bot.kling.models import TaskRequest
from bot.settings import QuotaSettings
from db.models import NewTask, TaskRecord, TaskState

log = logging.getLogger(__name__)

DRAIN_ROUNDS = 50
MAINTENANCE_INTERVAL = 3600.0
DEFAULT_INPUT_RETENTION = 72 * 3600.0
TRACKED = (TaskState.SUBMITTING, TaskState.SUBMITTED, TaskState.PROCESSING)
UNDELIVERED = (TaskState.SUCCEEDED, TaskState.FAILED, TaskState.DELIVERING)


@dataclass(frozen=True)
class Submission:
    """Who asks, where the result goes, and what to make."""

    guild_id: int
    channel_id: int
    user_id: int
    request: TaskRequest
    role_ids: tuple[int, ...] = ()


class Engine:
    """Runs tasks from request to delivery; independent of Discord."""

    def __init__(
        self,
        ctx: EngineContext,
        *,
        quota: QuotaSettings,
        webhook_secret: SecretStr | None = None,
        input_retention: float = DEFAULT_INPUT_RETENTION,
    ) -> None:
        self.ctx = ctx
        self._quota = quota
        self._webhook_secret = webhook_secret
        self._input_retention = input_retention
        self.submitter = Submitter(ctx)
        self.tracker = Tracker(ctx, self.submitter.reconcile, self.submitter.slot_freed)
        self.deliverer = Deliverer(ctx)
        self._workers = [
            Worker("submitter", self.submitter.step, ctx.clock),
            Worker("tracker", self.tracker.step, ctx.clock),
            Worker("deliverer", self.deliverer.step, ctx.clock),
            Worker("maintenance", self.maintain, ctx.clock),
        ]
        ctx.wake_submitter, ctx.wake_tracker, ctx.wake_deliverer = (w.wake for w in self._workers[:3])

    async def submit(self, submission: Submission) -> TaskRecord:
        """Validate, price and reserve quota for a request, then queue it.

        Raises `InvalidRequestError` or `QuotaExceededError`; in both cases nothing is charged.
        """
        prepared = self.ctx.client.prepare(submission.request)
        params, images = await encode_request(prepared.request, self.ctx.inputs.put)
        new = NewTask(
            id=str(uuid.uuid4()),
            provider=self.ctx.client.provider,
            kind=prepared.request.kind.value,
            guild_id=submission.guild_id,
            channel_id=submission.channel_id,
            user_id=submission.user_id,
            params=params,
            images=images,
            callback_token=secrets.token_urlsafe(24),
            # An image task holds a slot per image; never more than the cap, or it could never start.
            slots=min(getattr(prepared.request, "n", 1), self.ctx.settings.provider_max_concurrent),
            units=prepared.units,
        )
        quotas = self.ctx.storage.quotas
        limits = await limits_for(quotas, self._quota, submission.guild_id, submission.role_ids)
        refusal = await quotas.reserve(new, limits, now=self.ctx.clock.now())
        if refusal is not None:
            self.ctx.metrics.quota_refusals.inc()
            raise QuotaExceededError(refusal.reason, refusal.frees_at)
        task = await self.ctx.storage.tasks.get(new.id)
        assert task is not None  # noqa: S101 - inserted just above, in the same process
        log.info("Task %s: queued (%s, %s units) for user %s", task.id, task.kind, task.units_reserved, task.user_id)
        self.ctx.wake_submitter()
        return task

    async def queue_position(self, task_id: str) -> int | None:
        """Return the task's place in the queue (1 = next), or None if it is not waiting."""
        return await self.ctx.storage.tasks.queue_position(task_id)

    async def recover(self) -> None:
        """Make sure every unfinished task has its next step scheduled (run at start)."""
        tasks, now = self.ctx.storage.tasks, self.ctx.clock.now()
        for task in await tasks.in_states(TRACKED):
            # Callbacks that came while we were down are lost: look at every in-flight task now (batched).
            if task.next_poll_at is None or task.next_poll_at > now:
                await tasks.update(task.id, now=now, next_poll_at=now)
        for task in await tasks.in_states(UNDELIVERED):
            # A delivery claimed by the previous process is not running any more: look at it now.
            if task.next_delivery_at is None or task.state is TaskState.DELIVERING:
                await tasks.update(task.id, now=now, next_delivery_at=now)
        log.info("Engine recovered %d unfinished task(s)", await tasks.count_active())

    async def start(self) -> None:
        """Recover, then start the background loops."""
        await self.recover()
        for worker in self._workers:
            worker.start()

    async def stop(self) -> None:
        """Stop the background loops (tasks stay in the database and resume at the next start)."""
        for worker in self._workers:
            await worker.stop()

    async def run_due(self) -> None:
        """Run one step of every loop (tests and tools step the engine with this instead of the loops)."""
        await self.submitter.step()
        await self.tracker.step()
        await self.deliverer.step()

    async def drain(self) -> None:
        """Step until nothing is due at the current time."""
        for _ in range(DRAIN_ROUNDS):
            await self.run_due()
            if not await self._work_due():
                return
        raise RuntimeError(f"Engine still busy after {DRAIN_ROUNDS} rounds")

    async def maintain(self) -> float:
        """Drop input images past their retention that no unsent task needs; return when to run again."""
        now = self.ctx.clock.now()
        keep = await self.ctx.storage.tasks.image_hashes_in_use()
        await self.ctx.inputs.prune(now - self._input_retention, keep)
        return now + MAINTENANCE_INTERVAL

    async def handle_callback(self, task_id: str, token: str, body: bytes, headers: Mapping[str, str]) -> int:
        """Take a provider callback as a hint: check it is ours, then confirm it with a query soon.

        Returns the HTTP status to answer with. Nothing in the callback changes a task directly.
        """
        tasks = self.ctx.storage.tasks
        task = await tasks.get(task_id)
        if task is None or not hmac.compare_digest(task.callback_token.encode(), token.encode()):
            return 404
        try:
            remote = parse_callback(body, headers, secret=self._webhook_secret)
        except CallbackError as exc:
            log.warning("Task %s: callback rejected: %s", task_id, exc)
            return 400
        if remote.task_id != task.provider_task_id and remote.external_task_id != task.id:
            log.warning("Task %s: callback names another task (%s); ignored", task_id, remote.task_id)
            return 400
        # Only an end is worth a query: "processing" callbacks would double the provider traffic for nothing.
        if task.state in TRACKED and remote.status.is_final:
            confirm_at = self.ctx.clock.now() + CONFIRM_DELAY
            if task.next_poll_at is None or task.next_poll_at > confirm_at:
                await tasks.update(task.id, now=self.ctx.clock.now(), next_poll_at=confirm_at)
            self.ctx.wake_tracker()
        return 200

    async def _work_due(self) -> bool:
        tasks, now = self.ctx.storage.tasks, self.ctx.clock.now()
        poll, delivery = await tasks.next_poll_at(), await tasks.next_delivery_at()
        if (poll is not None and poll <= now) or (delivery is not None and delivery <= now):
            return True
        if now < self.submitter.paused_until:
            return False
        queued = await tasks.queued_fair(limit=1)
        free = self.ctx.settings.provider_max_concurrent - await tasks.in_flight_slots()
        return bool(queued) and queued[0].slots <= free
