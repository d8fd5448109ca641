"""`/kling-admin channels ...` and `/kling-admin defaults`: where the bot works and what it uses by default."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.kling.models import TaskKind
from bot.services import services_of
from cogs.admin._access import AdminGroup
from cogs.options import MODE_CHOICES


class ChannelsAdmin(AdminGroup):
    """Choose the channels the bot takes requests in."""

    def __init__(self) -> None:
        super().__init__(name="channels", description="Channels where members may make videos")

    @app_commands.command(name="allow")
    @app_commands.describe(channel="A channel to take requests in (once any is listed, only listed ones work)")
    async def allow(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Allow requests in a channel."""
        await _change(interaction, add=channel.id)

    @app_commands.command(name="remove")
    @app_commands.describe(channel="A channel to stop taking requests in")
    async def remove(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Stop requests in a channel."""
        await _change(interaction, drop=channel.id)

    @app_commands.command(name="list")
    async def list(self, interaction: discord.Interaction) -> None:
        """List the allowed channels."""
        await _change(interaction)


async def _change(interaction: discord.Interaction, *, add: int | None = None, drop: int | None = None) -> None:
    services = services_of(interaction.client)
    assert interaction.guild is not None  # noqa: S101 - guild-only group
    settings = await services.storage.guilds.settings(interaction.guild.id)
    channels = [c for c in settings.allowed_channels if c != drop]
    if add is not None and add not in channels:
        channels.append(add)
    if add is not None or drop is not None:
        settings = settings.model_copy(update={"allowed_channels": tuple(channels)})
        await services.storage.guilds.save_settings(settings, now=services.engine.ctx.clock.now())
    listed = ", ".join(f"<#{c}>" for c in settings.allowed_channels)
    await interaction.followup.send(
        f"Requests are taken in: {listed}." if listed else "Requests are taken in every channel.", ephemeral=True
    )


async def model_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Offer every usable model of the configured provider."""
    kling = services_of(interaction.client).kling
    names = dict.fromkeys(spec.name for kind in TaskKind for spec in kling.catalogue.models_for(kind, kling.provider))
    return [app_commands.Choice(name=n, value=n) for n in names if current.lower() in n.lower()][:25]


@app_commands.command(name="defaults")
@app_commands.describe(
    model="Model used when a member doesn't pick one", mode="Mode used when a member doesn't pick one"
)
@app_commands.choices(mode=MODE_CHOICES)
@app_commands.autocomplete(model=model_choices)
async def defaults(
    interaction: discord.Interaction, model: str | None = None, mode: app_commands.Choice[str] | None = None
) -> None:
    """Set the default model and mode for this server."""
    services = services_of(interaction.client)
    assert interaction.guild is not None  # noqa: S101
    if model is not None and not services.kling.catalogue.knows(model):
        await interaction.followup.send(f"I don't know the model {model}.", ephemeral=True)
        return
    settings = await services.storage.guilds.settings(interaction.guild.id)
    settings = settings.model_copy(
        update={
            "default_model": model if model is not None else settings.default_model,
            "default_mode": mode.value if mode else settings.default_mode,
        }
    )
    await services.storage.guilds.save_settings(settings, now=services.engine.ctx.clock.now())
    await interaction.followup.send(
        f"Defaults: model {settings.default_model or 'the catalogue’s first'}, mode {settings.default_mode or 'std'}.",
        ephemeral=True,
    )
