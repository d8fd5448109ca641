"""Admin commands check Manage Server themselves (a server can override who sees a command) and defer first."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord.permissions import require_manage_guild


class AdminGroup(app_commands.Group):
    """A command group whose every command (and subgroup command) needs Manage Server.

    discord.py runs only a command's direct parent's and binding's checks, so each admin group
    (top level and nested) must be one of these.
    """

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Refuse members without Manage Server; acknowledge (privately) before the command touches anything."""
        require_manage_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        return True
