"""`/tasks`, `/task show`, `/quota`, live status edits, and `/kling-admin` for admins only."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import discord

from bot.discord.embeds import status_embed
from bot.discord.status import StatusBoard
from bot.vocabulary import TaskState
from db.models import PolicyOverride
from tests.discord.conftest import World
from tests.discord.helpers import card_text, scene


async def test_tasks_lists_mine_with_status_and_queue_position(simcord_env: Any, world: World) -> None:
    """`/tasks` shows each of my tasks with its state; a queued one shows its place in line."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video text", prompt="one", model="kling-v2-6")
    await alice.slash(channel, "video text", prompt="two", model="kling-v2-6")
    listed = await alice.slash(channel, "tasks")
    text = listed.response.embeds[0].description
    assert listed.ephemeral
    assert text.count("Waiting in the queue") == 2
    assert "(#1)" in text
    assert "(#2)" in text


async def test_task_show_autocompletes_my_ids(simcord_env: Any, world: World) -> None:
    """The id option offers my recent tasks."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video text", prompt="one", model="kling-v2-6")
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    choices = await alice.autocomplete(channel, "task show", "id", task.id[:4])
    assert [choice["value"] for choice in choices] == [task.id]


async def test_task_show_refuses_someone_elses_task(simcord_env: Any, world: World) -> None:
    """Another member can't look at my task."""
    guild, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video text", prompt="one", model="kling-v2-6")
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    bob = guild.add_member(simcord_env.create_user("bob"))
    shown = await bob.slash(channel, "task show", id=task.id)
    assert "No task of yours has that id" in shown.response.content
    assert simcord_env.errors


async def test_quota_shows_what_is_left(simcord_env: Any, world: World) -> None:
    """`/quota` counts reserved units and running tasks."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video text", prompt="one", model="kling-v2-6", mode="pro")
    shown = await alice.slash(channel, "quota")
    fields = {f.name: f.value for f in shown.response.embeds[0].fields}
    assert fields["Units today"] == "37.5 of 40 left"
    assert fields["Running or queued"] == "1 of 3"
    assert fields["Frees up"].startswith("<t:")


async def test_status_message_follows_the_task(simcord_env: Any, world: World) -> None:
    """The bot-owned status message moves from queued to done and links the result."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video text", prompt="one", model="kling-v2-6")
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    queued = next(m for m in channel.history() if m.id == task.status_message_id)
    assert "Waiting in the queue — #1 in line" in queued.embeds[0].description
    await world.step(200)
    await simcord_env.settle()
    done = next(m for m in channel.history() if m.id == task.status_message_id)
    assert done.embeds[0].description.startswith("✅ Done — [jump to the result]")


async def test_admin_commands_need_manage_server(simcord_env: Any, world: World) -> None:
    """Even where a server shows the command to everyone, a member without Manage Server is refused."""
    guild, channel, alice = scene(simcord_env)
    commands = await world.bots[-1].tree.fetch_commands()
    admin_command = next(c for c in commands if c.name == "kling-admin")
    guild.set_command_permissions(admin_command, {alice: True})  # an override that shows it to alice
    refused = await alice.slash(channel, "kling-admin quota show")
    assert "Manage Server" in refused.response.content
    assert simcord_env.errors
    admins = guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
    boss = guild.add_member(simcord_env.create_user("boss"), roles=[admins])
    saved = await boss.slash(channel, "kling-admin quota server", max_active=1)
    assert "1 tasks at once" in saved.response.content
    await alice.slash(channel, "video text", prompt="one", model="kling-v2-6")
    second = await alice.slash(channel, "video text", prompt="two", model="kling-v2-6")
    assert "limit 1" in second.response.content
    assert simcord_env.errors
    (task,) = await world.storage.tasks.for_user(guild.id, alice.id, limit=5)
    assert task.state is TaskState.QUEUED


async def test_admin_health_and_usage(simcord_env: Any, world: World) -> None:
    """Health probes the provider; usage sums charged units per member."""
    guild, channel, alice = scene(simcord_env)
    admins = guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
    boss = guild.add_member(simcord_env.create_user("boss"), roles=[admins])
    await alice.slash(channel, "video text", prompt="one", model="kling-v2-6")
    await world.step(200)
    health = await boss.slash(channel, "kling-admin health")
    assert "reachable, credentials accepted" in health.response.embeds[0].fields[0].value
    usage = await boss.slash(channel, "kling-admin usage")
    assert f"<@{alice.id}>: 1.5 units ($0.21), 1 task(s)" in usage.response.embeds[0].description
    by_model = await boss.slash(channel, "kling-admin usage", by="model")
    assert "`kling-v2-6`: 1.5 units ($0.21), 1 task(s)" in by_model.response.embeds[0].description
    by_day = await boss.slash(channel, "kling-admin usage", by="day")
    assert "1.5 units ($0.21), 1 task(s)" in by_day.response.embeds[0].description


async def test_status_message_shows_the_expected_finish(simcord_env: Any, world: World) -> None:
    """Once Kling has the task, its status says when it is expected to finish (learned times), as a live time."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video text", prompt="one", model="kling-v2-6")
    await world.step()
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    assert task.expected_at is not None
    assert task.submitted_at is not None
    assert task.expected_at - task.submitted_at == world.engine.expected_seconds(task)
    fields = {field.name: field.value for field in status_embed(task, None).fields}
    assert fields["Expected"] == f"<t:{int(task.expected_at)}:R>"


async def test_a_failed_final_status_edit_is_tried_again(simcord_env: Any, world: World) -> None:
    """Discord fails the edit that shows "Done": it is tried again, so the status doesn't stay "posting"."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video text", prompt="one", model="kling-v2-6")
    await world.step(200)
    await simcord_env.settle()
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    assert task.status_message_id is not None
    board = StatusBoard(world.bots[-1], world.storage, final_retry=0.01)
    simcord_env.inject_error("PATCH", f"/channels/{channel.id}/messages/*", status=500, times=1)
    edited = task.model_copy(update={"error_reason": None, "delivery_message_id": 12345})
    await board.update(edited)
    for _ in range(50):
        await asyncio.sleep(0.02)
        await simcord_env.settle()
        shown = next(m for m in channel.history() if m.id == task.status_message_id)
        if "12345" in (shown.embeds[0].description or ""):
            break
    await board.close()
    assert "12345" in (shown.embeds[0].description or "")


async def test_a_server_admin_cannot_raise_limits_above_the_operators(simcord_env: Any, world: World) -> None:
    """The second-server story: an admin asks for 1,000,000 units a day and 100 tasks; both are refused,
    naming the operator's ceiling, and a member still can't reserve more than the operator's 40."""
    guild, channel, _ = scene(simcord_env)
    admins = guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
    boss = guild.add_member(simcord_env.create_user("boss"), roles=[admins])
    refused = await boss.slash(channel, "kling-admin quota server", server_daily_units=1_000_000, max_active=100)
    simcord_env.errors.clear()
    assert refused.ephemeral
    assert "Units per day for the server can be at most 500" in refused.response.content
    assert "QUOTA_GUILD_DAILY_UNITS" in refused.response.content
    assert "Tasks at once per member can be at most 3" in refused.response.content
    assert await world.storage.quotas.guild_policy(guild.id) is None
    role = await boss.slash(channel, "kling-admin quota role", role=admins, user_daily_units=150)
    simcord_env.errors.clear()
    assert "Units per member per day can be at most 40" in role.response.content
    member = guild.add_member(simcord_env.create_user("member"))
    for _ in range(2):  # 2 × 20 units use up the operator's 40
        assert "Queued as" in (await member.slash(channel, "video text", prompt="a", model="kling-v2-master",
                                                  duration="10")).response.content  # fmt: skip
    third = await member.slash(channel, "video text", prompt="a", model="kling-v2-master", duration="10")
    simcord_env.errors.clear()
    assert "0 of 40 units left" in third.response.content


async def test_limits_stored_above_the_ceiling_are_clamped(simcord_env: Any, world: World) -> None:
    """A policy already stored above the ceilings (say, before the operator lowered them) never applies above."""
    guild, _, member = scene(simcord_env)
    generous = PolicyOverride(
        user_daily_units=Decimal(1_000_000), user_max_active=100, guild_daily_units=Decimal(10**6)
    )
    await world.storage.quotas.set_guild_policy(guild.id, generous, now=0)
    standing = await world.engine.member_quota(guild.id, member.id, ())
    assert (standing.limits.user_daily_units, standing.limits.user_max_active) == (40, 3)
    assert standing.limits.guild_daily_units == 500


async def test_money_shows_in_the_estimate_and_the_result(simcord_env: Any, world: World) -> None:
    """At the default $0.14 a unit: the confirmation and the result say what it cost in money."""
    _, channel, alice = scene(simcord_env)
    answer = await alice.slash(channel, "video text", prompt="a boat", model="kling-v2-6")
    assert "(#1 in line, 1.5 units, $0.21)" in answer.response.content
    await world.step(200)
    await simcord_env.settle()
    assert "**Cost** 1.5 units ($0.21)" in card_text(channel.last_message)


async def test_monthly_limits_in_money_count_thirty_days(simcord_env: Any, world: World) -> None:
    """An admin gives members $0.42 per 30 days (3 units at $0.14): two 1.5-unit requests fit, days apart;
    the third is refused with the 30-day wording, and /quota shows what's left."""
    guild, channel, alice = scene(simcord_env)
    boss = guild.add_member(
        simcord_env.create_user("boss"),
        roles=[guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))],
    )
    saved = await boss.slash(channel, "kling-admin quota server", user_monthly_units=0.42, in_money=True)
    assert "3 units per member per 30 days" in saved.response.content
    assert "Queued as" in (await alice.slash(channel, "video text", prompt="a", model="kling-v2-6")).response.content
    await world.step(200)
    await world.fake.advance(3 * 86400)
    assert "Queued as" in (await alice.slash(channel, "video text", prompt="b", model="kling-v2-6")).response.content
    refused = await alice.slash(channel, "video text", prompt="c", model="kling-v2-6")
    simcord_env.errors.clear()
    assert "You have 0 of 3 units left for these 30 days" in refused.response.content
    quota = await alice.slash(channel, "quota")
    fields = {f.name: f.value for f in quota.response.embeds[0].fields}
    assert fields["Units these 30 days"] == "0 of 3 left"
