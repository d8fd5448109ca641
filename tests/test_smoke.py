"""Smoke test: `python -m bot` as its own process, against a loopback fake Discord and the fake Kling server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.bot_process import TOKEN, BotProcess
from tests.conftest import API_KEY
from tests.fake_discord import FakeDiscord
from tests.fake_kling import FakeKling, SystemClock, make_jpeg, make_png
from tests.smoke_helpers import has_files, simulator_bot, text_of

WAIT = 30.0


@pytest.fixture
async def bot(tmp_path: Path, database_url: str) -> AsyncIterator[BotProcess]:
    """Both fakes, and the bot running against them (logging JSON at DEBUG, on each storage backend) until the
    test ends."""
    kling_fake = FakeKling(
        api_key=API_KEY, clock=SystemClock(), auto_advance=True, processing_after=0.2, finish_after=1.0
    )
    async with FakeDiscord(token=TOKEN) as discord_fake, kling_fake:
        process = BotProcess(discord_fake, kling_fake, tmp_path, extra_env={"LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json"},
                             database_url=database_url)  # fmt: skip
        try:
            yield process
        finally:
            await process.stop()


has_video = has_files(".mp4")


@pytest.mark.timeout(90)
async def test_blend_two_images_end_to_end(bot: BotProcess) -> None:
    """`/video blend` with two images: acknowledged within 3 s, the video posted in the channel, pinging the user."""
    guild = bot.discord.add_guild(name="Smoke")
    channel = bot.discord.add_text_channel(guild, "videos")
    alice = bot.discord.add_member(guild, "alice")
    await bot.start()
    images = {
        "image1": bot.discord.add_attachment("a.png", make_png(640, 480), content_type="image/png"),
        "image2": bot.discord.add_attachment("b.jpg", make_jpeg(480, 640), content_type="image/jpeg"),
    }
    interaction = await bot.discord.invoke_slash(
        alice, channel, "video", subcommand="blend", options={**images, "prompt": "they meet"}
    )
    await interaction.wait_acknowledged(timeout=5)
    assert interaction.ack_delay is not None
    assert interaction.ack_delay < 3
    assert interaction.ephemeral
    try:
        posted = await bot.discord.wait_for_message(channel, predicate=has_video, timeout=60)
    except TimeoutError:
        pytest.fail("no video was posted:\n" + bot.log_file.read_text()[-4000:])
    assert text_of(posted).startswith(f"### Blended video\n<@{alice.id}>, your video is ready!")
    ((_, video),) = posted["attachments_data"]
    assert video == bot.kling.video_bytes
    assert len(bot.kling.creates_by_external_id) == 1
    await check_operations(bot.web, bot.log_file)


async def check_operations(web: str, log_file: Path) -> None:
    """Health and metrics answer; the DEBUG log is JSON lines, tagged with the task, with no secret in it."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        async with session.get(f"{web}/healthz") as response:
            health = await response.json()
            assert response.status == 200, health
        for _ in range(50):  # the bot counts a delivery just after Discord answers the post: give it a moment
            async with session.get(f"{web}/metrics") as response:
                metrics = await response.text()
            if 'state="delivered"} 1.0' in metrics:
                break
            await asyncio.sleep(0.1)
    assert (health["database"], health["gateway"]) == ("ok", "connected")
    assert health["last_provider_success"] is not None
    create = 'kling_provider_requests_total{endpoint="/v1/videos/multi-image2video",method="POST",outcome="200"} 1.0'
    assert create in metrics
    assert 'kling_deliveries_total{route="upload-channel"} 1.0' in metrics
    assert 'kling_tasks{state="delivered"} 1.0' in metrics
    text = log_file.read_text()
    for secret in (TOKEN, API_KEY):
        assert secret not in text
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert any(r["task_id"] != "-" and "delivered" in r["message"] for r in records)


@pytest.mark.timeout(90)
async def test_the_simulator_needs_no_account(tmp_path: Path) -> None:
    """`KLING_PROVIDER=simulator`: `/video animate` in a real process posts a real, locally made video."""
    async with simulator_bot(tmp_path) as (bot, channel, alice):
        discord_fake, unused_kling = bot.discord, bot.kling
        image = discord_fake.add_attachment("a.png", make_png(640, 480), content_type="image/png")
        await discord_fake.invoke_slash(alice, channel, "video", subcommand="animate",
                                        options={"image": image, "prompt": "a slow pan"})  # fmt: skip
        posted = await discord_fake.wait_for_message(channel, predicate=has_video, timeout=60)
    ((name, video),) = posted["attachments_data"]
    assert name.endswith(".mp4")
    assert video[4:8] == b"ftyp"  # an MP4 made by the simulator, not the fake provider's clip
    assert video != unused_kling.video_bytes
    assert unused_kling.create_attempts == 0
