"""`/preset save|list|delete`: a member's named options, saved from one of their tasks (bot/discord/presets.py).

Every generating command takes one by its `preset` option; admins publish theirs with `/kling-admin preset`.
"""

from __future__ import annotations

from collections.abc import Callable

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.bot import KlingBot
from bot.discord.embeds import fit, title_of
from bot.discord.errors import CommandRefusedError
from bot.discord.presets import (
    AUTOCOMPLETE_LIMIT,
    NAME_SHOWN,
    PRESET_KINDS,
    PRESET_NAME_MAX,
    PRESETS_MAX,
    PresetName,
    preset_choices,
    preset_from_task,
    preset_label,
    preset_name,
)
from cogs.options import Choice, Name
from db.models import Preset
from db.repository import MemberRepository, TaskRepository

LIST_MAX = 2800  # characters of each of the two lists: both embeds together stay under Discord's 6,000
MORE_ROOM = 20  # the "… and N more" line
PROMPT_SHOWN = 50  # characters of a preset's prompt in the list
CHOICE_MAX = 100  # Discord's limit on a choice's name


class PresetCommands(commands.Cog):
    """Save options once, use them on any request."""

    preset = app_commands.Group(name="preset", description="Save and reuse your options", guild_only=True)

    def __init__(self, members: MemberRepository, tasks: TaskRepository, clock: Callable[[], float]) -> None:
        self.members = members
        self.tasks = tasks
        self.clock = clock

    @preset.command(name="save")
    @app_commands.describe(
        name=f"A name for it (up to {PRESET_NAME_MAX} characters; the same name replaces it)",
        task="One of your tasks (start typing to pick): its prompt and options are kept",
    )
    async def save(self, interaction: discord.Interaction, name: PresetName, task: Name) -> None:
        """Save one of your tasks' prompt and options as a preset."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id, user_id = _member(interaction)
        record = await self.tasks.get(task.strip())
        if record is None or record.guild_id != guild_id or record.user_id != user_id:
            raise CommandRefusedError("No task of yours has that id. `/tasks` lists them.")
        preset = preset_from_task(record, preset_name(name))
        if not await self.members.save_preset(preset, limit=PRESETS_MAX, now=self.clock()):
            raise CommandRefusedError(f"You have {PRESETS_MAX} presets, the most you can keep. Delete one first.")
        await interaction.followup.send(
            f"Saved: {fit(preset_label(preset))}. Pick it in the `preset` option of any `/video` or `/image create` "
            "command; what you type there comes first.",
            ephemeral=True,
        )

    @save.autocomplete("task")
    async def _tasks(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        """Offer the member's recent tasks a preset can be made from."""
        guild_id, user_id = _member(interaction)
        tasks = await self.tasks.for_user(guild_id, user_id, limit=AUTOCOMPLETE_LIMIT)
        return [
            app_commands.Choice(
                name=f"{t.id[:8]} · {title_of(t)} · {' '.join(str(t.params.get('prompt') or '').split())}"[:CHOICE_MAX],
                value=t.id,
            )
            for t in tasks
            if t.kind in PRESET_KINDS and t.id.startswith(current.strip())
        ]

    @preset.command(name="list")
    async def list_presets(self, interaction: discord.Interaction) -> None:
        """List your presets and the server's."""
        guild_id, user_id = _member(interaction)
        mine = await self.members.presets(guild_id, user_id)
        server = await self.members.presets(guild_id, None)
        embeds = [
            discord.Embed(title=f"Your presets ({len(mine)} of {PRESETS_MAX})", description=_listed(mine)),
            discord.Embed(title="This server's presets", description=_listed(server)),
        ]
        await interaction.response.send_message(embeds=embeds, ephemeral=True)

    @preset.command(name="delete")
    @app_commands.describe(name="One of your presets (start typing to pick)")
    async def delete(self, interaction: discord.Interaction, name: PresetName) -> None:
        """Delete one of your presets."""
        guild_id, user_id = _member(interaction)
        if not await self.members.delete_preset(guild_id, user_id, name.strip()):
            raise CommandRefusedError("You have no preset of that name. `/preset list` shows them.")
        await interaction.response.send_message(f"Deleted “{fit(name.strip(), NAME_SHOWN)}”.", ephemeral=True)

    @delete.autocomplete("name")
    async def _mine(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        """Offer the member's own presets."""
        guild_id, user_id = _member(interaction)
        return preset_choices(await self.members.presets(guild_id, user_id), current)


def _member(interaction: discord.Interaction) -> tuple[int, int]:
    assert interaction.guild is not None  # noqa: S101 - guild-only group
    return interaction.guild.id, interaction.user.id


def _listed(presets: list[Preset]) -> str:
    """Return one line per preset (its name, options and the start of its prompt), as many as fit."""
    lines = []
    for preset in presets:
        prompt = f"\n  “{fit(preset.prompt_suffix, PROMPT_SHOWN)}”" if preset.prompt_suffix else ""
        lines.append(f"• {fit(preset_label(preset))}{prompt}")
    kept: list[str] = []
    for line in lines:
        if sum(len(k) + 1 for k in kept) + len(line) > LIST_MAX - MORE_ROOM:
            kept.append(f"… and {len(lines) - len(kept)} more")
            break
        kept.append(line)
    return "\n".join(kept) or "None yet."


async def setup(bot: KlingBot) -> None:
    """Load `/preset`."""
    await bot.add_cog(PresetCommands(bot.storage.members, bot.storage.tasks, bot.engine.now))
