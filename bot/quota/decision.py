"""Does a request fit a member's limits? A pure decision over usage, limits and cost."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from db.models import QuotaLimits, Usage, from_cents, to_cents

QUOTA_WINDOW = 24 * 3600.0  # seconds a reservation counts against the daily limits (a rolling day)
MONTH_WINDOW = 30 * QUOTA_WINDOW  # the monthly budget's rolling window
BOT_WINDOWS = (QUOTA_WINDOW, MONTH_WINDOW)


class LimitKind(StrEnum):
    """Which limit a request ran into."""

    ACTIVE_TASKS = "active_tasks"
    USER_DAILY_UNITS = "user_daily_units"
    GUILD_DAILY_UNITS = "guild_daily_units"
    USER_MONTHLY_UNITS = "user_monthly_units"
    GUILD_MONTHLY_UNITS = "guild_monthly_units"
    BOT_DAILY_BUDGET = "bot_daily_budget"
    BOT_MONTHLY_BUDGET = "bot_monthly_budget"

    @property
    def window(self) -> float:
        """Return the seconds a reservation counts against this limit."""
        monthly = (LimitKind.USER_MONTHLY_UNITS, LimitKind.GUILD_MONTHLY_UNITS, LimitKind.BOT_MONTHLY_BUDGET)
        return MONTH_WINDOW if self in monthly else QUOTA_WINDOW

    @property
    def scope(self) -> str:
        """Return whose spending this limit counts: "user", "guild" or "bot"."""
        return self.value.split("_", 1)[0]


@dataclass(frozen=True)
class QuotaRefusal:
    """A request that does not fit: which limit, how much is used of it, what the request needed.

    `frees_at` (Unix seconds) is when waiting makes room; None when waiting alone won't (an active-task
    limit frees when a task ends; a request larger than the whole limit never fits).
    """

    limit: LimitKind
    allowed: Decimal
    used: Decimal
    cost: Decimal
    frees_at: float | None = None

    @property
    def left(self) -> Decimal:
        """Return how much of the limit is unused."""
        return units(max(self.allowed - self.used, Decimal(0)))

    @property
    def excess(self) -> Decimal:
        """Return how much must free up before the request fits."""
        return self.used + self.cost - self.allowed

    def at(self, frees_at: float | None) -> QuotaRefusal:
        """Return this refusal with the time it frees up."""
        return replace(self, frees_at=frees_at)


class QuotaExceededError(Exception):
    """A request was refused by quota; nothing was created or charged."""

    def __init__(self, refusal: QuotaRefusal) -> None:
        super().__init__(summary(refusal))
        self.refusal = refusal

    @property
    def reason(self) -> str:
        """Return the plain summary (logs and tools; members see the Discord layer's wording)."""
        return str(self)

    @property
    def frees_at(self) -> float | None:
        """Return when waiting makes room, if it can."""
        return self.refusal.frees_at


def decide(usage: Usage, limits: QuotaLimits, cost: Decimal) -> QuotaRefusal | None:
    """Return None when a request costing `cost` fits, else the first limit it breaks."""
    if limits.user_max_active is not None and usage.active_tasks >= limits.user_max_active:
        return QuotaRefusal(
            LimitKind.ACTIVE_TASKS, Decimal(limits.user_max_active), Decimal(usage.active_tasks), Decimal(1)
        )
    checks = (
        (LimitKind.USER_DAILY_UNITS, limits.user_daily_units, usage.units_used),
        (LimitKind.GUILD_DAILY_UNITS, limits.guild_daily_units, usage.guild_units_used),
        (LimitKind.USER_MONTHLY_UNITS, limits.user_monthly_units, usage.units_month),
        (LimitKind.GUILD_MONTHLY_UNITS, limits.guild_monthly_units, usage.guild_units_month),
        (LimitKind.BOT_DAILY_BUDGET, limits.bot_daily_units, usage.bot_units_day),
        (LimitKind.BOT_MONTHLY_BUDGET, limits.bot_monthly_units, usage.bot_units_month),
    )
    for kind, allowed, used in checks:
        if allowed is not None and used + cost > allowed:
            return QuotaRefusal(kind, units(allowed), units(used), units(cost))
    return None


def units(value: Decimal) -> Decimal:
    """Return `value` as the ledger keeps it (whole hundredths), written without trailing zeros."""
    return from_cents(to_cents(value)) or Decimal(0)


def release_time(reservations: Iterable[tuple[float, Decimal]], excess: Decimal, window: float) -> float | None:
    """Return when enough of the counted `(created_at, units)` reservations, oldest first, age out to free `excess`.

    None when even all of them would not be enough (the request is larger than the whole limit).
    """
    released = Decimal(0)
    for created_at, units in sorted(reservations):
        released += units
        if released >= excess:
            return created_at + window
    return None


def summary(refusal: QuotaRefusal) -> str:
    """Return a plain one-line account of the refusal."""
    if refusal.limit is LimitKind.ACTIVE_TASKS:
        return f"You already have {refusal.used} task(s) in progress (limit {refusal.allowed})."
    if refusal.limit in (LimitKind.BOT_DAILY_BUDGET, LimitKind.BOT_MONTHLY_BUDGET):
        period = "today" if refusal.limit is LimitKind.BOT_DAILY_BUDGET else "these 30 days"
        left, allowed = refusal.left, refusal.allowed
        return f"The bot has {left} of {allowed} units of its budget left {period}; this costs {refusal.cost}."
    who = "You have" if refusal.limit.scope == "user" else "This server has"
    period = "these 30 days" if refusal.limit.window == MONTH_WINDOW else "today"
    return f"{who} {refusal.left} of {refusal.allowed} units left for {period}; this request costs {refusal.cost}."
