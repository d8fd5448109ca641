"""End to end in a real process, through the loopback fake Discord: a result arrives as a media card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.bot_process import TOKEN, BotProcess
from tests.conftest import API_KEY
from tests.fake_discord import FakeDiscord
from tests.fake_discord.components import is_v2, walk
from tests.fake_kling import FakeKling, SystemClock
from tests.smoke_helpers import has_files

CONTAINER, TEXT_DISPLAY, MEDIA_GALLERY, BUTTON = 17, 10, 12, 2


@pytest.mark.timeout(90)
async def test_a_video_arrives_as_a_media_card(tmp_path: Path, database_url: str) -> None:
    """`/video text`: one Components V2 message, no content or embed; its gallery shows the uploaded MP4, its text
    the mention, prompt and task, its buttons the persistent custom ids."""
    fake = FakeKling(api_key=API_KEY, clock=SystemClock(), auto_advance=True, processing_after=0.2, finish_after=1.0)
    async with FakeDiscord(token=TOKEN) as discord_fake, fake:
        bot = BotProcess(discord_fake, fake, tmp_path, database_url=database_url)
        guild = discord_fake.add_guild()
        channel = discord_fake.add_text_channel(guild, "videos")
        alice = discord_fake.add_member(guild, "alice")
        await bot.start()
        try:
            options = {"prompt": "a paper boat in the rain"}
            interaction = await discord_fake.invoke_slash(alice, channel, "video", subcommand="text", options=options)
            await interaction.wait_acknowledged(timeout=5)
            posted = await discord_fake.wait_for_message(channel, predicate=has_files(".mp4"), timeout=60)
        finally:
            await bot.stop()
    assert is_v2(posted["flags"])
    assert (posted["content"], posted["embeds"]) == ("", [])
    ((name, video),) = posted["attachments_data"]
    assert (name, video) == ("0.mp4", fake.video_bytes)
    (container,) = posted["components"]
    assert container["type"] == CONTAINER
    every = list(walk(posted["components"]))
    (gallery,) = [c for c in every if c["type"] == MEDIA_GALLERY]
    (attachment,) = posted["attachments"]
    assert [item["media"]["url"] for item in gallery["items"]] == [attachment["url"]]
    text = "\n".join(c["content"] for c in every if c["type"] == TEXT_DISPLAY)
    assert f"<@{alice.id}>, your video is ready!" in text
    assert "a paper boat in the rain" in text
    task_id = text.rsplit("-# Task ", 1)[1]
    actions = actions_on(every, task_id)
    assert actions[0] == "vary"  # another take of a success
    assert {"dm", "delete"} <= set(actions)


def actions_on(components: list[dict[str, Any]], task_id: str) -> list[str]:
    """Return the actions of the buttons among `components`, checking each names the task (kling:<action>:<task>)."""
    actions = []
    for custom_id in (c["custom_id"] for c in components if c["type"] == BUTTON):
        prefix, action, task = custom_id.split(":")
        assert (prefix, task) == ("kling", task_id)
        actions.append(action)
    return actions
