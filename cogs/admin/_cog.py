"""`/kling-admin`: Manage Server only — quotas, channels, defaults, provider health, usage."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.check import explain_probe_failure
from bot.kling.errors import KlingError
from bot.services import services_of
from cogs.admin._access import AdminGroup
from cogs.admin._quota import QuotaAdmin
from cogs.admin._settings import ChannelsAdmin, defaults

DAY = 86400


class AdminCommands(commands.Cog):
    """Server administration."""

    admin = AdminGroup(
        name="kling-admin",
        description="Configure the Kling bot for this server",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self) -> None:
        self.admin.add_command(QuotaAdmin())
        self.admin.add_command(ChannelsAdmin())
        self.admin.add_command(defaults)

    @admin.command(name="health")
    async def health(self, interaction: discord.Interaction) -> None:
        """Check the provider and show the queue."""
        services = services_of(interaction.client)
        try:
            await services.kling.probe()
            provider = "✅ reachable, credentials accepted"
        except KlingError as exc:
            provider = "❌ " + explain_probe_failure(exc, services.settings.kling, services.kling.server_time_offset)
        tasks = services.storage.tasks
        embed = discord.Embed(title="Kling bot health", colour=discord.Colour.blurple())
        embed.add_field(name=f"Provider ({services.kling.provider})", value=provider, inline=False)
        embed.add_field(name="Unfinished tasks", value=str(await tasks.count_active()))
        embed.add_field(
            name="Provider slots in use",
            value=f"{await tasks.in_flight_slots()} of {services.settings.engine.provider_max_concurrent}",
        )
        await interaction.followup.send(embed=embed, ephemeral=True)

    @admin.command(name="usage")
    @app_commands.describe(days="How many days back (default 7)")
    async def usage(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 90] = 7) -> None:
        """Show units spent per member."""
        services = services_of(interaction.client)
        assert interaction.guild is not None  # noqa: S101
        since = services.engine.ctx.clock.now() - days * DAY
        rows = await services.storage.quotas.usage_by_user(interaction.guild.id, since=since)
        total = sum(units for _, units, _ in rows)
        lines = [f"<@{user}>: {units} units, {count} task(s)" for user, units, count in rows[:20]]
        embed = discord.Embed(
            title=f"Usage, last {days} day(s): {total} units", description="\n".join(lines) or "No tasks."
        )
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
