"""`/kling-admin quota ...`: the server's limits and per-role overrides."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord.errors import CommandRefusedError
from bot.engine import Engine
from bot.quota import POLICY_FIELDS, ceiling_breaches
from bot.settings import QuotaSettings
from cogs.admin._access import AdminGroup
from cogs.admin._limits import amount, ceiling_refusal, describe
from db.models import PolicyOverride
from db.repository import AuditRepository, QuotaRepository


class QuotaAdmin(AdminGroup):
    """Set quota limits."""

    def __init__(
        self, quotas: QuotaRepository, defaults: QuotaSettings, engine: Engine, audit: AuditRepository
    ) -> None:
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
        user_monthly_units="Units each member may spend per 30 days",
        server_monthly_units="Units the whole server may spend per 30 days",
        in_money="The amounts above are money (in the bot's currency), not units",
    )
    async def server(
        self,
        interaction: discord.Interaction,
        user_daily_units: app_commands.Range[float, 0, 100000] | None = None,
        max_active: app_commands.Range[int, 1, 100] | None = None,
        server_daily_units: app_commands.Range[float, 0, 1000000] | None = None,
        user_monthly_units: app_commands.Range[float, 0, 1000000] | None = None,
        server_monthly_units: app_commands.Range[float, 0, 10000000] | None = None,
        in_money: bool = False,
    ) -> None:
        """Set the server's limits (empty options keep their current value)."""
        assert interaction.guild is not None  # noqa: S101 - guild-only group
        price = self.defaults.price_per_unit if in_money else None
        current = await self.quotas.guild_policy(interaction.guild.id) or PolicyOverride()
        given = {
            "user_daily_units": amount(user_daily_units, price), "user_max_active": max_active,
            "guild_daily_units": amount(server_daily_units, price),
            "user_monthly_units": amount(user_monthly_units, price),
            "guild_monthly_units": amount(server_monthly_units, price),
        }  # fmt: skip
        policy = current.model_copy(update={name: value for name, value in given.items() if value is not None})
        self._within_ceilings(policy)
        await self.quotas.set_guild_policy(interaction.guild.id, policy, now=self.engine.now())
        await self._record(interaction, "quota.server", describe(current), describe(policy))
        await interaction.followup.send(f"Server limits saved: {describe(policy)}.", ephemeral=True)

    @app_commands.command(name="role")
    @app_commands.describe(
        role="Members with this role get these limits (the most generous of their roles wins)",
        user_daily_units="Units per member per day",
        max_active="Tasks running or queued per member",
        user_monthly_units="Units per member per 30 days",
        in_money="The amounts above are money (in the bot's currency), not units",
        clear="Remove this role's override",
    )
    async def role(
        self,
        interaction: discord.Interaction,
        role: discord.Role,
        user_daily_units: app_commands.Range[float, 0, 100000] | None = None,
        max_active: app_commands.Range[int, 1, 100] | None = None,
        user_monthly_units: app_commands.Range[float, 0, 1000000] | None = None,
        in_money: bool = False,
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
        if user_daily_units is None and max_active is None and user_monthly_units is None:
            raise CommandRefusedError("Give user_daily_units, max_active, user_monthly_units, or clear.")
        price = self.defaults.price_per_unit if in_money else None
        policy = PolicyOverride(
            user_daily_units=amount(user_daily_units, price), user_max_active=max_active,
            user_monthly_units=amount(user_monthly_units, price),
        )  # fmt: skip
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
            raise CommandRefusedError(ceiling_refusal(breaches))

    @app_commands.command(name="show")
    async def show(self, interaction: discord.Interaction) -> None:
        """Show the server's limits and role overrides."""
        assert interaction.guild is not None  # noqa: S101
        defaults = self.defaults
        policy = await self.quotas.guild_policy(interaction.guild.id)
        roles = await self.quotas.role_policies(interaction.guild.id)
        default_policy = PolicyOverride.model_validate({name: getattr(defaults, name) for name in POLICY_FIELDS})
        lines = [
            f"Operator's limits (defaults and ceilings): {describe(default_policy)}",
            f"This server: {describe(policy) if policy else 'defaults'}",
            *(f"<@&{role_id}>: {describe(p)}" for role_id, p in roles.items()),
        ]
        await interaction.followup.send("\n".join(lines), ephemeral=True)
