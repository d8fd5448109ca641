"""Secrets never reach the log, even at DEBUG, with every credential kind in use."""

from __future__ import annotations

import asyncio
import base64
import re

import pytest

from tests.bot_process import TOKEN, BotProcess
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.fake_discord import FakeDiscord
from tests.fake_kling import FakeKling, SystemClock
from tests.smoke_helpers import text_of

pytestmark = pytest.mark.reliability
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"reliability-webhook-secret-32by!").decode()
JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")


@pytest.mark.timeout(120)
async def test_full_lifecycle_at_debug_logs_no_secret(tmp_path, database_url: str) -> None:
    """AccessKey/SecretKey JWTs, a signed-callback secret and the bot token: none appears in a DEBUG log."""
    kling = FakeKling(access_key=ACCESS_KEY, secret_key=SECRET_KEY, api_key=None, webhook_secret=WEBHOOK_SECRET,
                      clock=SystemClock(), auto_advance=True, processing_after=0.2, finish_after=1.0)  # fmt: skip
    async with FakeDiscord(token=TOKEN) as discord, kling:
        guild = discord.add_guild()
        channel = discord.add_text_channel(guild, "videos")
        alice = discord.add_member(guild, "alice")
        env = {"LOG_LEVEL": "DEBUG", "KLING_API_KEY": "", "KLING_ACCESS_KEY": ACCESS_KEY,
               "KLING_SECRET_KEY": SECRET_KEY, "KLING_WEBHOOK_SECRET": WEBHOOK_SECRET}  # fmt: skip
        bot = BotProcess(discord, kling, tmp_path, extra_env=env, database_url=database_url)
        await bot.start()
        try:
            interaction = await discord.invoke_slash(alice, channel, "video", subcommand="text",
                                                     options={"prompt": "a boat"})  # fmt: skip
            await interaction.wait_followup(lambda m: True, timeout=20)
            await discord.wait_for_message(channel, lambda m: "is ready" in text_of(m), timeout=60)
            for _ in range(100):  # the post is recorded a moment after it lands
                if "delivered" in bot.log_file.read_text():
                    break
                await asyncio.sleep(0.1)
        finally:
            await bot.stop()
    log = bot.log_file.read_text()
    assert "delivered" in log
    for secret in (TOKEN, ACCESS_KEY, SECRET_KEY, WEBHOOK_SECRET, WEBHOOK_SECRET.removeprefix("whsec_")):
        assert secret not in log
    assert not JWT.search(log)
