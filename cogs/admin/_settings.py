"""`/kling-admin channels ...`: where the bot takes requests."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.engine import Engine
from cogs.admin._access import AdminGroup
from db.repository import AuditRepository, GuildRepository


class ChannelsAdmin(AdminGroup):
    """Choose the channels the bot takes requests in."""

    def __init__(self, guilds: GuildRepository, engine: Engine, audit: AuditRepository) -> None:
        super().__init__(name="channels", description="Channels where members may make videos")
        self.guilds = guilds
        self.audit = audit
        self.engine = engine

    @app_commands.command(name="allow")
    @app_commands.describe(channel="A channel to take requests in (once any is listed, only listed ones work)")
    async def allow(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Allow requests in a channel."""
        await self._change(interaction, add=channel.id)

    @app_commands.command(name="remove")
    @app_commands.describe(channel="A channel to stop taking requests in")
    async def remove(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Stop requests in a channel."""
        await self._change(interaction, drop=channel.id)

    @app_commands.command(name="list")
    async def list(self, interaction: discord.Interaction) -> None:
        """List the allowed channels."""
        await self._change(interaction)

    async def _change(
        self, interaction: discord.Interaction, *, add: int | None = None, drop: int | None = None
    ) -> None:
        assert interaction.guild is not None  # noqa: S101 - guild-only group
        settings = await self.guilds.settings(interaction.guild.id)
        channels = [c for c in settings.allowed_channels if c != drop]
        if add is not None and add not in channels:
            channels.append(add)
        if add is not None or drop is not None:
            before = _channels(settings.allowed_channels)
            settings = settings.model_copy(update={"allowed_channels": tuple(channels)})
            await self.guilds.save_settings(settings, now=self.engine.now())
            await self.audit.record(
                "channels", guild_id=interaction.guild.id, actor_id=interaction.user.id, before=before,
                after=_channels(settings.allowed_channels), now=self.engine.now(),
            )  # fmt: skip
        listed = ", ".join(f"<#{c}>" for c in settings.allowed_channels)
        await interaction.followup.send(
            f"Requests are taken in: {listed}." if listed else "Requests are taken in every channel.", ephemeral=True
        )


def _channels(ids: tuple[int, ...]) -> str:
    return ", ".join(f"<#{c}>" for c in ids) or "every channel"
