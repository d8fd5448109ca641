"""Sync slash commands only when they changed (Discord allows 200 command creates a day per guild)."""

from __future__ import annotations

import hashlib
import json
import logging
import time

import discord
from discord import app_commands

from db.repository import GuildRepository

log = logging.getLogger(__name__)


def commands_digest(tree: app_commands.CommandTree[discord.Client], guild: discord.abc.Snowflake | None) -> str:
    """Return a digest of the command definitions Discord would receive."""
    payload = [command.to_dict(tree) for command in tree.get_commands(guild=guild)]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


async def sync_commands(
    tree: app_commands.CommandTree[discord.Client],
    guilds: GuildRepository,
    *,
    dev_guild_id: int | None,
    force: bool = False,
) -> bool:
    """Sync to the dev guild (instant) or globally, if the commands changed since the last sync."""
    guild = discord.Object(dev_guild_id) if dev_guild_id else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    key = f"commands:{dev_guild_id or 'global'}"
    digest = commands_digest(tree, guild)
    if not force and await guilds.get_meta(key) == digest:
        log.info("Slash commands unchanged; not syncing")
        return False
    synced = await tree.sync(guild=guild)
    await guilds.set_meta(key, digest, now=time.time())
    log.info("Synced %d slash command(s) %s", len(synced), f"to guild {dev_guild_id}" if guild else "globally")
    return True
