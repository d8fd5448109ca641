"""Resident memory of the running bot: with many tracked tasks, and while delivering a very large video."""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

from bench.common import Figure
from bench.live import padded_video
from bot.quota import QUOTA_WINDOW
from bot.vocabulary import TaskState
from db import Storage, open_storage
from db.models import NewTask
from tests.bot_process import TOKEN, BotProcess
from tests.conftest import API_KEY
from tests.fake_discord import FakeDiscord
from tests.fake_kling import FakeKling, SystemClock
from tests.smoke_helpers import result_task

SETTLE = 3.0  # seconds after start: recovery has made every tracked task due, and the tracker is working through them


async def record_request(storage: Storage, *, guild: int, channel: int, user: int, now: float) -> NewTask:
    """Record one 5 s text-to-video request as the bot records it (reserved, queued), whatever the limits."""
    task = NewTask(
        id=str(uuid.uuid4()), provider="official", kind="text2video", guild_id=guild, channel_id=channel,
        user_id=user, params={"prompt": "boat", "duration": "5", "mode": "std"}, images=(),
        callback_token=uuid.uuid4().hex, slots=1, units=Decimal("1.5"),
    )  # fmt: skip
    await storage.quotas.reserve(task, lambda usage: None, now=now, window=QUOTA_WINDOW)  # no limits
    return task


async def seed_tracked(database_url: str, count: int, *, at_once: int = 1) -> None:
    """Store `count` tasks in flight at the provider, as a busy bot would have them (`at_once` written together)."""
    storage = await open_storage(database_url)
    now = time.time()

    async def one(index: int) -> None:
        task = await record_request(storage, guild=1, channel=2, user=index, now=now)
        await storage.tasks.transition(task.id, [TaskState.QUEUED], TaskState.SUBMITTING, now=now)
        await storage.tasks.transition(task.id, [TaskState.SUBMITTING], TaskState.SUBMITTED, now=now,
                                       provider_task_id=str(10**17 + index), submitted_at=now,
                                       deadline_at=now + 3600, next_poll_at=now + 3000)  # fmt: skip

    try:
        for start in range(0, count, at_once):
            await asyncio.gather(*(one(index) for index in range(start, min(start + at_once, count))))
    finally:
        await storage.close()


async def rss_with_tracked(count: int) -> tuple[float, float]:
    """Return (MB resident with no tasks, MB resident with `count` tracked tasks) after a tracker pass."""
    results = []
    for tracked in (0, count):
        with tempfile.TemporaryDirectory() as root:
            if tracked:
                await seed_tracked(f"sqlite:///{Path(root) / 'bot.db'}", tracked)
            async with FakeDiscord(token=TOKEN) as discord, FakeKling(api_key=API_KEY, clock=SystemClock()) as kling:
                guild = discord.add_guild()
                discord.add_text_channel(guild, "videos")
                bot = BotProcess(discord, kling, Path(root), extra_env={"LOG_LEVEL": "WARNING"}, callbacks=False)
                await bot.start()
                await asyncio.sleep(SETTLE)
                results.append(bot.rss_kib() / 1024)
                await bot.stop()
    return results[0], results[1]


async def growth_delivering(megabytes: int) -> tuple[float, float]:
    """Return (MB resident before, MB of growth at the peak) while one `megabytes` video is downloaded and posted."""
    kling = FakeKling(api_key=API_KEY, clock=SystemClock(), auto_advance=True, processing_after=0.2, finish_after=1.0,
                      video=padded_video(megabytes))  # fmt: skip
    with tempfile.TemporaryDirectory() as root:
        async with FakeDiscord(token=TOKEN) as discord, kling:
            guild = discord.add_guild(premium_tier=3)  # 100 MiB uploads
            channel = discord.add_text_channel(guild, "videos")
            alice = discord.add_member(guild, "alice")
            bot = BotProcess(discord, kling, Path(root), extra_env={"LOG_LEVEL": "WARNING"})
            await bot.start()
            await asyncio.sleep(1.0)
            before = bot.rss_kib()
            peak = before
            await discord.invoke_slash(alice, channel, "video", subcommand="text", options={"prompt": "boat"})
            posted = False
            for _ in range(1200):
                peak = max(peak, bot.rss_kib())
                if posted := any(result_task(message) for message in discord.messages(channel)):
                    break
                await asyncio.sleep(0.05)
            peak = max(peak, bot.rss_kib())
            await bot.stop()
    return before / 1024, (peak - before) / 1024 if posted else float("nan")


async def measure(size: dict[str, int]) -> list[Figure]:
    """Run both and return the figures."""
    idle, tracked = await rss_with_tracked(size["tracked"])
    before, growth = await growth_delivering(size["big_mb"])
    return [
        Figure(f"resident memory with {size['tracked']:,} tracked in-flight tasks", tracked, "MB", "< 200 MB",
               tracked < 200, f"{idle:.0f} MB with none; tasks live in SQLite, not in memory"),
        Figure(f"growth while delivering a {size['big_mb']} MB video", growth, "MB", "< 20 MB", growth < 20,
               f"from {before:.0f} MB; streamed to disk and from disk"),
    ]  # fmt: skip
