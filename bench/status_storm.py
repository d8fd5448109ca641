"""Results while Discord rate-limits every status edit: `python -m bot` against the loopback fakes, 20 tasks
in one channel, each PATCH of a status message answered 429 (retry after 1 s). The results must not wait.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from bench.common import Figure, median, percentile
from bench.live import final_callbacks, padded_video, result_posts
from tests.bot_process import TOKEN, BotProcess
from tests.conftest import API_KEY
from tests.fake_discord import FakeDiscord
from tests.fake_kling import FakeKling, SystemClock

GOAL = 2.0  # seconds from the provider's finish to the result in the channel


async def finish_to_post(tasks: int) -> list[float]:
    """Seconds from each task's final callback (its finish) to its result in the channel."""
    kling = FakeKling(api_key=API_KEY, clock=SystemClock(), auto_advance=True, processing_after=0.5,
                      finish_after=3.0, video=padded_video(1))  # fmt: skip
    with tempfile.TemporaryDirectory() as root:
        async with FakeDiscord(token=TOKEN) as discord, kling:
            guild = discord.add_guild(name="Bench")
            channel = discord.add_text_channel(guild, "videos")
            users = [discord.add_member(guild, f"user{i}") for i in range(tasks)]
            bot = BotProcess(discord, kling, Path(root), extra_env={"LOG_LEVEL": "WARNING"})
            await bot.start()
            discord.inject_rest_error("PATCH", f"/channels/{channel.id}/messages/*", 429, times=10**6, retry_after=1.0)
            try:
                for user in users:
                    await discord.invoke_slash(user, channel, "video", subcommand="text", options={"prompt": "boat"})
                for _ in range(600):
                    if len(result_posts(discord, channel)) >= tasks:
                        break
                    await asyncio.sleep(0.1)
            finally:
                await bot.stop()
            posted, finished = result_posts(discord, channel), final_callbacks(kling)
    return [posted[task] - finished[task] for task in posted if task in finished]


async def measure(tasks: int) -> list[Figure]:
    """Return finish -> posted p50 and p99 under the 429 storm."""
    delays = await finish_to_post(tasks)
    p50, p99 = median(delays), percentile(delays, 0.99)
    return [
        Figure(f"finish -> posted, {tasks} tasks in one channel, every status edit 429 (1 s), p50", p50, "s",
               f"< {GOAL:.0f} s", p50 < GOAL, f"{len(delays)} of {tasks} posted"),
        Figure("… p99", p99, "s", f"< {GOAL:.0f} s", p99 < GOAL, "status edits wait; results don't"),
    ]  # fmt: skip
