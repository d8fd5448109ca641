"""Which limits apply to a member: the operator's defaults, then the guild's policy, then their best role."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TypeVar

from bot.settings import QuotaSettings
from db.models import PolicyOverride, QuotaLimits

T = TypeVar("T")
N = TypeVar("N", int, Decimal)


def resolve_limits(
    defaults: QuotaSettings, guild: PolicyOverride | None, roles: Iterable[PolicyOverride]
) -> QuotaLimits:
    """Return the member's limits: the guild policy replaces defaults, the most generous role wins, and
    none of them ever exceeds the operator's settings (the ceilings), whatever a policy says."""
    limits = within_ceilings(_resolve(defaults, guild, roles), defaults)
    return limits.model_copy(
        update={
            "bot_daily_units": defaults.units_for(defaults.bot_daily_budget),
            "bot_monthly_units": defaults.units_for(defaults.bot_monthly_budget),
        }
    )


def within_ceilings(limits: QuotaLimits, ceilings: QuotaSettings) -> QuotaLimits:
    """Return `limits` clamped to the operator's ceilings (a None ceiling means no ceiling)."""
    return QuotaLimits(
        user_daily_units=_lower(limits.user_daily_units, ceilings.user_daily_units),
        user_max_active=_lower(limits.user_max_active, ceilings.user_max_active),
        guild_daily_units=_lower(limits.guild_daily_units, ceilings.guild_daily_units),
    )


def ceiling_breaches(policy: PolicyOverride, ceilings: QuotaSettings) -> list[tuple[str, object, object]]:
    """Return (limit, asked, ceiling) for each value of `policy` above the operator's ceiling."""
    pairs = (
        ("user_daily_units", policy.user_daily_units, ceilings.user_daily_units),
        ("user_max_active", policy.user_max_active, ceilings.user_max_active),
        ("guild_daily_units", policy.guild_daily_units, ceilings.guild_daily_units),
    )
    return [(name, asked, cap) for name, asked, cap in pairs if asked is not None and cap is not None and asked > cap]


def _resolve(defaults: QuotaSettings, guild: PolicyOverride | None, roles: Iterable[PolicyOverride]) -> QuotaLimits:
    limits = QuotaLimits(
        user_daily_units=defaults.user_daily_units,
        user_max_active=defaults.user_max_active,
        guild_daily_units=defaults.guild_daily_units,
    )
    if guild is not None:
        limits = _apply(limits, guild, include_guild=True)
    roles = list(roles)
    best_units = max((r.user_daily_units for r in roles if r.user_daily_units is not None), default=None)
    best_active = max((r.user_max_active for r in roles if r.user_max_active is not None), default=None)
    return _apply(limits, PolicyOverride(user_daily_units=best_units, user_max_active=best_active), include_guild=False)


def _apply(limits: QuotaLimits, override: PolicyOverride, *, include_guild: bool) -> QuotaLimits:
    return QuotaLimits(
        user_daily_units=_first(override.user_daily_units, limits.user_daily_units),
        user_max_active=_first(override.user_max_active, limits.user_max_active),
        guild_daily_units=_first(override.guild_daily_units if include_guild else None, limits.guild_daily_units),
    )


def _lower(value: N | None, ceiling: N | None) -> N | None:
    if ceiling is None:
        return value
    return ceiling if value is None else min(value, ceiling)


def _first(override: T | None, fallback: T | None) -> T | None:
    return override if override is not None else fallback
