"""Admit a request: validate and price it, then reserve quota and queue it in one transaction."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.disk import DiskGuard
from bot.engine.alerts import Alerts
from bot.engine.codec import encode_request
from bot.engine.context import EngineContext
from bot.engine.credit import Credit
from bot.kling.models import TaskRequest
from bot.quota import (
    BOT_WINDOWS,
    QUOTA_WINDOW,
    LimitKind,
    QuotaExceededError,
    QuotaRefusal,
    QuotaStanding,
    decide,
    release_time,
    resolve_limits,
    standing,
)
from bot.settings import QuotaSettings
from db.models import Delivery, NewTask, QuotaLimits, TaskRecord, Usage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submission:
    """Who asks, where the result goes, and what to make."""

    guild_id: int
    channel_id: int
    user_id: int
    request: TaskRequest
    role_ids: tuple[int, ...] = ()
    deliver_to: Delivery = "channel"  # the requester may ask for the result by DM


class Admission:
    """The engine's intake: nothing is stored or charged unless every check passes."""

    def __init__(
        self,
        ctx: EngineContext,
        quota: QuotaSettings,
        disk: DiskGuard | None = None,
        credit: Credit | None = None,
        alerts: Alerts | None = None,
    ) -> None:
        self._ctx = ctx
        self._alerts = alerts
        self._quota = quota
        self._disk = disk
        self._credit = credit

    async def admit(self, submission: Submission) -> TaskRecord:
        """Validate, price and reserve quota for a request, then queue it.

        Raises `InvalidRequestError`, `QuotaExceededError` or `LowDiskError`; nothing is charged then.
        """
        ctx = self._ctx
        if self._credit is not None:
            await self._credit.check(ctx.clock.now())  # out of credit: say so now rather than fail the task later
        if self._disk is not None:
            self._disk.check()  # before anything is stored: a full disk would fail the task half-way
        prepared = ctx.client.prepare(submission.request)
        limits = await self.limits(submission.guild_id, submission.role_ids)
        # Refuse before keeping any image: a member at their limit must not fill the disk for free.
        # (The reservation below decides again, atomically; only a request racing past this check
        # leaves its images behind, for the hourly pruning.)
        early = await self._precheck(submission, limits, prepared.units)
        if early is not None:
            ctx.metrics.quota_refusals.inc()
            raise QuotaExceededError(early)
        params, images = await encode_request(prepared.request, ctx.inputs.put)
        new = NewTask(
            id=str(uuid.uuid4()),
            provider=ctx.client.provider,
            kind=prepared.request.kind,
            guild_id=submission.guild_id,
            channel_id=submission.channel_id,
            user_id=submission.user_id,
            params=params,
            images=images,
            callback_token=secrets.token_urlsafe(24),
            # An image task holds a slot per image; never more than the cap, or it could never start.
            slots=min(getattr(prepared.request, "n", 1), ctx.settings.provider_max_concurrent),
            units=prepared.units,
            deliver_to=submission.deliver_to,
        )
        now = ctx.clock.now()
        seen: list[Usage] = []

        def decide_and_keep(usage: Usage) -> QuotaRefusal | None:
            seen.append(usage)  # the usage the decision saw, for the budget alerts below
            return decide(usage, limits, new.units)

        refusal = await ctx.storage.quotas.reserve(
            new, decide_and_keep, now=now, window=QUOTA_WINDOW, bot_windows=bot_windows(limits)
        )
        if refusal is not None:
            ctx.metrics.quota_refusals.inc()
            if self._alerts is not None:
                self._alerts.after_refusal(refusal, new.guild_id)
            raise QuotaExceededError(await self._with_release_time(refusal, new.guild_id, new.user_id, now))
        if self._alerts is not None and seen:
            self._alerts.after_reservation(seen[-1], limits, new.units, new.guild_id)
        task = await ctx.storage.tasks.get(new.id)
        assert task is not None  # noqa: S101 - inserted just above, in the same process
        log.info("Task %s: queued (%s, %s units) for user %s", task.id, task.kind, task.units_reserved, task.user_id)
        ctx.wake_submitter()
        return task

    async def limits(self, guild_id: int, role_ids: Sequence[int]) -> QuotaLimits:
        """Return the limits that apply to a member with `role_ids` in the guild."""
        quotas = self._ctx.storage.quotas
        guild = await quotas.guild_policy(guild_id)
        roles = (await quotas.role_policies(guild_id, role_ids)).values()
        return resolve_limits(self._quota, guild, roles)

    async def standing(self, guild_id: int, user_id: int, role_ids: Sequence[int]) -> QuotaStanding:
        """Return a member's limits, usage and what is left, from the numbers admission decides on."""
        limits = await self.limits(guild_id, role_ids)
        now = self._ctx.clock.now()
        usage = await self._ctx.storage.quotas.usage(
            guild_id, user_id, now=now, window=QUOTA_WINDOW, bot_windows=bot_windows(limits)
        )
        return standing(usage, limits)

    async def _precheck(self, submission: Submission, limits: QuotaLimits, cost: Decimal) -> QuotaRefusal | None:
        now = self._ctx.clock.now()
        usage = await self._ctx.storage.quotas.usage(
            submission.guild_id, submission.user_id, now=now, window=QUOTA_WINDOW, bot_windows=bot_windows(limits)
        )
        refusal = decide(usage, limits, cost)
        if refusal is None:
            return None
        if self._alerts is not None:
            self._alerts.after_refusal(refusal, submission.guild_id)
        return await self._with_release_time(refusal, submission.guild_id, submission.user_id, now)

    async def _with_release_time(self, refusal: QuotaRefusal, guild_id: int, user_id: int, now: float) -> QuotaRefusal:
        """Add when waiting makes room (the active-task limit frees when a task ends, not with time)."""
        if refusal.limit is LimitKind.ACTIVE_TASKS:
            return refusal
        scope = refusal.limit.scope
        guild = None if scope == "bot" else guild_id
        user = user_id if scope == "user" else None
        window = refusal.limit.window
        counted = await self._ctx.storage.quotas.counted_reservations(guild, user, since=now - window)
        return refusal.at(release_time(counted, refusal.excess, window))


def bot_windows(limits: QuotaLimits) -> tuple[float, float] | None:
    """Return the bot-wide windows to sum (only when a bot-wide budget is set: it reads every reservation)."""
    return BOT_WINDOWS if limits.bot_daily_units is not None or limits.bot_monthly_units is not None else None
