"""SHARD_COUNT / SHARD_IDS make the bot discord.py's AutoShardedBot, built as complete as the unsharded one."""

from __future__ import annotations

import pytest
from discord.ext import commands

from bot.discord.bot import KlingBot
from bot.discord.services import Services
from bot.discord.sharded import ShardedKlingBot
from bot.kling.client import KlingClient
from tests.conftest import FAST_RETRY
from tests.discord.conftest import World


@pytest.mark.parametrize("discord_options", [{"shard_count": 4, "shard_ids": (1, 3)}])
async def test_the_sharded_bot_runs_the_shards_asked_for(world: World) -> None:
    """One process runs SHARD_IDS of SHARD_COUNT; the class is both KlingBot and AutoShardedBot."""
    kling = KlingClient.from_settings(world.session, world.settings.kling, retry=FAST_RETRY)
    services = Services(world.settings, world.storage, kling, world.downloader, clock=world.fake.clock)
    bot = ShardedKlingBot(services, start_engine=False)
    assert isinstance(bot, KlingBot)
    assert isinstance(bot, commands.AutoShardedBot)
    assert (bot.shard_count, bot.shard_ids) == (4, [1, 3])
    assert bot.desk is not None
    assert bot.engine is not None


def test_the_unsharded_bot_passes_no_shard_options(world: World) -> None:
    """Without SHARD_COUNT the bot stays a plain commands.Bot on one connection."""
    bot = world.new_bot()
    assert not isinstance(bot, commands.AutoShardedBot)
    assert bot.shard_count is None
