"""A server option: each generation in its own thread, holding its status and its result."""

from __future__ import annotations

from typing import Any

import discord

from tests.discord.conftest import World
from tests.discord.helpers import button_id, card_text, scene


async def with_threads(env: Any, world: World) -> tuple[Any, Any, Any]:
    """A server whose admin turned threads on; returns (guild, channel, member)."""
    guild, channel, alice = scene(env)
    role = guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
    boss = guild.add_member(env.create_user("boss"), roles=[role])
    answer = await boss.slash(channel, "kling-admin threads", on=True)
    assert "its own thread" in answer.response.content
    (entry,) = await world.storage.audit.recent(guild.id, 1)
    assert (entry.action, entry.before, entry.after) == ("threads", "off", "on")
    return guild, channel, alice


async def test_each_generation_gets_a_thread_with_its_status_and_result(simcord_env: Any, world: World) -> None:
    """The thread is named from the prompt; the status and the video are in it, not in the channel."""
    _, channel, alice = await with_threads(simcord_env, world)
    await alice.slash(channel, "video text", prompt="a paper boat\nin the rain")
    (thread,) = channel.threads
    assert thread.name == "a paper boat in the rain"
    await world.step(300)
    await simcord_env.settle()
    posts = thread.history()
    assert posts[0].embeds[0].footer.text.endswith("live status")
    assert posts[-1].attachments[0].filename == "0.mp4"
    assert card_text(posts[-1]).startswith(f"### Video from text\n<@{alice.id}>")
    assert not [m for m in channel.history() if m.embeds]  # the channel stays readable
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    assert task.channel_id == thread.id


async def test_vary_inside_the_thread_stays_in_it(simcord_env: Any, world: World) -> None:
    """Vary pressed in a generation's thread posts its new status there, with no thread in a thread."""
    _, channel, alice = await with_threads(simcord_env, world)
    await alice.slash(channel, "video text", prompt="a kite")
    (thread,) = channel.threads
    await world.step(300)
    await simcord_env.settle()
    result = thread.history()[-1]
    pressed = await alice.click(result, custom_id=button_id(result, "vary"))
    assert "Queued as" in pressed.response.content
    assert len(channel.threads) == 1
    statuses = [m for m in thread.history() if m.embeds and (m.embeds[0].footer.text or "").endswith("live status")]
    assert len(statuses) == 2


async def test_without_thread_permission_it_posts_in_the_channel(simcord_env: Any, world: World) -> None:
    """Discord refuses the thread (missing permission): the generation goes on in the channel, nothing lost."""
    _, channel, alice = await with_threads(simcord_env, world)
    simcord_env.inject_error("POST", f"/channels/{channel.id}/threads", status=403, code=50013, times=None)
    answer = await alice.slash(channel, "video text", prompt="a lantern")
    assert "Queued as" in answer.response.content
    await world.step(300)
    await simcord_env.settle()
    assert channel.threads == []
    assert channel.last_message.attachments[0].filename == "0.mp4"


async def test_a_request_made_in_a_thread_counts_as_its_channel(simcord_env: Any, world: World) -> None:
    """With requests limited to one channel, a command typed in that channel's generation thread is accepted."""
    guild, channel, alice = await with_threads(simcord_env, world)
    settings = await world.storage.guilds.settings(guild.id)
    await world.storage.guilds.save_settings(settings.model_copy(update={"allowed_channels": (channel.id,)}), now=0)
    await alice.slash(channel, "video text", prompt="first")
    (thread,) = channel.threads
    again = await alice.slash(thread, "video text", prompt="second")
    assert "Queued as" in again.response.content
    assert len(channel.threads) == 1


async def test_a_refused_request_leaves_no_thread(simcord_env: Any, world: World) -> None:
    """The thread is opened before the request is queued (so every post goes there from the start) and
    deleted again when the request is refused: nothing is charged and no empty thread is left."""
    _, channel, alice = await with_threads(simcord_env, world)
    refused = await alice.slash(channel, "video text", prompt="a comet", model="kling-v3", duration="16")
    assert "3–15 s" in refused.response.content
    simcord_env.errors.clear()
    assert channel.threads == []
    assert world.fake.tasks == {}
