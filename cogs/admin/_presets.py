"""`/kling-admin preset publish|unpublish`: presets every member of this server can pick."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord.embeds import fit
from bot.discord.errors import CommandRefusedError
from bot.discord.presets import PRESETS_MAX, SERVER_PRESET, PresetName, preset_choices, preset_label
from bot.engine import Engine
from cogs.admin._access import AdminGroup
from cogs.options import Choice
from db.repository import AuditRepository, MemberRepository


class PresetsAdmin(AdminGroup):
    """Publish an admin's own preset for the whole server, or withdraw one."""

    def __init__(self, members: MemberRepository, engine: Engine, audit: AuditRepository) -> None:
        super().__init__(name="preset", description="Presets every member of this server can pick")
        self.members = members
        self.engine = engine
        self.audit = audit

    @app_commands.command(name="publish")
    @app_commands.describe(name="One of your own presets (start typing to pick); members get a copy of it")
    async def publish(self, interaction: discord.Interaction, name: PresetName) -> None:
        """Publish one of your presets for everyone in this server."""
        assert interaction.guild is not None  # noqa: S101 - guild-only group
        guild_id = interaction.guild.id
        mine = await self.members.preset(guild_id, interaction.user.id, name.strip())
        if mine is None:
            raise CommandRefusedError("You have no preset of that name; `/preset save` makes one from a task.")
        before = await self.members.preset(guild_id, None, mine.name)
        published = mine.model_copy(update={"owner_id": None, "published_by": interaction.user.id})
        if not await self.members.save_preset(published, limit=PRESETS_MAX, now=self.engine.now()):
            raise CommandRefusedError(
                f"This server has {PRESETS_MAX} presets, the most it can keep. Unpublish one first."
            )
        await self.audit.record(
            "preset.publish", guild_id=guild_id, actor_id=interaction.user.id,
            before=preset_label(before) if before else "", after=preset_label(published), now=self.engine.now(),
        )  # fmt: skip
        await interaction.followup.send(
            f"Published “{fit(mine.name)}”: every member can pick it in a `preset` option.", ephemeral=True
        )

    @publish.autocomplete("name")
    async def _mine(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        if interaction.guild is None:
            return []
        return preset_choices(await self.members.presets(interaction.guild.id, interaction.user.id), current)

    @app_commands.command(name="unpublish")
    @app_commands.describe(name="One of this server's presets (start typing to pick)")
    async def unpublish(self, interaction: discord.Interaction, name: PresetName) -> None:
        """Withdraw one of this server's presets (members' own copies are not touched)."""
        assert interaction.guild is not None  # noqa: S101
        guild_id, typed = interaction.guild.id, name.strip().removeprefix(SERVER_PRESET)
        before = await self.members.preset(guild_id, None, typed)
        if before is None or not await self.members.delete_preset(guild_id, None, before.name):
            raise CommandRefusedError("This server has no preset of that name. `/preset list` shows them.")
        await self.audit.record(
            "preset.unpublish", guild_id=guild_id, actor_id=interaction.user.id, before=preset_label(before),
            after="", now=self.engine.now(),
        )  # fmt: skip
        await interaction.followup.send(f"Unpublished “{fit(before.name)}”.", ephemeral=True)

    @unpublish.autocomplete("name")
    async def _server(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        if interaction.guild is None:
            return []
        return preset_choices(await self.members.presets(interaction.guild.id, None), current)
