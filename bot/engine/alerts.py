"""Budget alerts at 80 % and 100 % (once per threshold per window), and notices for the operators.

They go out in the background through an `AlertSink`: a slow Discord never holds up a request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from decimal import Decimal
from typing import Any

from bot.engine.context import EngineContext
from bot.engine.ports import AlertSink, BudgetAlert, OperatorNotice
from bot.quota import LimitKind, QuotaRefusal
from bot.quota.decision import units
from db.models import QuotaLimits, Usage

log = logging.getLogger(__name__)

THRESHOLDS = (80, 100)
CLOSE_WAIT = 5.0
NOTICE_REPEAT = 24 * 3600.0  # the same operator notice at most once a day
# The budgets worth telling someone about (a member's own limits would only be noise).
WATCHED: tuple[tuple[LimitKind, str, str], ...] = (
    (LimitKind.GUILD_DAILY_UNITS, "guild_daily_units", "guild_units_used"),
    (LimitKind.GUILD_MONTHLY_UNITS, "guild_monthly_units", "guild_units_month"),
    (LimitKind.BOT_DAILY_BUDGET, "bot_daily_units", "bot_units_day"),
    (LimitKind.BOT_MONTHLY_BUDGET, "bot_monthly_units", "bot_units_month"),
)


class Alerts:
    """Works out which thresholds a reservation crossed and sends each once per window."""

    def __init__(self, ctx: EngineContext, sink: AlertSink | None) -> None:
        self._ctx = ctx
        self._sink = sink
        self._sending: set[asyncio.Task[None]] = set()

    def after_reservation(self, usage: Usage, limits: QuotaLimits, cost: Decimal, guild_id: int) -> None:
        """Send the alerts this reservation (`usage` was read just before it) made due."""
        for kind, limit_field, used_field in WATCHED:
            allowed: Decimal | None = getattr(limits, limit_field)
            if not allowed:
                continue
            before: Decimal = getattr(usage, used_field)
            for threshold in THRESHOLDS:
                mark = allowed * threshold / 100
                if before < mark <= before + cost:
                    scope = guild_id if kind.scope == "guild" else None
                    alert = BudgetAlert(kind.value, scope, units(before + cost), units(allowed), threshold)
                    self._spawn(self._budget(alert, kind.window))

    def after_refusal(self, refusal: QuotaRefusal, guild_id: int) -> None:
        """A watched budget refused a request: it is used up, whether or not a request landed on 100 % exactly."""
        if refusal.limit in {kind for kind, _, _ in WATCHED}:
            scope = guild_id if refusal.limit.scope == "guild" else None
            alert = BudgetAlert(refusal.limit.value, scope, refusal.used, refusal.allowed, 100)
            self._spawn(self._budget(alert, refusal.limit.window))

    def notice(self, key: str, text: str) -> None:
        """Tell the operators (the same kind of notice, `key`, at most once a day)."""
        self._spawn(self._notice(key, text))

    async def close(self) -> None:
        """Wait a moment for the alerts under way (a hanging Discord doesn't hold up a shutdown)."""
        if self._sending:
            await asyncio.wait(self._sending, timeout=CLOSE_WAIT)

    async def _budget(self, alert: BudgetAlert, window: float) -> None:
        key = f"alert:{alert.limit}:{alert.guild_id or 'bot'}:{alert.threshold}"
        if self._sink is not None:
            await self._once(key, window, lambda sink: sink.budget_alert(alert))

    async def _notice(self, key: str, text: str) -> None:
        if self._sink is not None:
            await self._once(f"notice:{key}", NOTICE_REPEAT, lambda sink: sink.operator_notice(OperatorNotice(text)))

    async def _once(self, key: str, window: float, send: Callable[[AlertSink], Awaitable[bool]]) -> None:
        """Send unless `key` went out within `window`: claimed in storage first, so of every process raising
        the same alert at once one sends it; given back if nobody was told (it may go out later then)."""
        assert self._sink is not None  # noqa: S101 - checked by the callers
        guilds, now = self._ctx.storage.guilds, self._ctx.clock.now()
        claim = f"{now} {self._ctx.owner}"
        if not await guilds.claim_meta(key, claim, now=now, unless_since=now - window):
            return
        told = False
        try:
            told = await send(self._sink)
        finally:
            if not told:
                await guilds.drop_meta(key, claim)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(self._guarded(work))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _guarded(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception:  # an alert that can't go out must not disturb anything else
            log.exception("An alert could not be sent")
