"""Sharding: `python -m bot` with SHARD_COUNT=2 runs two shards in one process (discord.py's AutoShardedBot) and
serves the guilds of each, as a real process against the loopback fake Discord."""

from __future__ import annotations

import aiohttp
import pytest

from tests.bot_process import TOKEN, BotProcess
from tests.conftest import API_KEY
from tests.fake_discord import FakeDiscord
from tests.fake_kling import FakeKling, make_png
from tests.smoke_helpers import has_files

SHARDS = 2


@pytest.mark.timeout(120)
async def test_two_shards_in_one_process_serve_a_guild_on_each(tmp_path) -> None:
    """Both shards IDENTIFY; a guild on each gets its GUILD_CREATE, its commands and its video on its own shard."""
    async with FakeDiscord(token=TOKEN) as discord_fake, FakeKling(api_key=API_KEY) as unused_kling:
        guilds = [discord_fake.add_guild(f"Shard {n}", shard=(n, SHARDS)) for n in range(SHARDS)]
        assert [(guild.id >> 22) % SHARDS for guild in guilds] == [0, 1]  # Discord's formula
        channels = [discord_fake.add_text_channel(guild, "videos") for guild in guilds]
        members = [discord_fake.add_member(guild, f"member{n}") for n, guild in enumerate(guilds)]
        env = {
            "SHARD_COUNT": str(SHARDS),
            "KLING_PROVIDER": "simulator",
            "KLING_API_KEY": "",
            "KLING_SIMULATOR_SECONDS": "1",
            "KLING_SIMULATOR_DIR": str(tmp_path / "sim"),
        }
        bot = BotProcess(discord_fake, unused_kling, tmp_path, extra_env=env, callbacks=False)
        await bot.start()
        try:
            await discord_fake.wait_until_ready(timeout=30, shards=range(SHARDS))
            assert sorted(discord_fake.gateway.identified_shards) == [(0, SHARDS), (1, SHARDS)]
            # Given the count, discord.py asks for no URL or recommendation: the only /gateway GETs are the sockets.
            assert ("GET", "/gateway/bot") not in discord_fake.requests
            assert discord_fake.requests.count(("GET", "/gateway")) == SHARDS
            for shard, session in discord_fake.gateway.sessions.items():
                ready = next(frame["d"] for frame in session.log if frame["t"] == "READY")
                assert ready["shard"] == [shard, SHARDS]
                assert [g["id"] for g in ready["guilds"]] == [str(guilds[shard].id)]
            for channel, member in zip(channels, members, strict=True):
                quota = await discord_fake.invoke_slash(member, channel, "quota")
                answer = await quota.wait_followup(lambda m: bool(m.get("embeds")), timeout=15)
                assert answer["embeds"]
                image = discord_fake.add_attachment("a.png", make_png(640, 480), content_type="image/png")
                await discord_fake.invoke_slash(member, channel, "video", subcommand="animate",
                                                options={"image": image, "prompt": "a slow pan"})  # fmt: skip
            for channel in channels:
                await discord_fake.wait_for_message(channel, predicate=has_files(".mp4"), timeout=60)
            timeout = aiohttp.ClientTimeout(total=10)
            async with aiohttp.ClientSession(timeout=timeout) as session, session.get(f"{bot.web}/healthz") as response:
                health = await response.json()
            assert health["gateway"] == "connected", health
        except TimeoutError:
            pytest.fail("the sharded bot did not answer:\n" + bot.log_file.read_text()[-4000:])
        finally:
            await bot.stop()
