"""`/settings`: a member's own defaults, changed with select menus, used when an option is left out; DM delivery."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bot.vocabulary import TaskState
from db.models import MemberSettings
from tests.discord.conftest import World
from tests.discord.helpers import delivered, scene


def walk(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Yield every component of a message, nested ones too."""
    for component in components:
        yield component
        yield from walk(component.get("components") or [])


def text_of(message: Any) -> str:
    """Return the text displays of a Components V2 message."""
    return "\n".join(c["content"] for c in walk(message.components) if c["type"] == 10)


def option_values(message: Any, custom_id: str) -> list[str]:
    """Return the values a select menu offers."""
    menu = next(c for c in walk(message.components) if c.get("custom_id") == custom_id)
    return [option["value"] for option in menu["options"]]


async def save(world: World, guild: Any, member: Any, **chosen: Any) -> None:
    """Store a member's settings as /settings would."""
    settings = MemberSettings(guild_id=guild.id, user_id=member.id, **chosen)
    await world.storage.members.save_settings(settings, now=0)


async def sent_body(world: World, result: Any) -> dict[str, Any]:
    """Let the engine send the task `result` queued; return the body the fake Kling received for it."""
    match = re.search(r"Queued as `([0-9a-f-]+)`", result.response.content)
    assert match is not None, result.response.content
    await world.step()
    return next(t.body for t in world.fake.tasks.values() if t.body.get("external_task_id") == match[1])


async def test_settings_are_changed_with_selects_and_used_by_a_bare_video_text(simcord_env: Any, world: World) -> None:
    """Shown privately; each select saves at once and the length menu follows the model chosen; `/video text`
    with no options then goes with all of them, and the confirmation says where they came from."""
    _, channel, alice = scene(simcord_env)
    shown = await alice.slash(channel, "settings")
    assert shown.ephemeral
    assert "Model: no preference" in text_of(shown.response)
    assert option_values(shown.response, "settings:duration")[:3] == ["none", "3", "4"]  # kling-v3's, for now
    await alice.select(shown.response, ["kling-v2-6"], custom_id="settings:model")
    assert option_values(shown.response, "settings:duration") == ["none", "5", "10"]
    for field, value in (("mode", "pro"), ("duration", "10"), ("aspect_ratio", "9:16"), ("sound", "on")):
        await alice.select(shown.response, [value], custom_id=f"settings:{field}")
    text = text_of(shown.response)
    assert "Model: **kling-v2-6** · Mode: **Professional** · Length: **10 s**" in text
    assert "Shape: **9:16** · Sound: **on**" in text
    offered = await alice.autocomplete(channel, "video text", "duration", "", prompt="x")
    assert [choice["value"] for choice in offered] == ["5", "10"]  # the lists follow their model too
    result = await alice.slash(channel, "video text", prompt="a paper boat")
    confirmation = result.response.content
    assert "10 units" in confirmation
    assert "Using kling-v2-6 (your /settings) · Professional (your /settings) · 10 s (your /settings)" in confirmation
    body = await sent_body(world, result)
    assert (body["model_name"], body["mode"], body["duration"]) == ("kling-v2-6", "pro", "10")
    assert (body["aspect_ratio"], body["sound"]) == ("9:16", "on")


async def test_typed_options_win_and_reset_forgets_everything(simcord_env: Any, world: World) -> None:
    """What the member types comes before their settings; Reset clears them (kept in the database till then)."""
    guild, channel, alice = scene(simcord_env)
    await save(world, guild, alice, model="kling-v2-6", mode="pro", duration="10")
    queued = await alice.slash(channel, "video text", prompt="rain", model="kling-v3", duration="4")
    body = await sent_body(world, queued)
    assert (body["model_name"], body["mode"], body["duration"]) == ("kling-v3", "pro", "4")
    shown = await alice.slash(channel, "settings")
    assert "Model: **kling-v2-6**" in text_of(shown.response)
    await alice.click(shown.response, custom_id="settings:reset")
    assert "Model: no preference" in text_of(shown.response)
    assert await world.storage.members.settings(guild.id, alice.id) == MemberSettings(
        guild_id=guild.id, user_id=alice.id
    )


async def test_choosing_a_model_drops_what_it_cannot_make(simcord_env: Any, world: World) -> None:
    """A length of 15 s and sound on, then a silent 5-or-10-second model: both are dropped, not kept to fail."""
    guild, channel, alice = scene(simcord_env)
    await save(world, guild, alice, duration="15", sound=True)
    shown = await alice.slash(channel, "settings")
    await alice.select(shown.response, ["kling-v2-5-turbo"], custom_id="settings:model")
    settings = await world.storage.members.settings(guild.id, alice.id)
    assert (settings.model, settings.duration, settings.sound) == ("kling-v2-5-turbo", None, None)


async def test_a_member_default_that_does_not_fit_gives_way(simcord_env: Any, world: World) -> None:
    """Their kling-v2-6 can't make a storyboard: kling-v3 makes it, with their 10 s and Standard, which fit; their
    sound gives way to a silent model they type; a server default below them still fills what they left open."""
    guild, channel, alice = scene(simcord_env)
    await save(world, guild, alice, model="kling-v2-6", mode="std", duration="10", sound=True)
    story = await alice.slash(channel, "video story", split="intelligence", prompt="a fox's day")
    assert "Using kling-v3 · Standard (your /settings) · 10 s (your /settings)" in story.response.content
    body = await sent_body(world, story)
    assert (body["model_name"], body["mode"], body["duration"], body["sound"]) == ("kling-v3", "std", "10", "on")
    queued = await alice.slash(channel, "video text", prompt="rain", model="kling-v2-5-turbo")
    body = await sent_body(world, queued)
    assert (body["model_name"], body["duration"], "sound" in body) == ("kling-v2-5-turbo", "10", False)
    server = await world.storage.guilds.settings(guild.id)
    await world.storage.guilds.save_settings(server.model_copy(update={"default_mode": "pro"}), now=0)
    await save(world, guild, alice, duration="5")
    queued = await alice.slash(channel, "video text", prompt="rain")
    body = await sent_body(world, queued)
    assert (body["model_name"], body["mode"], body["duration"]) == ("kling-v3", "pro", "5")


async def test_dm_delivery_sends_the_result_by_dm_and_the_status_stays(simcord_env: Any, world: World) -> None:
    """Results by DM: the live status is in the channel, the video in the member's DMs (and so after a restart:
    the task remembers it)."""
    guild, channel, alice = scene(simcord_env)
    shown = await alice.slash(channel, "settings")
    await alice.select(shown.response, ["dm"], custom_id="settings:delivery")
    assert "Results: **by DM**" in text_of(shown.response)
    result = await alice.slash(channel, "video text", prompt="waves")
    assert "I'll send you the result by DM." in result.response.content
    (task,) = await world.storage.tasks.for_user(guild.id, alice.id, limit=1)
    assert task.deliver_to == "dm"
    await simcord_env.restart_bot(world.new_bot())  # the new engine reads where the result goes from the task
    status = await delivered(world, channel, simcord_env)
    assert status.id == task.status_message_id
    dm = alice.user.dm_channel.last_message
    assert [a.filename for a in dm.attachments] == ["0.mp4"]
    done = await world.storage.tasks.get(task.id)
    assert done is not None
    assert (done.delivery_message_id, done.delivery_error) == (dm.id, None)


async def test_closed_dms_fall_back_to_the_channel(simcord_env: Any, world: World) -> None:
    """A member who asked for DMs but closed them still gets the result, in the channel."""
    guild, channel, alice = scene(simcord_env)
    await save(world, guild, alice, delivery="dm")
    await alice.slash(channel, "video text", prompt="waves")
    dm = alice.user.dm_channel
    simcord_env.inject_error("POST", f"/channels/{dm.id}/messages", status=403, code=50007, times=None)
    posted = await delivered(world, channel, simcord_env)
    assert [a.filename for a in posted.attachments] == ["0.mp4"]
    (task,) = await world.storage.tasks.for_user(guild.id, alice.id, limit=1)
    assert (task.delivery_message_id, task.state) == (posted.id, TaskState.DELIVERED)
    assert dm.last_message is None
