"""The provider account's credit: read the balance now and then; when it runs out (or a create answers 1102),
stop taking requests with a clear answer instead of failing every task, and resume by itself."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from bot.engine.context import EngineContext
from bot.kling.balance import AccountBalance
from bot.kling.errors import KlingError
from db.repository import GuildRepository

log = logging.getLogger(__name__)

BALANCE_INTERVAL = 3600.0  # seconds between balance reads
PAUSED_INTERVAL = 60.0  # while paused, read it this often to resume soon after a top-up
CREDIT_PAUSE = 300.0  # after a 1102, hold the queue this long before trying a create again
BALANCE_LAG = 12 * 3600.0  # how stale Kling says the remaining figure can be
CREDIT_KEY = "provider:credit"


class CreditExhaustedError(Exception):
    """The provider account has no credit: no request is taken until it has (nothing was charged)."""


@dataclass
class Credit:
    """Whether intake is paused for want of credit, and the last balance read.

    The pause (and when a create last went through) is kept in storage under CREDIT_KEY, so the process that
    learns of it (the leader, reading the balance or sending) and those taking requests (every gateway) see
    one state; the fields here are this process's copy, as last read or written.
    """

    store: GuildRepository | None = None  # where the pause is kept (None: in this object only)
    paused_because: str | None = None
    paused_until: float | None = None  # a 1102 pause lapses then (a provider without a balance can't lift it)
    balance: AccountBalance | None = None
    read_at: float | None = None
    create_ok_at: float | None = None  # the last create that went through: credit, whatever a lagging read says
    notify: Callable[[str, str], None] | None = None  # tells the operators (kind of notice, text; best effort)

    async def check(self, now: float) -> None:
        """Raise `CreditExhaustedError` while paused."""
        await self.refresh()
        if self.paused_until is not None and now >= self.paused_until:
            await self.resume(now)
        if self.paused_because is not None:
            raise CreditExhaustedError(self.paused_because)

    async def pause(self, reason: str, now: float, until: float | None = None) -> None:
        """Stop taking requests (until `until`, or until resumed)."""
        await self.refresh()
        if self.paused_because is None:
            log.error("Intake paused: %s. Top up the provider account; the bot resumes by itself.", reason)
            if self.notify is not None:
                self.notify(
                    "paused",
                    f"The bot stopped taking requests: {reason}. Top up the Kling account; it resumes by itself.",
                )
        self.paused_because, self.paused_until = reason, until
        await self._save(now)

    async def resume(self, now: float) -> bool:
        """Take requests again; return True if intake was paused."""
        await self.refresh()
        was = self.paused_because is not None
        if was:
            log.warning("Intake resumed: the provider account has credit again")
            self.paused_because = self.paused_until = None
            await self._save(now)
        return was

    async def created(self, now: float) -> None:
        """A create went through: the account has credit."""
        await self.refresh()
        self.create_ok_at = now
        if self.paused_because is not None:
            log.warning("Intake resumed: the provider account has credit again")
        self.paused_because = self.paused_until = None
        await self._save(now)

    async def refresh(self) -> None:
        """Read the stored state (another process may have paused or resumed intake)."""
        stored = await self.store.get_meta(CREDIT_KEY) if self.store is not None else None
        if stored:
            state = json.loads(stored)
            self.paused_because, self.paused_until = state["reason"], state["until"]
            self.create_ok_at = max(self.create_ok_at or 0.0, state["create_ok_at"] or 0.0) or None

    async def _save(self, now: float) -> None:
        if self.store is not None:
            state = {"reason": self.paused_because, "until": self.paused_until, "create_ok_at": self.create_ok_at}
            await self.store.set_meta(CREDIT_KEY, json.dumps(state), now=now)


class BalanceWatch:
    """Reads the balance at start and hourly (every minute while paused); pauses and resumes intake."""

    def __init__(self, ctx: EngineContext, credit: Credit, *, low_water: Decimal | None = None) -> None:
        self._ctx = ctx
        self._credit = credit
        self._low_water = low_water

    async def step(self) -> float:
        """Read the balance once; return when to read it again."""
        now = self._ctx.clock.now()
        try:
            balance = await self._ctx.client.balance()
        except KlingError as exc:
            log.warning("Could not read the provider balance: %s", exc)
            return now + (PAUSED_INTERVAL if self._credit.paused_because else BALANCE_INTERVAL)
        if balance is None:  # the provider reports none: only a 1102 pauses, and a good create resumes
            return now + BALANCE_INTERVAL
        self._credit.balance, self._credit.read_at = balance, now
        self._ctx.metrics.balance_units.set(float(balance.remaining))
        low = self._low_water is not None and 0 < balance.remaining < self._low_water
        if low and self._credit.notify is not None:
            self._credit.notify("low_balance", f"The Kling account is running low: {balance.remaining} units left.")
        # Kling's figure can lag by hours: a create that went through since then outranks a read of zero.
        await self._credit.refresh()  # a create by the process that led before counts too
        recent_create = self._credit.create_ok_at is not None and now - self._credit.create_ok_at < BALANCE_LAG
        if balance.remaining <= 0 and not recent_create:
            await self._credit.pause("the provider account's resource packs are used up or expired", now)
        elif await self._credit.resume(now):
            self._ctx.wake_submitter()
        return now + (PAUSED_INTERVAL if self._credit.paused_because else BALANCE_INTERVAL)
