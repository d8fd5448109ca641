"""`/quota`: what you have left today, what is running, and when quota frees up."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.bot import KlingBot
from bot.discord.permissions import role_ids
from bot.engine import Engine
from bot.quota import QuotaStanding


class QuotaCommands(commands.Cog):
    """See your quota."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @app_commands.command(name="quota")
    @app_commands.guild_only()
    async def quota(self, interaction: discord.Interaction) -> None:
        """See your units left today and your running tasks."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild is not None  # noqa: S101 - guild-only command
        standing = await self.engine.member_quota(interaction.guild.id, interaction.user.id, role_ids(interaction))
        await interaction.followup.send(embed=quota_embed(standing), ephemeral=True)


def quota_embed(standing: QuotaStanding) -> discord.Embed:
    """Return a member's standing as an embed."""
    limits, usage = standing.limits, standing.usage
    embed = discord.Embed(title="Your quota", colour=discord.Colour.blurple())
    if standing.units_left is None:
        embed.add_field(name="Units today", value=f"{usage.units_used} used (no limit)")
    else:
        embed.add_field(name="Units today", value=f"{standing.units_left} of {limits.user_daily_units} left")
    cap = "" if limits.user_max_active is None else f" of {limits.user_max_active}"
    embed.add_field(name="Running or queued", value=f"{usage.active_tasks}{cap}")
    if standing.frees_at is not None:
        embed.add_field(name="Frees up", value=f"<t:{int(standing.frees_at)}:R>")
    if standing.guild_units_left is not None:
        embed.add_field(
            name="Server budget today", value=f"{standing.guild_units_left} of {limits.guild_daily_units} left",
            inline=False,
        )  # fmt: skip
    if standing.units_left_month is not None:
        embed.add_field(
            name="Units these 30 days", value=f"{standing.units_left_month} of {limits.user_monthly_units} left"
        )
    if standing.guild_units_left_month is not None:
        embed.add_field(
            name="Server budget these 30 days",
            value=f"{standing.guild_units_left_month} of {limits.guild_monthly_units} left",
            inline=False,
        )
    embed.set_footer(text="Units are Kling's credits; failed tasks are refunded.")
    return embed


async def setup(bot: KlingBot) -> None:
    """Load the quota command."""
    await bot.add_cog(QuotaCommands(bot.engine))
