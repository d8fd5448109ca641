"""`/kling-admin quota ...`: the server's limits and per-role overrides."""

from __future__ import annotations

from decimal import Decimal

import discord
from discord import app_commands

from bot.discord.errors import CommandRefusedError
from bot.engine import Engine
from bot.quota import ceiling_breaches
from bot.settings import QuotaSettings
from cogs.admin._access import AdminGroup
from db.audit import SqliteAudit
from db.models import PolicyOverride
from db.repository import QuotaRepository

CEILING_WORDS = {
    "user_daily_units": "Units per member per day",
    "user_max_active": "Tasks at once per member",
    "guild_daily_units": "Units per day for the server",
}
CEILING_SETTINGS = {
    "user_daily_units": "QUOTA_USER_DAILY_UNITS",
    "user_max_active": "QUOTA_USER_MAX_ACTIVE",
    "guild_daily_units": "QUOTA_GUILD_DAILY_UNITS",
}


def _units(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class QuotaAdmin(AdminGroup):
    """Set quota limits."""

    def __init__(self, quotas: QuotaRepository, defaults: QuotaSettings, engine: Engine, audit: SqliteAudit) -> None:
        super().__init__(name="quota", description="Quota limits for this server and its roles")
        self.quotas = quotas
        self.audit = audit
        self.defaults = defaults
        self.engine = engine

    @app_commands.command(name="server")
    @app_commands.describe(
        user_daily_units="Units each member may spend per day",
        max_active="Tasks each member may have running or queued",
        server_daily_units="Units the whole server may spend per day",
    )
    async def server(
        self,
        interaction: discord.Interaction,
        user_daily_units: app_commands.Range[float, 0, 100000] | None = None,
        max_active: app_commands.Range[int, 1, 100] | None = None,
        server_daily_units: app_commands.Range[float, 0, 1000000] | None = None,
    ) -> None:
        """Set the server's limits (empty options keep their current value)."""
        assert interaction.guild is not None  # noqa: S101 - guild-only group
        current = await self.quotas.guild_policy(interaction.guild.id) or PolicyOverride()
        policy = PolicyOverride(
            user_daily_units=_units(user_daily_units) if user_daily_units is not None else current.user_daily_units,
            user_max_active=max_active if max_active is not None else current.user_max_active,
            guild_daily_units=(
                _units(server_daily_units) if server_daily_units is not None else current.guild_daily_units
            ),
        )
        self._within_ceilings(policy)
        await self.quotas.set_guild_policy(interaction.guild.id, policy, now=self.engine.now())
        await self._record(interaction, "quota.server", describe(current), describe(policy))
        await interaction.followup.send(f"Server limits saved: {describe(policy)}.", ephemeral=True)

    @app_commands.command(name="role")
    @app_commands.describe(
        role="Members with this role get these limits (the most generous of their roles wins)",
        user_daily_units="Units per member per day",
        max_active="Tasks running or queued per member",
        clear="Remove this role's override",
    )
    async def role(
        self,
        interaction: discord.Interaction,
        role: discord.Role,
        user_daily_units: app_commands.Range[float, 0, 100000] | None = None,
        max_active: app_commands.Range[int, 1, 100] | None = None,
        clear: bool = False,
    ) -> None:
        """Give a role its own limits."""
        assert interaction.guild is not None  # noqa: S101
        now = self.engine.now()
        before = (await self.quotas.role_policies(interaction.guild.id, [role.id])).get(role.id)
        was = f"<@&{role.id}>: {describe(before) if before else 'server limits'}"
        if clear:
            await self.quotas.set_role_policy(interaction.guild.id, role.id, None, now=now)
            await self._record(interaction, "quota.role", was, f"<@&{role.id}>: server limits")
            await interaction.followup.send(f"{role.mention} uses the server limits again.", ephemeral=True)
            return
        if user_daily_units is None and max_active is None:
            raise CommandRefusedError("Give user_daily_units, max_active, or clear.")
        policy = PolicyOverride(user_daily_units=_units(user_daily_units), user_max_active=max_active)
        self._within_ceilings(policy)
        await self.quotas.set_role_policy(interaction.guild.id, role.id, policy, now=now)
        await self._record(interaction, "quota.role", was, f"<@&{role.id}>: {describe(policy)}")
        await interaction.followup.send(f"{role.mention}: {describe(policy)}.", ephemeral=True)

    async def _record(self, interaction: discord.Interaction, action: str, before: str, after: str) -> None:
        guild_id = interaction.guild.id if interaction.guild else None
        await self.audit.record(
            action, guild_id=guild_id, actor_id=interaction.user.id, before=before, after=after, now=self.engine.now()
        )

    def _within_ceilings(self, policy: PolicyOverride) -> None:
        """Refuse a limit above the operator's, naming the ceiling and the setting that holds it."""
        breaches = ceiling_breaches(policy, self.defaults)
        if breaches:
            raise CommandRefusedError(
                " ".join(
                    f"{CEILING_WORDS[name]} can be at most {cap} (the bot operator's limit, {CEILING_SETTINGS[name]}); "
                    f"you asked for {asked}."
                    for name, asked, cap in breaches
                )
            )

    @app_commands.command(name="show")
    async def show(self, interaction: discord.Interaction) -> None:
        """Show the server's limits and role overrides."""
        assert interaction.guild is not None  # noqa: S101
        defaults = self.defaults
        policy = await self.quotas.guild_policy(interaction.guild.id)
        roles = await self.quotas.role_policies(interaction.guild.id)
        default_policy = PolicyOverride(
            user_daily_units=defaults.user_daily_units,
            user_max_active=defaults.user_max_active,
            guild_daily_units=defaults.guild_daily_units,
        )
        lines = [
            f"Operator's limits (defaults and ceilings): {describe(default_policy)}",
            f"This server: {describe(policy) if policy else 'defaults'}",
            *(f"<@&{role_id}>: {describe(p)}" for role_id, p in roles.items()),
        ]
        await interaction.followup.send("\n".join(lines), ephemeral=True)


def describe(policy: PolicyOverride) -> str:
    """Return a policy in words."""
    parts = []
    if policy.user_daily_units is not None:
        parts.append(f"{policy.user_daily_units} units per member per day")
    if policy.user_max_active is not None:
        parts.append(f"{policy.user_max_active} tasks at once")
    if policy.guild_daily_units is not None:
        parts.append(f"{policy.guild_daily_units} units per day for the server")
    return ", ".join(parts) or "no limits set"
