"""A guild full of members, the fakes, and the bot process, for the reliability suite."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.bot_process import TOKEN, BotProcess
from tests.conftest import API_KEY
from tests.fake_discord import FakeChannel, FakeDiscord, FakeUser
from tests.fake_kling import FakeKling, SystemClock
from tests.smoke_helpers import result_task


@dataclass
class Stage:
    """The bot running against both fakes, in one guild with one channel."""

    bot: BotProcess
    channel: FakeChannel
    users: list[FakeUser]

    @property
    def discord(self) -> FakeDiscord:
        return self.bot.discord

    @property
    def kling(self) -> FakeKling:
        return self.bot.kling

    async def ask(self, user: FakeUser, prompt: str = "a paper boat") -> str:
        """Run `/video text` as `user`, wait for the bot's private answer, and return it."""
        interaction = await self.discord.invoke_slash(user, self.channel, "video", subcommand="text",
                                                      options={"prompt": prompt})  # fmt: skip
        answer = await interaction.wait_followup(lambda m: True, timeout=20)
        return str(answer.get("content"))

    def results(self, where: FakeChannel | None = None) -> dict[str, int]:
        """Count result posts (not status messages) per task id."""
        counts: dict[str, int] = {}
        for message in self.discord.messages(where or self.channel):
            if (task_id := result_task(message)) is not None:  # a media card or the classic message
                counts[task_id] = counts.get(task_id, 0) + 1
        return counts


StageFactory = Callable[..., Any]
QUEUED = re.compile(r"Queued as `(?P<task>[0-9a-f-]{36})`")


def task_id_of(answer: str) -> str:
    """Return the task id from the bot's "Queued as `…`" answer."""
    match = QUEUED.search(answer)
    assert match, answer
    return match["task"]


@pytest.fixture
async def stage(tmp_path: Path, database_url: str) -> AsyncIterator[StageFactory]:
    """Build a stage (on each storage backend): `await stage(users=..., kling_options=..., env=...)`; everything
    stops after the test."""
    made: list[Stage] = []
    fakes: list[Any] = []

    async def build(users: int = 3, kling_options: dict[str, Any] | None = None, env: dict[str, str] | None = None,
                    premium_tier: int = 0) -> Stage:  # fmt: skip
        options = {"processing_after": 0.2, "finish_after": 1.0, **(kling_options or {})}
        kling = FakeKling(api_key=API_KEY, clock=SystemClock(), auto_advance=True, **options)
        discord = FakeDiscord(token=TOKEN)
        await kling.start()
        await discord.start()
        fakes.extend([kling, discord])
        guild = discord.add_guild(name="Reliability", premium_tier=premium_tier)
        channel = discord.add_text_channel(guild, "videos")
        members = [discord.add_member(guild, f"user{i}") for i in range(users)]
        bot = BotProcess(discord, kling, tmp_path / "bot", extra_env=env or {}, database_url=database_url)
        made.append(Stage(bot, channel, members))
        await bot.start()
        return made[-1]

    yield build
    for stage_ in made:
        await stage_.bot.stop()
    for fake in reversed(fakes):
        await fake.close()
