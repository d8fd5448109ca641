"""Which quota limits apply to a member: defaults, then the guild's policy, then their best role."""

from __future__ import annotations

from collections.abc import Sequence

from bot.settings import QuotaSettings
from db.models import PolicyOverride, QuotaLimits
from db.repository import QuotaRepository


class QuotaExceededError(Exception):
    """A request was refused by quota; nothing was created or charged."""

    def __init__(self, reason: str, frees_at: float | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.frees_at = frees_at

    @property
    def user_message(self) -> str:
        """Return the reason and when to try again, in Discord's relative-time markup."""
        if self.frees_at is None:
            return self.reason
        return f"{self.reason} Quota frees up <t:{int(self.frees_at)}:R>."


async def limits_for(
    quotas: QuotaRepository, defaults: QuotaSettings, guild_id: int, role_ids: Sequence[int]
) -> QuotaLimits:
    """Resolve the limits for a member: the guild policy replaces defaults; the most generous role wins."""
    limits = QuotaLimits(
        user_daily_units=defaults.user_daily_units,
        user_max_active=defaults.user_max_active,
        guild_daily_units=defaults.guild_daily_units,
    )
    guild = await quotas.guild_policy(guild_id)
    if guild is not None:
        limits = _apply(limits, guild, include_guild=True)
    roles = (await quotas.role_policies(guild_id, role_ids)).values()
    best_units = max((r.user_daily_units for r in roles if r.user_daily_units is not None), default=None)
    best_active = max((r.user_max_active for r in roles if r.user_max_active is not None), default=None)
    return _apply(limits, PolicyOverride(user_daily_units=best_units, user_max_active=best_active), include_guild=False)


def _apply(limits: QuotaLimits, override: PolicyOverride, *, include_guild: bool) -> QuotaLimits:
    return QuotaLimits(
        user_daily_units=override.user_daily_units
        if override.user_daily_units is not None
        else limits.user_daily_units,
        user_max_active=override.user_max_active if override.user_max_active is not None else limits.user_max_active,
        guild_daily_units=(
            override.guild_daily_units
            if include_guild and override.guild_daily_units is not None
            else limits.guild_daily_units
        ),
    )
