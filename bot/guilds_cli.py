"""`python -m bot guilds list|approve|deny|leave`: decide from the shell which servers may use the bot."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from typing import TextIO

import discord

from bot.settings import DiscordSettings, StorageSettings, read_section
from db import open_storage


async def guilds_command(
    env_file: str, action: str, guild_id: int | None, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Run one action; return the exit code."""
    storage_settings, problems = read_section(StorageSettings, env_file)
    if storage_settings is None or problems:
        print("\n".join(problems), file=err)
        return 2
    if action != "list" and guild_id is None:
        print(f"`guilds {action}` needs a server id.", file=err)
        return 2
    if action == "leave":
        return await _leave(env_file, guild_id or 0, out, err)
    storage = await open_storage(storage_settings.database_url.get_secret_value())
    try:
        if action == "list":
            for access in await storage.guilds.all_access():
                when = datetime.fromtimestamp(access.requested_at, tz=UTC).strftime("%Y-%m-%d %H:%M")
                print(f"{access.guild_id}\t{access.status}\t{when}\t{access.name}", file=out)
            return 0
        status = "approved" if action == "approve" else "denied"
        before = await storage.guilds.access(guild_id or 0)
        await storage.guilds.decide_access(guild_id or 0, status, by=None, now=time.time())
        await storage.audit.record(
            "server.access", guild_id=guild_id, actor_id=None, before=before.status if before else "",
            after=status, now=time.time(),
        )  # fmt: skip
        print(f"Server {guild_id} {'approved' if action == 'approve' else 'denied'}.", file=out)
        return 0
    finally:
        await storage.close()


async def _leave(env_file: str, guild_id: int, out: TextIO, err: TextIO) -> int:
    """Make the bot leave a server (Discord's REST API; no gateway connection needed)."""
    settings, problems = read_section(DiscordSettings, env_file)
    if settings is None or problems:
        print("\n".join(problems), file=err)
        return 2
    client = discord.Client(intents=discord.Intents.none())
    try:
        await client.login(settings.token.get_secret_value())
        await client.http.leave_guild(guild_id)
    except discord.HTTPException as exc:
        print(f"Discord refused: {exc}", file=err)
        return 1
    finally:
        await client.close()
    print(f"Left server {guild_id}.", file=out)
    return 0
