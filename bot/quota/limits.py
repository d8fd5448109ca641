"""Which limits apply to a member: the operator's defaults, then the guild's policy, then their best role —
never above the operator's settings, which are the ceilings."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from bot.settings import QuotaSettings
from db.models import PolicyOverride, QuotaLimits

# The limits a policy can set, and which of them a role may set for its members (the rest are the server's).
POLICY_FIELDS = (
    "user_daily_units",
    "user_max_active",
    "guild_daily_units",
    "user_monthly_units",
    "guild_monthly_units",
)
ROLE_FIELDS = ("user_daily_units", "user_max_active", "user_monthly_units")


def resolve_limits(
    defaults: QuotaSettings, guild: PolicyOverride | None, roles: Iterable[PolicyOverride]
) -> QuotaLimits:
    """Return the member's limits: the guild policy replaces defaults, the most generous role wins, and
    none of them ever exceeds the operator's settings (the ceilings), whatever a policy says."""
    values: dict[str, Any] = {name: getattr(defaults, name) for name in POLICY_FIELDS}
    if guild is not None:
        values.update({name: getattr(guild, name) for name in POLICY_FIELDS if getattr(guild, name) is not None})
    roles = list(roles)
    for name in ROLE_FIELDS:
        best = max((getattr(r, name) for r in roles if getattr(r, name) is not None), default=None)
        if best is not None:
            values[name] = best
    ceilinged = {name: _lower(values[name], getattr(defaults, name)) for name in POLICY_FIELDS}
    return QuotaLimits(
        **ceilinged,
        bot_daily_units=defaults.units_for(defaults.bot_daily_budget),
        bot_monthly_units=defaults.units_for(defaults.bot_monthly_budget),
    )


def ceiling_breaches(policy: PolicyOverride, ceilings: QuotaSettings) -> list[tuple[str, object, object]]:
    """Return (limit, asked, ceiling) for each value of `policy` above the operator's ceiling."""
    pairs = ((name, getattr(policy, name), getattr(ceilings, name)) for name in POLICY_FIELDS)
    return [(name, asked, cap) for name, asked, cap in pairs if asked is not None and cap is not None and asked > cap]


def _lower(value: Decimal | int | None, ceiling: Decimal | int | None) -> Decimal | int | None:
    if ceiling is None:
        return value
    return ceiling if value is None else min(value, ceiling)
