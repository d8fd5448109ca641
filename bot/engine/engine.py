"""The engine's front door: accept requests, run the loops, take callbacks, resume after a restart."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from pydantic import SecretStr

from bot.disk import DiskGuard
from bot.engine.admission import Admission, Submission
from bot.engine.alerts import Alerts
from bot.engine.callbacks import CallbackReceiver
from bot.engine.cancel import CancelResult, Stopper
from bot.engine.clock import Clock
from bot.engine.codec import decode_request
from bot.engine.context import EngineContext
from bot.engine.credit import BalanceWatch, Credit
from bot.engine.deliverer import Deliverer
from bot.engine.inputs import InputStore
from bot.engine.leadership import Leadership
from bot.engine.overrides import Overrides
from bot.engine.ports import AlertSink, DeliveryPort
from bot.engine.progress import Progress, estimate
from bot.engine.recovery import recover_deliveries, recover_tracking
from bot.engine.results import ResultArchive
from bot.engine.submitter import Submitter
from bot.engine.tracker import Tracker
from bot.engine.worker import Worker
from bot.kling.balance import AccountBalance
from bot.kling.provider import ProviderClient
from bot.metrics import Metrics
from bot.quota import QuotaStanding
from bot.settings import EngineSettings, QuotaSettings
from bot.vocabulary import TaskState
from db import Storage
from db.models import Delivery, TaskRecord

log = logging.getLogger(__name__)

DRAIN_ROUNDS = 50
LEARNED_FROM = 1000  # recent completions read at start to know expected generation times
MAINTENANCE_INTERVAL = 3600.0
DEFAULT_INPUT_RETENTION = 72 * 3600.0
DEFAULT_ARCHIVE_RETENTION = 30 * 86400.0
ARCHIVE_PRUNE_BATCH = 200


class InputsExpiredError(Exception):
    """A task can't be run again: its input images are no longer kept."""


BALANCE_CACHE_SECONDS = 60.0


class Engine:
    """Runs tasks from request to delivery; independent of Discord (it talks to a `DeliveryPort`)."""

    def __init__(
        self,
        *,
        storage: Storage,
        provider: ProviderClient,
        port: DeliveryPort,
        inputs: InputStore,
        archive: ResultArchive,
        clock: Clock,
        settings: EngineSettings,
        quota: QuotaSettings,
        callback_base: str | None = None,
        webhook_secret: SecretStr | None = None,
        input_retention: float = DEFAULT_INPUT_RETENTION,
        archive_retention: float = DEFAULT_ARCHIVE_RETENTION,
        disk: DiskGuard | None = None,
        alerts: AlertSink | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        ctx = EngineContext(
            storage=storage, client=provider, inputs=inputs, archive=archive, port=port, clock=clock,
            settings=settings, callback_base=callback_base, metrics=metrics or Metrics(),
        )  # fmt: skip
        self._ctx = ctx
        self._input_retention = input_retention
        self._archive_retention = archive_retention
        self._alerts = Alerts(ctx, alerts)
        self.credit = Credit(store=storage.guilds, notify=self._alerts.notice)
        self._balance_watch = BalanceWatch(ctx, self.credit, low_water=quota.balance_alert_units)
        self._balance_read: tuple[float, AccountBalance | None] | None = None
        self._admission = Admission(ctx, quota, disk, self.credit, self._alerts)
        self._callbacks = CallbackReceiver(ctx, webhook_secret)
        self._stopper = Stopper(ctx)
        self.submitter = Submitter(ctx, self.credit)
        self.tracker = Tracker(ctx, self.submitter.reconcile, self.submitter.slot_freed)
        self.deliverer = Deliverer(ctx)
        self._leadership = Leadership(ctx, gained=self._lead)
        # The submitter and the tracker look for themselves whether this process leads; the periodic steps
        # only run in the leader too (one balance read an hour, one housekeeping, however many processes).
        self._led = [
            Worker("submitter", self.submitter.step, clock, ctx.wakes.submitter),
            Worker("tracker", self.tracker.step, clock, ctx.wakes.tracker),
            Worker("maintenance", self._if_leading(self.maintain), clock, periodic=True),
            Worker("balance", self._if_leading(self._balance_watch.step), clock, periodic=True),
        ]
        self._workers = [
            Worker("leadership", self._leadership.step, clock, self._leadership.lost),
            Worker("deliverer", self.deliverer.step, clock, ctx.wakes.deliverer),
            *self._led,
        ]

    # Requests

    async def submit(self, submission: Submission) -> TaskRecord:
        """Validate, price and reserve quota for a request, then queue it.

        Raises `InvalidRequestError` or `QuotaExceededError`; in both cases nothing is charged.
        """
        return await self._admission.admit(submission)

    async def resubmit(
        self,
        task_id: str,
        *,
        guild_id: int,
        channel_id: int,
        user_id: int,
        role_ids: tuple[int, ...] = (),
        deliver_to: Delivery = "channel",
        overrides: Overrides | None = None,
    ) -> TaskRecord:
        """Queue the request `task_id` was made from again, for this requester, from the kept input images.

        `overrides` changes its texts (Remix); the request is then validated, priced and reserved like any.
        Raises `InputsExpiredError` when the images are gone, and what `submit` raises.
        """
        task = await self._ctx.storage.tasks.get(task_id)
        if task is None:
            raise LookupError(f"no task {task_id}")
        try:
            params = overrides.applied_to(task.params) if overrides is not None else task.params
            request = await decode_request(task.kind, params, task.images, self._ctx.inputs.get)
        except FileNotFoundError:
            raise InputsExpiredError(task_id) from None
        return await self.submit(Submission(guild_id, channel_id, user_id, request, role_ids, deliver_to))

    async def queue_position(self, task_id: str) -> int | None:
        """Return the task's place in the queue (1 = next), or None if it is not waiting."""
        return await self._ctx.storage.tasks.queue_position(task_id)

    async def progress(self, task: TaskRecord) -> Progress:
        """Return the task's place in the queue and when it should be finished, from the learned times."""
        position = await self.queue_position(task.id) if task.state is TaskState.QUEUED else None
        return estimate(
            task, position, expected=self._ctx.expected_seconds(task),
            concurrency=self._ctx.settings.provider_max_concurrent, now=self._ctx.clock.now(),
        )  # fmt: skip

    async def cancel(self, task_id: str, by_user_id: int) -> CancelResult:
        """Cancel a task for `by_user_id`: one still waiting ends now and is refunded (CANCELLED); one Kling
        has runs on, since Kling can't stop it (AT_PROVIDER: `withhold` can still keep it from being posted).
        """
        return await self._stopper.cancel(task_id, by_user_id)

    async def withhold(self, task_id: str, by_user_id: int) -> CancelResult:
        """Keep a task's result from being posted: archived and charged as Kling charges, never posted
        (WITHHELD); a task still waiting is cancelled and refunded instead; TOO_LATE once it is being posted.
        """
        return await self._stopper.withhold(task_id, by_user_id)

    async def member_quota(self, guild_id: int, user_id: int, role_ids: Sequence[int]) -> QuotaStanding:
        """Return a member's limits, usage and what is left (the numbers `submit` decides on)."""
        return await self._admission.standing(guild_id, user_id, role_ids)

    async def check_balance(self) -> None:
        """Read the balance now and pause or resume intake on it (the loop does this hourly)."""
        await self._balance_watch.step()

    async def read_balance(self) -> AccountBalance | None:
        """Return the provider account's balance (None where the provider reports none), read at most once
        a minute however many admins ask (Kling's own figure lags up to 12 hours)."""
        now = self._ctx.clock.now()
        if self._balance_read is not None and now - self._balance_read[0] < BALANCE_CACHE_SECONDS:
            return self._balance_read[1]
        balance = await self._ctx.client.balance()
        self._balance_read = (now, balance)
        return balance

    def now(self) -> float:
        """Return the engine's time (Unix seconds); tests move it."""
        return self._ctx.clock.now()

    async def task_counts(self) -> dict[TaskState, int]:
        """Return how many tasks are in each state."""
        return await self._ctx.storage.tasks.count_by_state()

    # Callbacks

    def set_callback_base(self, base: str | None) -> None:
        """Ask the provider to call back at `base` (None: don't); for a web server bound after start."""
        self._ctx.callback_base = base

    @property
    def callback_base(self) -> str | None:
        """Return the public base URL callbacks are sent to, if any."""
        return self._ctx.callback_base

    async def handle_callback(self, task_id: str, token: str, body: bytes, headers: Mapping[str, str]) -> int:
        """Take a provider callback as a hint; return the HTTP status to answer with."""
        return await self._callbacks.handle(task_id, token, body, headers)

    # Running

    def expected_seconds(self, task: TaskRecord) -> float:
        """Return how long `task` is expected to take at the provider (learned from recent completions)."""
        return self._ctx.expected_seconds(task)

    async def recover(self) -> None:
        """Make sure every unfinished task has its next step scheduled, and try to lead (run at start).

        Leases are respected: among several processes (PostgreSQL) a starting one never takes live work.
        """
        tasks = self._ctx.storage.tasks
        self._ctx.expected.learn_all(await tasks.recent_generation_times(LEARNED_FROM))
        await recover_deliveries(self._ctx)
        await self._leadership.step()  # on becoming the leader, `_lead` looks at the tasks in flight
        log.info("Engine recovered %d unfinished task(s)", await tasks.count_active())

    async def _lead(self) -> None:
        """This process now leads: take over the queue's hold, look at every task in flight, start the loops."""
        await self.submitter.load_pause()
        await recover_tracking(self._ctx)
        for worker in self._led:
            worker.wake()

    def _if_leading(self, step: Callable[[], Awaitable[float]]) -> Callable[[], Awaitable[float | None]]:
        async def led() -> float | None:
            return await step() if self._ctx.leading else None

        return led

    async def start(self, *, work: bool = True) -> None:
        """Recover, then start the background loops.

        `work=False` (a gateway process) runs no loop: it takes requests, callbacks and buttons, and the
        processes that work (PostgreSQL) hear of them through the database.
        """
        if not work:
            self._ctx.expected.learn_all(await self._ctx.storage.tasks.recent_generation_times(LEARNED_FROM))
            return
        await self.recover()
        for worker in self._workers:
            worker.start()

    async def stop(self) -> None:
        """Stop the background loops and give up the leadership (tasks stay in the database and resume at the
        next start, here or in another process)."""
        for worker in self._workers:
            await worker.stop()
        await self._leadership.close()
        await self._ctx.storage.coordination.close()
        await self._alerts.close()

    async def run_due(self) -> None:
        """Run one step of every loop (tests and tools step the engine with this instead of the loops)."""
        await self._leadership.step()
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
        """Drop inputs and archived results past their retention; return when to run again."""
        now = self._ctx.clock.now()
        keep = await self._ctx.storage.tasks.image_hashes_in_use()
        await self._ctx.inputs.prune(now - self._input_retention, keep)
        await self._prune_archive(now - self._archive_retention)
        return now + MAINTENANCE_INTERVAL

    async def _prune_archive(self, cutoff: float) -> None:
        tasks = self._ctx.storage.tasks
        pruned = 0
        while old := await tasks.archived_before(cutoff, ARCHIVE_PRUNE_BATCH):
            for task in old:
                await self._ctx.archive.discard(task)
                # The record forgets the files: a later re-post falls back to the provider's link.
                await tasks.update(task.id, now=self._ctx.clock.now(), archived_paths=[])
            pruned += len(old)
        if pruned:
            log.info("Pruned the archived results of %d task(s)", pruned)

    async def _work_due(self) -> bool:
        tasks, now = self._ctx.storage.tasks, self._ctx.clock.now()
        delivery = await tasks.next_delivery_at()
        if delivery is not None and delivery <= now:
            return True
        if not self._ctx.leading:  # checks and sends are the leader's
            return False
        poll = await tasks.next_poll_at()
        if poll is not None and poll <= now:
            return True
        if now < self.submitter.paused_until:
            return False
        queued = await tasks.queued_fair(limit=1)
        free = self._ctx.settings.provider_max_concurrent - await tasks.in_flight_slots()
        return bool(queued) and queued[0].slots <= free
