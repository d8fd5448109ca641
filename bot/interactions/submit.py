"""The flow every generating command shares: acknowledge, check the channel, queue, show live status."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import discord

from bot.engine.engine import Submission
from bot.interactions.errors import CommandRefusedError
from bot.kling.models import TaskRequest
from bot.services import Services, services_of
from db.models import TaskRecord

log = logging.getLogger(__name__)


async def begin(interaction: discord.Interaction) -> Services:
    """Acknowledge at once (privately), then check this is a server channel where the bot may be used."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    services = services_of(interaction.client)
    if interaction.guild is None or interaction.channel is None:
        raise CommandRefusedError("This works in a server channel, not in DMs.")
    settings = await services.storage.guilds.settings(interaction.guild.id)
    if not settings.allows(interaction.channel.id):
        places = ", ".join(f"<#{channel}>" for channel in settings.allowed_channels)
        raise CommandRefusedError(f"Kling isn't enabled in this channel. Try {places}.")
    return services


async def submit(interaction: discord.Interaction, request: TaskRequest, notes: Iterable[str] = ()) -> TaskRecord:
    """Queue `request` for the user (after `begin`), post its live status, and confirm privately."""
    services = services_of(interaction.client)
    assert interaction.guild is not None  # noqa: S101 - begin() checked
    assert interaction.channel is not None  # noqa: S101
    request = await apply_guild_defaults(services, interaction.guild.id, request)
    roles = tuple(role.id for role in getattr(interaction.user, "roles", ()))
    task = await services.engine.submit(
        Submission(interaction.guild.id, interaction.channel.id, interaction.user.id, request, roles)
    )
    position = await services.engine.queue_position(task.id)
    await services.status.post(task, position)
    await interaction.followup.send(confirmation(task, position, notes), ephemeral=True)
    return task


def confirmation(task: TaskRecord, position: int | None, notes: Iterable[str]) -> str:
    """Return the private confirmation: the task id, where it stands, what was fixed silently."""
    place = f"#{position} in line" if position else "starting now"
    lines = [f"Queued as `{task.id}` ({place}, {task.units_reserved} units). I'll post the result here and ping you."]
    lines.extend(f"• {note}" for note in notes)
    return "\n".join(lines)


async def apply_guild_defaults(services: Services, guild_id: int, request: TaskRequest) -> TaskRequest:
    """Fill the model and mode the user left empty with the guild's defaults, where they fit this kind."""
    if request.model is not None:
        return request
    settings = await services.storage.guilds.settings(guild_id)
    spec = services.kling.catalogue.find(settings.default_model, request.kind) if settings.default_model else None
    if spec is None or spec.retired or services.kling.provider not in spec.providers:
        return request
    update: dict[str, object] = {"model": spec.name}
    if getattr(request, "mode", None) is None and settings.default_mode in spec.modes:
        update["mode"] = settings.default_mode
    return request.model_copy(update=update)
