"""The provider account's credit: read the balance now and then; when it runs out (or a create answers 1102),
stop taking requests with a clear answer instead of failing every task, and resume by itself."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.engine.context import EngineContext
from bot.kling.balance import AccountBalance
from bot.kling.errors import KlingError

log = logging.getLogger(__name__)

BALANCE_INTERVAL = 3600.0  # seconds between balance reads
PAUSED_INTERVAL = 60.0  # while paused, read it this often to resume soon after a top-up
CREDIT_PAUSE = 300.0  # after a 1102, hold the queue this long before trying a create again


class CreditExhaustedError(Exception):
    """The provider account has no credit: no request is taken until it has (nothing was charged)."""


@dataclass
class Credit:
    """Whether intake is paused for want of credit, and the last balance read."""

    paused_because: str | None = None
    balance: AccountBalance | None = None
    read_at: float | None = None

    def check(self) -> None:
        """Raise `CreditExhaustedError` while paused."""
        if self.paused_because is not None:
            raise CreditExhaustedError(self.paused_because)

    def pause(self, reason: str) -> None:
        """Stop taking requests."""
        if self.paused_because is None:
            log.error("Intake paused: %s. Top up the provider account; the bot resumes by itself.", reason)
        self.paused_because = reason

    def resume(self) -> bool:
        """Take requests again; return True if intake was paused."""
        was = self.paused_because is not None
        if was:
            log.warning("Intake resumed: the provider account has credit again")
        self.paused_because = None
        return was


class BalanceWatch:
    """Reads the balance at start and hourly (every minute while paused); pauses and resumes intake."""

    def __init__(self, ctx: EngineContext, credit: Credit) -> None:
        self._ctx = ctx
        self._credit = credit

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
        if balance.remaining <= 0:
            self._credit.pause("the provider account's resource packs are used up or expired")
        elif self._credit.resume():
            self._ctx.wake_submitter()
        return now + (PAUSED_INTERVAL if self._credit.paused_because else BALANCE_INTERVAL)
