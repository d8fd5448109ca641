"""End to end in a real process, through the loopback fake Discord: today's Kling (text → image against the fake
Kling; kling-v3 with sound in the simulator, which speaks it with no account)."""

from __future__ import annotations

import io
from pathlib import Path

import av
import pytest
from PIL import Image

from tests.bot_process import TOKEN, BotProcess
from tests.conftest import API_KEY
from tests.fake_discord import FakeDiscord
from tests.fake_kling import FakeKling, SystemClock
from tests.smoke_helpers import has_files, simulator_bot


@pytest.mark.timeout(90)
async def test_image_create_posts_every_image_together(tmp_path: Path, database_url: str) -> None:
    """`/image create count: 3`: images/generations at the fake Kling, three PNGs in one message."""
    fake = FakeKling(api_key=API_KEY, clock=SystemClock(), auto_advance=True, processing_after=0.2, finish_after=1.0)
    async with FakeDiscord(token=TOKEN) as discord_fake, fake:
        bot = BotProcess(discord_fake, fake, tmp_path, database_url=database_url)
        guild = discord_fake.add_guild()
        channel = discord_fake.add_text_channel(guild, "art")
        alice = discord_fake.add_member(guild, "alice")
        await bot.start()
        try:
            interaction = await discord_fake.invoke_slash(
                alice, channel, "image", subcommand="create", options={"prompt": "a red fox", "count": 3}
            )
            await interaction.wait_acknowledged(timeout=5)
            posted = await discord_fake.wait_for_message(channel, predicate=has_files(".png"), timeout=60)
        finally:
            await bot.stop()
    files = posted["attachments_data"]
    assert len(files) == 3  # type: ignore[arg-type]
    for _, data in files:  # type: ignore[attr-defined]
        assert Image.open(io.BytesIO(data)).format == "PNG"
    (task,) = fake.tasks.values()
    assert (task.body["model_name"], task.body["n"]) == ("kling-v3", 3)


@pytest.mark.timeout(90)
async def test_kling_v3_with_sound_in_the_simulator(tmp_path: Path) -> None:
    """`/video text model: kling-v3 duration: 4 sound: on` with no account: a real MP4 with an audio track."""
    async with simulator_bot(tmp_path) as (bot, channel, alice):
        discord_fake, unused_kling = bot.discord, bot.kling
        options = {"prompt": "waves on a pebble beach", "model": "kling-v3", "duration": "4", "sound": "on"}
        await discord_fake.invoke_slash(alice, channel, "video", subcommand="text", options=options)
        posted = await discord_fake.wait_for_message(channel, predicate=has_files(".mp4"), timeout=60)
    ((_, video),) = posted["attachments_data"]  # type: ignore[misc]
    with av.open(io.BytesIO(video)) as container:
        (audio,) = container.streams.audio
        assert container.streams.video
        seconds = float(container.duration or 0) / av.time_base
    assert audio.codec_context.name == "aac"
    assert 3.5 <= seconds <= 4.5
    assert unused_kling.create_attempts == 0
