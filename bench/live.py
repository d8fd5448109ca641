"""Latency of the running bot (`python -m bot` as its own process) against the loopback fakes.

- callback received -> result posted in the channel, with a video of a given size;
- interaction -> deferral acknowledged, with many commands at once, each carrying four large images.
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image

from bench.common import Figure, median, percentile
from tests.bot_process import TOKEN, BotProcess
from tests.conftest import API_KEY
from tests.fake_discord import FakeDiscord
from tests.fake_kling import FakeKling, SystemClock
from tests.fake_kling.media import result_mp4
from tests.smoke_helpers import result_task

MB = 1024 * 1024


def padded_video(megabytes: int) -> bytes:
    """A valid MP4 followed by incompressible padding, `megabytes` in all."""
    video = result_mp4()
    return video + random.randbytes(max(megabytes * MB - len(video), 0))


def noise_png(megabytes: int, seed: int) -> bytes:
    """A PNG of about `megabytes` that no compressor can shrink (a real 8 MB upload)."""
    side = int((megabytes * MB / 3) ** 0.5)
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def result_posts(discord: FakeDiscord, channel: Any) -> dict[str, float]:
    """Return the time each task's result was posted, by task id (cards and classic embeds alike)."""
    posted = {}
    for message in discord.messages(channel):
        if (task_id := result_task(message)) is not None:
            posted[task_id] = datetime.fromisoformat(message["timestamp"]).timestamp()
    return posted


def final_callbacks(kling: FakeKling) -> dict[str, float]:
    """Return when each task's "succeed" callback left the provider, by our task id."""
    sent = {}
    for (_, _, body), at in zip(kling.callbacks_sent, kling.callbacks_sent_at, strict=True):
        payload = json.loads(body)
        if payload.get("task_status") == "succeed":
            sent.setdefault(payload["task_info"]["external_task_id"], at)
    return sent


async def callback_to_post(
    tasks: int, video_mb: int, *, spread: float = 0.2, prepare: Callable[[FakeDiscord, Any], None] | None = None
) -> list[float]:
    """Seconds from the provider's final callback to the result in the channel, per task.

    `prepare(discord, channel)` runs once the bot is up (to inject Discord's misbehaviour).
    """
    kling = FakeKling(api_key=API_KEY, clock=SystemClock(), auto_advance=True, processing_after=0.5,
                      finish_after=3.0, video=padded_video(video_mb))  # fmt: skip
    with tempfile.TemporaryDirectory() as root:
        async with FakeDiscord(token=TOKEN) as discord, kling:
            guild = discord.add_guild(name="Bench")
            channel = discord.add_text_channel(guild, "videos")
            users = [discord.add_member(guild, f"user{i}") for i in range(tasks)]
            bot = BotProcess(discord, kling, Path(root), extra_env={"LOG_LEVEL": "WARNING"})
            await bot.start()
            if prepare is not None:
                prepare(discord, channel)
            try:
                for user in users:
                    await discord.invoke_slash(user, channel, "video", subcommand="text", options={"prompt": "boat"})
                    await asyncio.sleep(spread)  # arrivals spread out, as in real life
                for _ in range(600):
                    if len(result_posts(discord, channel)) >= tasks:
                        break
                    await asyncio.sleep(0.1)
            finally:
                await bot.stop()
            posted, called = result_posts(discord, channel), final_callbacks(kling)
    return [posted[task] - called[task] for task in posted if task in called]


async def ack_delays(commands: int, image_mb: int) -> list[float]:
    """Seconds from dispatch to the deferral, with `commands` blends of four `image_mb` images at once."""
    images = [noise_png(image_mb, seed) for seed in range(4)]
    with tempfile.TemporaryDirectory() as root:
        async with FakeDiscord(token=TOKEN) as discord, FakeKling(api_key=API_KEY, clock=SystemClock()) as kling:
            guild = discord.add_guild(name="Bench")
            channel = discord.add_text_channel(guild, "videos")
            users = [discord.add_member(guild, f"user{i}") for i in range(commands)]
            files = {
                f"image{i + 1}": discord.add_attachment(f"{i}.png", data, "image/png") for i, data in enumerate(images)
            }
            bot = BotProcess(discord, kling, Path(root), extra_env={"LOG_LEVEL": "WARNING"})
            await bot.start()
            try:
                interactions = await asyncio.gather(*(
                    discord.invoke_slash(user, channel, "video", subcommand="blend", options={**files, "prompt": "mix"})
                    for user in users
                ))  # fmt: skip
                await asyncio.gather(*(i.wait_acknowledged(timeout=30) for i in interactions))
            finally:
                await bot.stop()
    return [i.ack_delay for i in interactions if i.ack_delay is not None]


async def measure(size: dict[str, int]) -> list[Figure]:
    """Run both and return the figures."""
    posts = await callback_to_post(size["latency_tasks"], size["video_mb"])
    acks = await ack_delays(size["commands"], size["image_mb"])
    return [
        Figure(f"callback -> posted, {size['video_mb']} MB video, p50", median(posts), "s", "< 0.5 s",
               median(posts) < 0.5, f"{len(posts)} tasks"),
        Figure(f"callback -> posted, {size['video_mb']} MB video, p99", percentile(posts, 0.99), "s", "< 2 s",
               percentile(posts, 0.99) < 2),
        Figure(f"interaction -> deferral, {size['commands']} at once × four {size['image_mb']} MB images, p99",
               percentile(acks, 0.99) * 1000, "ms", "< 100 ms", percentile(acks, 0.99) < 0.1,
               f"p50 {median(acks) * 1000:.0f} ms"),
    ]  # fmt: skip
