"""Buttons on results keep working after a restart, and only for the requester or an admin."""

from __future__ import annotations

from typing import Any

import discord

from tests.discord.conftest import World
from tests.discord.helpers import button_id, png, scene


async def deliver_one(env: Any, world: World) -> tuple[Any, Any, Any, Any]:
    guild, channel, alice = scene(env)
    await alice.slash(channel, "video animate", image=png(), prompt="move")
    await world.step(200)
    await env.settle()
    return guild, channel, alice, channel.last_message


async def test_vary_works_after_a_restart(simcord_env: Any, world: World) -> None:
    """After the bot restarts, Vary queues the same request again from the kept images."""
    _, _, alice, result = await deliver_one(simcord_env, world)
    await simcord_env.restart_bot(world.new_bot())
    pressed = await alice.click(result, custom_id=button_id(result, "vary"))
    assert "Queued as" in pressed.response.content
    await world.step(200)
    await simcord_env.settle()
    assert len(world.fake.tasks) == 2
    first, second = sorted(world.fake.tasks.values(), key=lambda t: t.seq)
    assert first.body["image"] == second.body["image"]


async def test_only_the_requester_or_an_admin_may_press(simcord_env: Any, world: World) -> None:
    """Another member is refused; a member with Manage Messages may delete."""
    guild, channel, _, result = await deliver_one(simcord_env, world)
    bob = guild.add_member(simcord_env.create_user("bob"))
    refused = await bob.click(result, custom_id=button_id(result, "delete"))
    assert refused.ephemeral
    assert "Only the person who asked" in refused.response.content
    moderators = guild.create_role("mods", permissions=discord.Permissions(manage_messages=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[moderators])
    again = await mod.click(result, custom_id=button_id(result, "vary"))  # the member's own uploads: not a mod's
    assert "Only the person who asked for this can run it again" in again.response.content
    assert len(world.fake.tasks) == 1
    deleted = await mod.click(result, custom_id=button_id(result, "delete"))
    assert deleted.response.content == "Deleted."
    assert all(m.id != result.id for m in channel.history())


async def test_dm_me_sends_the_result(simcord_env: Any, world: World) -> None:
    """DM me puts the video in the requester's DMs."""
    _, _, alice, result = await deliver_one(simcord_env, world)
    pressed = await alice.click(result, custom_id=button_id(result, "dm"))
    assert pressed.response.content == "Sent to your DMs."
    dm = alice.user.dm_channel.last_message
    assert [a.filename for a in dm.attachments] == ["0.mp4"]
