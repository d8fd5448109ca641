"""Option choices and autocompletes shared by the generating commands."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.kling.models import TaskKind
from bot.services import services_of

MODE_CHOICES = [
    app_commands.Choice(name="Standard (cheaper, faster)", value="std"),
    app_commands.Choice(name="Professional (higher quality)", value="pro"),
]
DURATION_CHOICES = [
    app_commands.Choice(name="5 seconds", value="5"),
    app_commands.Choice(name="10 seconds", value="10"),
]
VIDEO_RATIO_CHOICES = [
    app_commands.Choice(name="16:9 landscape", value="16:9"),
    app_commands.Choice(name="9:16 portrait", value="9:16"),
    app_commands.Choice(name="1:1 square", value="1:1"),
]
IMAGE_RATIO_CHOICES = [
    app_commands.Choice(name=ratio, value=ratio)
    for ratio in ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9")
]
AUTOCOMPLETE_LIMIT = 25


def model_autocomplete(kind: TaskKind) -> app_commands.commands.AutocompleteCallback:  # type: ignore[type-arg]
    """Return an autocomplete offering the catalogue's models for `kind` at the configured provider."""

    async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        kling = services_of(interaction.client).kling
        names = [spec.name for spec in kling.catalogue.models_for(kind, kling.provider)]
        matching = [name for name in names if current.lower() in name.lower()]
        return [app_commands.Choice(name=name, value=name) for name in matching[:AUTOCOMPLETE_LIMIT]]

    return complete
