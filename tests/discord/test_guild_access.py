"""Which servers may use the bot: approval (the default) waits for an operator; allowlist; open."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bot.discord.access import GuildGate
from tests.discord.conftest import World
from tests.discord.helpers import button_id, png, scene


async def with_operator(env: Any, world: World, policy: str = "approval") -> Any:
    """Restart the bot with a user as its operator (OPERATOR_USER_IDS) and the given policy; return the user."""
    user = env.create_user("operator")
    env.create_guild("Operator's home").add_member(user)
    discord = world.settings.discord.model_copy(update={"guild_policy": policy, "operator_user_ids": (user.id,)})
    world.settings = dataclasses.replace(world.settings, discord=discord)
    await env.restart_bot(world.new_bot())
    return user


async def test_a_new_server_waits_until_an_operator_approves(simcord_env: Any, world: World) -> None:
    """Every command says the server waits; the operator gets Approve / Deny by DM; after Approve it works."""
    boss = await with_operator(simcord_env, world)
    guild, channel, alice = scene(simcord_env)
    waiting = await alice.slash(channel, "video text", prompt="a boat")
    assert waiting.ephemeral
    assert "waiting for the approval of the bot's operator" in waiting.response.content
    assert world.fake.create_attempts == 0
    asked = boss.dm_channel.last_message
    assert asked is not None
    assert str(guild.id) in asked.embeds[0].description
    await boss.click(asked, custom_id=f"kling:guild:approve:{guild.id}")
    access = await world.storage.guilds.access(guild.id)
    assert access is not None
    assert (access.status, access.decided_by) == ("approved", boss.id)
    assert "Queued as" in (await alice.slash(channel, "video text", prompt="a boat")).response.content


async def test_a_denied_server_is_told_so(simcord_env: Any, world: World) -> None:
    """Deny: commands there say the operator hasn't allowed it."""
    boss = await with_operator(simcord_env, world)
    guild, channel, alice = scene(simcord_env)
    await alice.slash(channel, "quota")
    asked = boss.dm_channel.last_message
    await boss.click(asked, custom_id=f"kling:guild:deny:{guild.id}")
    denied = await alice.slash(channel, "quota")
    assert "hasn't allowed this server" in denied.response.content
    access = await world.storage.guilds.access(guild.id)
    assert access is not None
    assert access.status == "denied"


@pytest.mark.parametrize("discord_options", [{"guild_policy": "allowlist", "allowed_guild_ids": ()}])
async def test_an_unlisted_server_is_refused_under_the_allowlist(simcord_env: Any, world: World) -> None:
    """GUILD_POLICY=allowlist: a server not in ALLOWED_GUILD_IDS is told, with its id for the operator."""
    guild, channel, alice = scene(simcord_env)
    refused = await alice.slash(channel, "video text", prompt="a boat")
    assert f"(id {guild.id})" in refused.response.content
    assert world.fake.create_attempts == 0


async def test_only_operators_decide(simcord_env: Any, world: World) -> None:
    """The gate knows its operators: OPERATOR_USER_IDS and the application's owner (never the bot itself)."""
    boss = await with_operator(simcord_env, world)
    bot = world.bots[-1]
    gate: GuildGate = bot.gate
    assert await gate.is_operator(boss.id)
    assert bot.user is not None
    assert not await gate.is_operator(bot.user.id)  # simcord reports the bot itself as the owner: never "operator"
    assert not await gate.is_operator(simcord_env.create_user("someone").id)


@pytest.mark.parametrize("discord_options", [{"guild_policy": "approval", "allowed_guild_ids": (1234,)}])
async def test_listed_servers_need_no_approval(simcord_env: Any, world: World) -> None:
    """ALLOWED_GUILD_IDS are approved under any policy."""
    assert await world.bots[-1].gate.verdict(1234) == "allowed"
    assert await world.bots[-1].gate.verdict(5678) == "pending"


async def test_an_operator_decision_is_audited(simcord_env: Any, world: World) -> None:
    """Approving by the DM button is recorded: who, pending -> approved."""
    boss = await with_operator(simcord_env, world)
    guild, channel, alice = scene(simcord_env)
    await alice.slash(channel, "quota")
    await boss.click(boss.dm_channel.last_message, custom_id=f"kling:guild:approve:{guild.id}")
    (entry,) = await world.storage.audit.recent(guild.id, 5)
    assert (entry.action, entry.actor_id) == ("server.access", boss.id)
    assert (entry.before, entry.after) == ("pending", "approved")


async def test_a_server_denied_later_cannot_spend_through_old_buttons(simcord_env: Any, world: World) -> None:
    """Approved, a result posted, then denied: Retry on the old result is refused, nothing is created."""
    await with_operator(simcord_env, world)
    guild, channel, alice = scene(simcord_env)
    await world.storage.guilds.decide_access(guild.id, "approved", by=None, now=0)
    await alice.slash(channel, "video text", prompt="a boat")
    await world.step(200)
    await simcord_env.settle()
    result = channel.last_message
    await world.storage.guilds.decide_access(guild.id, "denied", by=None, now=0)
    pressed = await alice.click(result, custom_id=button_id(result, "vary"))
    assert "hasn't allowed this server" in pressed.response.content
    assert len(world.fake.tasks) == 1


async def test_a_server_denied_after_a_refusal_cannot_spend_through_its_fix(simcord_env: Any, world: World) -> None:
    """A refusal's "Use Professional" button is a way to spend too: once the server is denied, it is refused."""
    await with_operator(simcord_env, world)
    guild, channel, alice = scene(simcord_env)
    await world.storage.guilds.decide_access(guild.id, "approved", by=None, now=0)
    refused = await alice.slash(
        channel, "video animate", image=png(), end_image=png(), prompt="turn", model="kling-v2-6", mode="std"
    )
    await world.storage.guilds.decide_access(guild.id, "denied", by=None, now=0)
    pressed = await alice.click(refused.response, label="Use Professional — 2.5 units")
    assert "hasn't allowed this server" in pressed.response.content
    assert world.fake.tasks == {}
