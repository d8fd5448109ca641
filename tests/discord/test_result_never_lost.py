"""A paid result is never lost to formatting: cards and fields fit Discord's limits, and a refused form falls back to
the classic message, then to text."""

from __future__ import annotations

from typing import Any

import discord

from bot.vocabulary import TaskState
from tests.discord.conftest import World
from tests.discord.helpers import card_text, components_of, is_card, png, scene

FIELD_VALUE_MAX = 1024  # Discord's documented limit on an embed field value
MESSAGE_MAX = 2000
TEXT_DISPLAY_TOTAL = 4000  # Discord's documented limit on a Components V2 message's text displays, all together


def assert_fits(message: Any) -> None:
    for embed in message.embeds:
        assert all(len(field.value) <= FIELD_VALUE_MAX for field in embed.fields)
        assert len(embed.description or "") <= 4096
    assert len(message.content or "") <= MESSAGE_MAX


async def test_a_long_markdown_prompt_fits_the_result_card(simcord_env: Any, world: World) -> None:
    """2,500 characters of markdown double when escaped: the card's prompt is cut so its text stays within 4,000."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video animate", image=png(), prompt="*_" * 1250)
    await world.step(200)
    await simcord_env.settle()
    posted = channel.last_message
    assert is_card(posted)
    texts = [c.content for c in components_of(posted) if isinstance(c, discord.TextDisplay)]
    assert 3500 < sum(map(len, texts)) <= TEXT_DISPLAY_TOTAL  # far more of the prompt than an embed field's 1,024
    (prompt,) = [text for text in texts if text.startswith("**Prompt**")]
    assert prompt.endswith("…")
    assert not prompt.endswith("\\…")  # never half an escape, which would eat the "…"
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    assert card_text(posted).endswith(f"-# Task {task.id}")


async def test_a_long_markdown_prompt_fits_the_result_embed(simcord_env: Any, world: World) -> None:
    """1,000 characters of markdown double when escaped: with the card refused, the classic embed's field is still
    cut to 1,024 and the result posted."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video animate", image=png(), prompt="*_" * 500)
    simcord_env.inject_error("POST", f"/channels/{channel.id}/messages", status=400, code=50035, times=1)
    await world.step(200)
    await simcord_env.settle()
    posted = channel.last_message
    assert posted.content.startswith(f"<@{alice.id}>, your video is ready!")
    assert_fits(posted)
    assert posted.embeds[0].fields[0].value.endswith("…")


async def test_a_long_failure_reason_fits_and_the_member_is_told(simcord_env: Any, world: World) -> None:
    """A provider failure reason of 3,000 characters is cut to fit; the member is told and refunded."""
    _, channel, alice = scene(simcord_env)
    world.fake.set_outcome(lambda task: "risk control " * 250)
    await alice.slash(channel, "video animate", image=png(), prompt="move")
    await world.step(200)
    await simcord_env.settle()
    posted = channel.last_message
    assert posted.content == f"<@{alice.id}>, your request failed. Nothing was charged."
    assert_fits(posted)
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    assert task.state is TaskState.DELIVERED


async def test_a_refused_form_falls_back_to_plain_text_with_the_file(simcord_env: Any, world: World) -> None:
    """Discord answers 400 to the card and to the classic post: the result goes out as plain text with its file,
    exactly once."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video animate", image=png(), prompt="move")
    simcord_env.inject_error("POST", f"/channels/{channel.id}/messages", status=400, code=50035, times=2)
    await world.step(200)
    await simcord_env.settle()
    posted = channel.last_message
    assert posted.content.startswith(f"<@{alice.id}>, your video is ready!")
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    assert posted.content.endswith(f"Task {task.id}")
    assert [a.filename for a in posted.attachments] == ["0.mp4"]
    assert task.state is TaskState.DELIVERED
    assert task.delivery_message_id == posted.id
