"""What the end-to-end smoke tests share: a bot process running the simulator, and message predicates."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tests.bot_process import TOKEN, BotProcess
from tests.conftest import API_KEY
from tests.fake_discord import FakeChannel, FakeDiscord, FakeUser
from tests.fake_discord.components import TEXT_DISPLAY, is_v2, walk
from tests.fake_kling import FakeKling


def has_files(suffix: str) -> Callable[[dict[str, Any]], bool]:
    """Return a predicate: the message carries a file ending in `suffix`."""

    def check(message: dict[str, Any]) -> bool:
        files = message.get("attachments_data") or []
        return any(name.endswith(suffix) for name, _ in files)

    return check


def text_of(message: dict[str, Any]) -> str:
    """Return what a message says: its content, or a media card's text displays, one per line."""
    displays = [c["content"] for c in walk(message.get("components") or []) if c.get("type") == TEXT_DISPLAY]
    return "\n".join(displays) if is_v2(int(message.get("flags") or 0)) else str(message.get("content") or "")


def result_task(message: dict[str, Any]) -> str | None:
    """Return the task a result post is for (a card's "-# Task <id>" line, a classic embed's footer), else None."""
    text = text_of(message)
    if ", your " not in text:
        return None
    if is_v2(int(message.get("flags") or 0)):
        return text.rsplit("\n-# Task ", 1)[1] if "\n-# Task " in text else None
    footers = [(embed.get("footer") or {}).get("text", "") for embed in message.get("embeds") or []]
    return next((f.removeprefix("Task ") for f in footers if f.startswith("Task ")), None)


@asynccontextmanager
async def simulator_bot(tmp_path: Path) -> AsyncIterator[tuple[BotProcess, FakeChannel, FakeUser]]:
    """Start the bot with `KLING_PROVIDER=simulator` and no account, in a guild with a #videos channel and alice.

    Its fake Kling (`bot.kling`) is there only to show that no request reaches a provider. Yields the bot, the
    channel and alice; stops the bot and both fakes on the way out.
    """
    async with FakeDiscord(token=TOKEN) as discord_fake, FakeKling(api_key=API_KEY) as unused_kling:
        env = {
            "KLING_PROVIDER": "simulator",
            "KLING_API_KEY": "",
            "KLING_SIMULATOR_SECONDS": "1",
            "KLING_SIMULATOR_DIR": str(tmp_path / "sim"),
        }
        bot = BotProcess(discord_fake, unused_kling, tmp_path, extra_env=env, callbacks=False)
        guild = discord_fake.add_guild()
        channel = discord_fake.add_text_channel(guild, "videos")
        alice = discord_fake.add_member(guild, "alice")
        await bot.start()
        try:
            yield bot, channel, alice
        finally:
            await bot.stop()
