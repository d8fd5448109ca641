"""`/quota`: what you have left today, what is running, and when quota frees up."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.engine.quota import limits_for
from bot.services import services_of
from db.quotas import DAY


class QuotaCommands(commands.Cog):
    """See your quota."""

    @app_commands.command(name="quota")
    @app_commands.guild_only()
    async def quota(self, interaction: discord.Interaction) -> None:
        """See your units left today and your running tasks."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        services = services_of(interaction.client)
        assert interaction.guild is not None  # noqa: S101 - guild-only command
        guild_id, now = interaction.guild.id, services.engine.ctx.clock.now()
        roles = tuple(role.id for role in getattr(interaction.user, "roles", ()))
        limits = await limits_for(services.storage.quotas, services.settings.quota, guild_id, roles)
        usage = await services.storage.quotas.usage(guild_id, interaction.user.id, now=now)
        embed = discord.Embed(title="Your quota", colour=discord.Colour.blurple())
        if limits.user_daily_units is None:
            embed.add_field(name="Units today", value=f"{usage.units_used} used (no limit)")
        else:
            left = max(limits.user_daily_units - usage.units_used, 0)
            embed.add_field(name="Units today", value=f"{left} of {limits.user_daily_units} left")
        cap = "" if limits.user_max_active is None else f" of {limits.user_max_active}"
        embed.add_field(name="Running or queued", value=f"{usage.active_tasks}{cap}")
        if usage.oldest_counted_at is not None:
            embed.add_field(name="Frees up", value=f"<t:{int(usage.oldest_counted_at + DAY)}:R>")
        if limits.guild_daily_units is not None:
            left = max(limits.guild_daily_units - usage.guild_units_used, 0)
            embed.add_field(
                name="Server budget today", value=f"{left} of {limits.guild_daily_units} left", inline=False
            )
        embed.set_footer(text="Units are Kling's credits; failed tasks are refunded.")
        await interaction.followup.send(embed=embed, ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    """Load the quota command."""
    await bot.add_cog(QuotaCommands())
