"""The bot as shards: discord.py's `AutoShardedBot` runs this process's shards (SHARD_COUNT, SHARD_IDS)."""

from __future__ import annotations

from typing import Any

from discord.ext import commands

from bot.discord.bot import KlingBot
from bot.settings import DiscordSettings


class ShardedKlingBot(KlingBot, commands.AutoShardedBot):
    """`KlingBot` over several gateway connections: SHARD_IDS (default: every one of SHARD_COUNT) in this process.

    The method order runs KlingBot → commands.Bot → commands.AutoShardedBot → BotBase → … → AutoShardedClient →
    Client, so KlingBot's constructor reaches AutoShardedClient's, which takes the shard options. With a shard
    count given, discord.py asks Discord for no gateway URL or recommended count: it connects each shard to the
    default gateway, one IDENTIFY at a time. Events of a guild arrive on shard `(guild_id >> 22) % SHARD_COUNT`.
    """

    def gateway_options(self, settings: DiscordSettings) -> dict[str, Any]:
        """Return the shard count and this process's shards."""
        shard_ids = list(settings.shard_ids) if settings.shard_ids is not None else None
        return {"shard_count": settings.shard_count, "shard_ids": shard_ids}
