"""Where a member stands against their limits: what `/quota` shows, from the same numbers `decide` uses."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.quota.decision import QUOTA_WINDOW
from db.models import QuotaLimits, Usage


@dataclass(frozen=True)
class QuotaStanding:
    """A member's limits and usage, and what follows from them (None = no limit)."""

    limits: QuotaLimits
    usage: Usage
    units_left: Decimal | None
    guild_units_left: Decimal | None
    units_left_month: Decimal | None
    guild_units_left_month: Decimal | None
    frees_at: float | None  # when the oldest counted reservation ages out


def standing(usage: Usage, limits: QuotaLimits, window: float = QUOTA_WINDOW) -> QuotaStanding:
    """Return the member's standing."""
    return QuotaStanding(
        limits=limits,
        usage=usage,
        units_left=_left(limits.user_daily_units, usage.units_used),
        guild_units_left=_left(limits.guild_daily_units, usage.guild_units_used),
        units_left_month=_left(limits.user_monthly_units, usage.units_month),
        guild_units_left_month=_left(limits.guild_monthly_units, usage.guild_units_month),
        frees_at=usage.oldest_counted_at + window if usage.oldest_counted_at is not None else None,
    )


def _left(limit: Decimal | None, used: Decimal) -> Decimal | None:
    return None if limit is None else max(limit - used, Decimal(0))
