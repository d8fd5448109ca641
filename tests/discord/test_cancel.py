"""Cancel on the live status: refunded while queued; "Don't post it" once Kling has it; an honest time left."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord

from bot.discord.eta import time_left_words
from bot.vocabulary import Outcome, TaskState
from db.models import TaskRecord
from tests.discord.conftest import World
from tests.discord.helpers import button_ids, delivered, scene


async def queued(env: Any, world: World, channel: Any, member: Any) -> tuple[TaskRecord, Any]:
    """Ask for a video; return its task and its live status message."""
    await member.slash(channel, "video text", prompt="a paper boat", model="kling-v2-6")
    (task,) = await world.storage.tasks.for_user(channel.guild.id, member.id, limit=1)
    return task, status_of(channel, task)


def status_of(channel: Any, task: TaskRecord) -> Any:
    return next(m for m in channel.history() if m.id == task.status_message_id)


def results_in(channel: Any, member: Any) -> list[Any]:
    """Return the result posts that ping `member` (the status message never does)."""
    return [m for m in channel.history() if f"<@{member.id}>" in (m.content or "") or m.flags.components_v2]


async def test_cancel_while_queued_refunds_and_posts_nothing(simcord_env: Any, world: World) -> None:
    """The status of a queued task has Cancel: pressed, the task ends at once and is refunded; the status says who
    cancelled it and loses the button; Kling never hears of it and no result is posted."""
    _, channel, alice = scene(simcord_env)
    task, status = await queued(simcord_env, world, channel, alice)
    assert button_ids(status) == [f"kling:cancel:{task.id}"]
    pressed = await alice.click(status, custom_id=f"kling:cancel:{task.id}")
    assert pressed.ephemeral
    assert "Cancelled: it never reached Kling, and its 1.5 units are back in your quota." in pressed.response.content
    await delivered(world, channel, simcord_env)
    done = await world.storage.tasks.get(task.id)
    assert done is not None
    assert (done.state, done.outcome, done.withheld_by) == (TaskState.DELIVERED, Outcome.CANCELLED, alice.id)
    assert await world.storage.quotas.ledger(task.id) == {"reserve": task.units_reserved, "refund": task.units_reserved}
    shown = status_of(channel, task)
    assert shown.embeds[0].description == f"🚫 Cancelled by <@{alice.id}>; nothing was charged"
    assert button_ids(shown) == []
    assert world.fake.tasks == {}
    assert results_in(channel, alice) == []
    listed = await alice.slash(channel, "tasks")
    assert "Cancelled by" in listed.response.embeds[0].description


async def test_cancel_at_kling_offers_dont_post_it(simcord_env: Any, world: World) -> None:
    """Kling has it (the status still shows Cancel: the edit waits its turn): the press says Kling can't stop it
    and offers "Don't post it"; then the result is archived and charged but not posted, the status says it was
    withheld, and `/task show` still shows the video to its requester."""
    _, channel, alice = scene(simcord_env)
    task, status = await queued(simcord_env, world, channel, alice)
    await world.step()  # sent to Kling
    pressed = await alice.click(status, custom_id=f"kling:cancel:{task.id}")
    assert "Kling can't stop a task once it has it" in pressed.response.content
    assert (await world.storage.tasks.get(task.id)).state is TaskState.SUBMITTED  # type: ignore[union-attr]
    withheld = await alice.click(pressed.response, custom_id=f"kling:withhold:{task.id}")
    assert "It won't be posted." in withheld.response.content
    await delivered(world, channel, simcord_env)
    done = await world.storage.tasks.get(task.id)
    assert done is not None
    assert (done.state, done.outcome, done.withheld_by) == (TaskState.DELIVERED, Outcome.SUCCEEDED, alice.id)
    assert done.delivery_message_id is None
    assert [Path(path).read_bytes() for path in done.archived_paths] == [world.fake.video_bytes]
    assert await world.storage.quotas.ledger(task.id) == {"reserve": task.units_reserved, "charge": task.units_reserved}
    assert status_of(channel, task).embeds[0].description == f"🔒 Finished — not posted (withheld by <@{alice.id}>)"
    assert results_in(channel, alice) == []
    shown = await alice.slash(channel, "task show", id=task.id)
    assert [a.filename for a in shown.response.attachments] == ["0.mp4"]


async def test_dont_post_it_after_the_post_is_too_late(simcord_env: Any, world: World) -> None:
    """The race the other way: the result is posted between the offer and the press; the press says too late, and
    the result stays posted once."""
    _, channel, alice = scene(simcord_env)
    task, status = await queued(simcord_env, world, channel, alice)
    await world.step()
    offer = await alice.click(status, custom_id=f"kling:cancel:{task.id}")
    await delivered(world, channel, simcord_env)
    late = await alice.click(offer.response, custom_id=f"kling:withhold:{task.id}")
    assert late.response.content.startswith("Too late: it has been posted already")
    done = await world.storage.tasks.get(task.id)
    assert done is not None
    assert (done.withheld_by, done.state) == (None, TaskState.DELIVERED)
    assert [m.id for m in results_in(channel, alice)] == [done.delivery_message_id]


async def test_only_the_requester_or_an_admin_may_cancel(simcord_env: Any, world: World) -> None:
    """Another member is refused; a moderator may cancel, and the status names the moderator."""
    guild, channel, alice = scene(simcord_env)
    task, status = await queued(simcord_env, world, channel, alice)
    bob = guild.add_member(simcord_env.create_user("bob"))
    refused = await bob.click(status, custom_id=f"kling:cancel:{task.id}")
    assert "Only the person who asked" in refused.response.content
    assert (await world.storage.tasks.get(task.id)).state is TaskState.QUEUED  # type: ignore[union-attr]
    moderators = guild.create_role("mods", permissions=discord.Permissions(manage_messages=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[moderators])
    assert "Cancelled" in (await mod.click(status, custom_id=f"kling:cancel:{task.id}")).response.content
    await delivered(world, channel, simcord_env)
    assert status_of(channel, task).embeds[0].description.startswith(f"🚫 Cancelled by <@{mod.id}>")


async def test_cancel_and_dont_post_it_work_after_a_restart(simcord_env: Any, world: World) -> None:
    """Both buttons are persistent: pressed after the bot restarts, they act on the right tasks."""
    _, channel, alice = scene(simcord_env)
    first, first_status = await queued(simcord_env, world, channel, alice)
    await world.step()  # the first goes to Kling
    offer = await alice.click(first_status, custom_id=f"kling:cancel:{first.id}")
    await alice.slash(channel, "video text", prompt="a second boat", model="kling-v2-6")
    mine = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=2)
    second = next(task for task in mine if task.id != first.id)
    await simcord_env.restart_bot(world.new_bot())
    withheld = await alice.click(offer.response, custom_id=f"kling:withhold:{first.id}")
    assert "It won't be posted." in withheld.response.content
    cancelled = await alice.click(status_of(channel, second), custom_id=f"kling:cancel:{second.id}")
    assert "Cancelled" in cancelled.response.content
    await delivered(world, channel, simcord_env)
    assert results_in(channel, alice) == []
    assert [t.external_task_id for t in world.fake.tasks.values()] == [first.id]


async def test_the_status_shows_the_place_in_line_and_the_time_left(simcord_env: Any, world: World) -> None:
    """A queued task's status gives its place and the time left: its place × the learned time / the provider's
    concurrency, plus its own time — as Discord's live countdown (the message is edited only when the task
    moves, so words would go stale); `/task show` says it in words."""
    _, channel, alice = scene(simcord_env)
    task, status = await queued(simcord_env, world, channel, alice)
    expected = world.engine.expected_seconds(task)
    left = 1 * expected / world.settings.engine.provider_max_concurrent + expected
    finish = int(world.engine.now() + left)
    assert status.embeds[0].description == f"⏳ Waiting in the queue — #1 in line · done <t:{finish}:R>"
    fields = {field.name: field.value for field in status.embeds[0].fields}
    assert fields["Expected"] == f"<t:{finish}:R>"
    shown = await alice.slash(channel, "task show", id=task.id)
    assert time_left_words(left) in shown.response.embeds[0].description
