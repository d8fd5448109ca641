"""Server content rules on prompts, and the audit log of every admin and operator change."""

from __future__ import annotations

from typing import Any

import discord
import pytest

from bot.content import blocked
from db.models import ContentRule
from tests.discord.conftest import World
from tests.discord.helpers import scene


def admin_of(env: Any, guild: Any) -> Any:
    role = guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
    return guild.add_member(env.create_user("boss"), roles=[role])


@pytest.mark.parametrize(
    ("rule", "text", "hit"),
    [
        (ContentRule(pattern="gore"), "a GORE scene", True),
        (ContentRule(pattern="gore"), "a gorgeous gorey sunset", False),  # whole words only
        (ContentRule(pattern=r"blood\w*", is_regex=True), "bloodbath at dawn", True),
        (ContentRule(pattern="(unclosed", is_regex=True), "(unclosed", False),  # a broken rule blocks nothing
    ],
)
def test_rules_match_words_and_patterns(rule: ContentRule, text: str, hit: bool) -> None:
    """A word matches whole and in any case; a regular expression as written."""
    assert blocked([text], [rule]) is hit


async def test_a_blocked_prompt_is_refused_before_anything_is_charged(simcord_env: Any, world: World) -> None:
    """An admin blocks a word; a prompt with it is refused without echoing it; nothing is sent or charged."""
    guild, channel, alice = scene(simcord_env)
    boss = admin_of(simcord_env, guild)
    assert "Blocked: gore" in (await boss.slash(channel, "kling-admin rules add", pattern="gore")).response.content
    refused = await alice.slash(channel, "video text", prompt="a Gore fest", model="kling-v2-6")
    simcord_env.errors.clear()
    assert refused.ephemeral
    assert "A rule of this server blocks this prompt" in refused.response.content
    assert "gore" not in refused.response.content.lower()
    assert world.fake.create_attempts == 0
    assert await world.storage.tasks.for_user(guild.id, alice.id, limit=5) == []
    assert (
        "Queued as"
        in (await alice.slash(channel, "video text", prompt="a gorgeous sunset", model="kling-v2-6")).response.content
    )
    bad = await boss.slash(channel, "kling-admin rules add", pattern="(oops", regex=True)
    simcord_env.errors.clear()
    assert "isn't a valid regular expression" in bad.response.content


async def test_every_admin_change_is_in_the_audit_log(simcord_env: Any, world: World) -> None:
    """Quota, channels, defaults and rules changes are recorded (who, before -> after) and shown to admins."""
    guild, channel, _ = scene(simcord_env)
    boss = admin_of(simcord_env, guild)
    await boss.slash(channel, "kling-admin quota server", max_active=2)
    await boss.slash(channel, "kling-admin channels allow", channel=channel)
    await boss.slash(channel, "kling-admin defaults", mode="pro")
    await boss.slash(channel, "kling-admin rules add", pattern="gore")
    entries = await world.storage.audit.recent(guild.id, 10)
    assert [e.action for e in entries] == ["rules.add", "defaults", "channels", "quota.server"]
    assert all(e.actor_id == boss.id for e in entries)
    quota = entries[-1]
    assert (quota.before, quota.after) == ("no limits set", "2 tasks at once")
    shown = await boss.slash(channel, "kling-admin audit")
    text = shown.response.embeds[0].description
    assert "**quota.server**: no limits set → 2 tasks at once" in text
    assert f"<@{boss.id}>" in text


async def test_admins_see_the_provider_balance(simcord_env: Any, world: World) -> None:
    """`/kling-admin balance`: units left in all, in money, and pack by pack."""
    guild, channel, _ = scene(simcord_env)
    world.fake.account.packs[0].remaining = 250
    shown = await admin_of(simcord_env, guild).slash(channel, "kling-admin balance")
    embed = shown.response.embeds[0]
    assert embed.title == "Provider balance: 250 units ($35.00)"
    assert embed.fields[0].value.startswith("250 of 1000 left · online")


async def test_budget_alerts_reach_the_admin_channel_once(simcord_env: Any, world: World) -> None:
    """A server budget of 6 units: the request that reaches 6 crosses 80 % and 100 %; each alert is posted in
    the admin channel once, in units and money."""
    guild, channel, alice = scene(simcord_env)
    boss = admin_of(simcord_env, guild)
    admins = guild.create_text_channel("admins")
    await boss.slash(channel, "kling-admin alerts", channel=admins)
    await boss.slash(channel, "kling-admin quota server", server_daily_units=6)
    for user in range(4):
        member = guild.add_member(simcord_env.create_user(f"m{user}"))
        assert (
            "Queued as" in (await member.slash(channel, "video text", prompt="a", model="kling-v2-6")).response.content
        )
    await simcord_env.settle()
    alerts = [m.content for m in admins.history()]
    assert sorted(alerts) == sorted(
        [
            "⚠️ This server's daily budget is 80 % used: 6 of 6 units ($0.84 of $0.84).",
            "🛑 This server's daily budget is used up: 6 of 6 units ($0.84 of $0.84). New requests are refused until "
            "it frees up.",
        ]
    )
    refused = await alice.slash(channel, "video text", prompt="a", model="kling-v2-6")
    simcord_env.errors.clear()
    assert "This server has 0 of 6 units left for today" in refused.response.content
    await simcord_env.settle()
    assert len(list(admins.history())) == 2  # a refusal sends nothing more


async def test_an_alert_nobody_could_get_is_not_marked_sent(simcord_env: Any, world: World) -> None:
    """80 % passes before any alert channel is chosen; once it is, the used-up alert still arrives there."""
    guild, channel, alice = scene(simcord_env)
    boss = admin_of(simcord_env, guild)
    await boss.slash(channel, "kling-admin quota server", server_daily_units=3)
    for user in range(2):  # 3 of 3 units: 80 % and 100 %, with nowhere to say so
        member = guild.add_member(simcord_env.create_user(f"m{user}"))
        await member.slash(channel, "video text", prompt="a", model="kling-v2-6")
    admins = guild.create_text_channel("admins")
    await boss.slash(channel, "kling-admin alerts", channel=admins)
    await alice.slash(channel, "video text", prompt="a", model="kling-v2-6")  # refused: the budget is used up
    simcord_env.errors.clear()
    await simcord_env.settle()
    assert [m.content.split(":")[0] for m in admins.history()] == ["🛑 This server's daily budget is used up"]
