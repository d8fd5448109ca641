"""`/preset`: saved from a task, picked on any generating command (typed options win), published by admins."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.discord.errors import CommandRefusedError
from tests.discord.conftest import World
from tests.discord.helpers import refused_with, scene


async def sent_body(world: World, result: Any) -> dict[str, Any]:
    """Let the engine send the task `result` queued; return the body the fake Kling received for it."""
    match = re.search(r"Queued as `([0-9a-f-]+)`", result.response.content)
    assert match is not None, result.response.content
    await world.step()
    return next(t.body for t in world.fake.tasks.values() if t.body.get("external_task_id") == match[1])


async def saved_from_a_task(env: Any, world: World, channel: Any, member: Any, name: str) -> str:
    """Make a task with every option set, save it as preset `name` (picked by autocomplete); return its id."""
    await member.slash(
        channel, "video text", prompt="golden hour, film grain", negative_prompt="blur", model="kling-v3",
        mode="pro", duration="7", aspect_ratio="9:16", sound="on",
    )  # fmt: skip
    (task, *_) = await world.storage.tasks.for_user(channel.guild.id, member.id, limit=1)
    choices = await member.autocomplete(channel, "preset save", "task", task.id[:4], name=name)
    assert [choice["value"] for choice in choices] == [task.id]
    saved = await member.slash(channel, "preset save", name=name, task=task.id)
    assert "Saved: cinematic — kling-v3 · Professional · 7 s · 9:16 · sound on" in saved.response.content
    return task.id


async def test_a_preset_saved_from_a_task_is_used_and_a_typed_option_wins(simcord_env: Any, world: World) -> None:
    """The preset's prompt goes after the member's, its negative prompt and options fill what is left out; a
    duration typed beside it wins; the confirmation says which came from the preset."""
    _, channel, alice = scene(simcord_env)
    await saved_from_a_task(simcord_env, world, channel, alice, "cinematic")
    offered = await alice.autocomplete(channel, "video text", "preset", "cine", prompt="x")
    assert [choice["value"] for choice in offered] == ["cinematic"]
    used = await alice.slash(channel, "video text", prompt="a paper boat", preset="cinematic")
    assert "kling-v3 (preset “cinematic”) · Professional (preset “cinematic”)" in used.response.content
    assert "Preset “cinematic” added to your prompt: golden hour, film grain" in used.response.content
    body = await sent_body(world, used)
    assert body["prompt"] == "a paper boat, golden hour, film grain"
    assert (body["negative_prompt"], body["model_name"], body["mode"]) == ("blur", "kling-v3", "pro")
    assert (body["duration"], body["aspect_ratio"], body["sound"]) == ("7", "9:16", "on")
    queued = await alice.slash(channel, "video text", prompt="a dog", preset="cinematic", duration="4", sound="off")
    body = await sent_body(world, queued)
    assert (body["duration"], body["mode"], "sound" in body) == ("4", "pro", False)


async def test_a_preset_on_other_commands_keeps_only_what_fits(simcord_env: Any, world: World) -> None:
    """On `/image create` a video preset gives its prompt, model (kling-v3 makes images too) and shape; on a
    storyboard its prompt is added to the story and its 7 s apply."""
    _, channel, alice = scene(simcord_env)
    await saved_from_a_task(simcord_env, world, channel, alice, "cinematic")
    queued = await alice.slash(channel, "image create", prompt="a lighthouse", preset="cinematic")
    body = await sent_body(world, queued)
    assert (body["prompt"], body["aspect_ratio"], body["model_name"]) == (
        "a lighthouse, golden hour, film grain", "9:16", "kling-v3",
    )  # fmt: skip
    queued = await alice.slash(channel, "video story", split="intelligence", prompt="a fox's day.", preset="cinematic")
    body = await sent_body(world, queued)
    assert (body["prompt"], body["duration"], body["shot_type"]) == (
        "a fox's day. golden hour, film grain", "7", "intelligence",
    )  # fmt: skip


async def test_list_delete_and_bounds(simcord_env: Any, world: World) -> None:
    """`/preset list` shows mine and the server's; delete removes one; a name with ":" and an unknown preset are
    refused plainly, before anything is sent."""
    _, channel, alice = scene(simcord_env)
    task_id = await saved_from_a_task(simcord_env, world, channel, alice, "cinematic")
    listed = await alice.slash(channel, "preset list")
    assert listed.ephemeral
    assert "cinematic — kling-v3" in listed.response.embeds[0].description
    assert listed.response.embeds[1].description == "None yet."
    bad = await alice.slash(channel, "preset save", name="a:b", task=task_id)
    assert "without “:”" in bad.response.content
    refused_with(simcord_env, CommandRefusedError)
    simcord_env.errors.clear()
    unknown = await alice.slash(channel, "video text", prompt="x", preset="**nope**")
    assert "There is no preset called \\*\\*nope\\*\\*" in unknown.response.content
    refused_with(simcord_env, CommandRefusedError)
    simcord_env.errors.clear()
    deleted = await alice.slash(channel, "preset delete", name="CINEMATIC")
    assert "Deleted" in deleted.response.content
    assert await world.storage.members.presets(channel.guild.id, alice.id) == []
    assert len(world.fake.tasks) <= 1  # only the task the preset was saved from


async def test_an_admin_publishes_a_preset_members_use_and_others_cannot(simcord_env: Any, world: World) -> None:
    """The admin's own preset, published (and audited), is offered to every member as the server's; a member
    without Manage Server is refused even where the command is shown to them."""
    guild, channel, alice = scene(simcord_env)
    admins = guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
    boss = guild.add_member(simcord_env.create_user("boss"), roles=[admins])
    await saved_from_a_task(simcord_env, world, channel, boss, "cinematic")
    offered = await boss.autocomplete(channel, "kling-admin preset publish", "name", "")
    assert [choice["value"] for choice in offered] == ["cinematic"]
    published = await boss.slash(channel, "kling-admin preset publish", name="cinematic")
    assert "Published “cinematic”" in published.response.content
    (entry, *_) = await world.storage.audit.recent(guild.id, 1)
    assert (entry.action, entry.actor_id) == ("preset.publish", boss.id)
    assert entry.after == "cinematic (server) — kling-v3 · Professional · 7 s · 9:16 · sound on"
    choices = await alice.autocomplete(channel, "video text", "preset", "", prompt="x")
    assert [(c["name"][:18], c["value"]) for c in choices] == [("cinematic (server)", "server:cinematic")]
    queued = await alice.slash(channel, "video text", prompt="a paper boat", preset="server:cinematic")
    body = await sent_body(world, queued)
    assert (body["prompt"], body["duration"]) == ("a paper boat, golden hour, film grain", "7")

    commands = await world.bots[-1].tree.fetch_commands()
    admin_command = next(c for c in commands if c.name == "kling-admin")
    guild.set_command_permissions(admin_command, {alice: True})
    refused = await alice.slash(channel, "kling-admin preset unpublish", name="cinematic")
    assert "Manage Server" in refused.response.content
    simcord_env.errors.clear()
    assert [p.name for p in await world.storage.members.presets(guild.id, None)] == ["cinematic"]
    gone = await boss.slash(channel, "kling-admin preset unpublish", name="server:cinematic")
    assert "Unpublished" in gone.response.content
    assert await world.storage.members.presets(guild.id, None) == []
