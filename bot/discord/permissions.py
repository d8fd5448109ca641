"""Who may do what: admins (Manage Server) and moderators (Manage Messages)."""

from __future__ import annotations

import discord
from discord import app_commands


def is_admin(interaction: discord.Interaction) -> bool:
    """Return True for members who may manage the server or its messages."""
    permissions = getattr(interaction.user, "guild_permissions", None)
    return bool(permissions and (permissions.manage_guild or permissions.manage_messages))


def require_manage_guild(interaction: discord.Interaction) -> bool:
    """Allow members with Manage Server; refuse everyone else with a clear error."""
    permissions = getattr(interaction.user, "guild_permissions", None)
    if permissions is None or not permissions.manage_guild:
        raise app_commands.MissingPermissions(["manage_guild"])
    return True


def role_ids(interaction: discord.Interaction) -> tuple[int, ...]:
    """Return the ids of the member's roles (none in DMs)."""
    return tuple(role.id for role in getattr(interaction.user, "roles", ()))
