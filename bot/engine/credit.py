"""The provider account's credit: read the balance now and then; when it runs out (or a create answers 1102),
stop taking requests with a clear answer instead of failing every task, and resume by itself."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from bot.engine.context import EngineContext
from bot.kling.balance import AccountBalance
from bot.kling.errors import KlingError

log = logging.getLogger(__name__)

BALANCE_INTERVAL = 3600.0  # seconds between balance reads
PAUSED_INTERVAL = 60.0  # while paused, read it this often to resume soon after a top-up
CREDIT_PAUSE = 300.0  # after a 1102, hold the queue this long before trying a create again
BALANCE_LAG = 12 * 3600.0  # how stale Kling says the remaining figure can be


class CreditExhaustedError(Exception):
    """The provider account has no credit: no request is taken until it has (nothing was charged)."""


@dataclass
class Credit:
    """Whether intake is paused for want of credit, and the last balance read."""

    paused_because: str | None = None
    paused_until: float | None = None  # a 1102 pause lapses then (a provider without a balance can't lift it)
    balance: AccountBalance | None = None
    read_at: float | None = None
    create_ok_at: float | None = None  # the last create that went through: credit, whatever a lagging read says
    notify: Callable[[str, str], None] | None = None  # tells the operators (kind of notice, text; best effort)

    def check(self, now: float) -> None:
        """Raise `CreditExhaustedError` while paused."""
        if self.paused_until is not None and now >= self.paused_until:
            self.resume()
        if self.paused_because is not None:
            raise CreditExhaustedError(self.paused_because)

    def pause(self, reason: str, until: float | None = None) -> None:
        """Stop taking requests (until `until`, or until resumed)."""
        if self.paused_because is None:
            log.error("Intake paused: %s. Top up the provider account; the bot resumes by itself.", reason)
            if self.notify is not None:
                self.notify(
                    "paused",
                    f"The bot stopped taking requests: {reason}. Top up the Kling account; it resumes by itself.",
                )
        self.paused_because, self.paused_until = reason, until

    def resume(self) -> bool:
        """Take requests again; return True if intake was paused."""
        was = self.paused_because is not None
        if was:
            log.warning("Intake resumed: the provider account has credit again")
        self.paused_because = self.paused_until = None
        return was

    def created(self, now: float) -> None:
        """A create went through: the account has credit."""
        self.create_ok_at = now
        self.resume()


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
        recent_create = self._credit.create_ok_at is not None and now - self._credit.create_ok_at < BALANCE_LAG
        if balance.remaining <= 0 and not recent_create:
            self._credit.pause("the provider account's resource packs are used up or expired")
        elif self._credit.resume():
            self._ctx.wake_submitter()
        return now + (PAUSED_INTERVAL if self._credit.paused_because else BALANCE_INTERVAL)
