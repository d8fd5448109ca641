"""Remix (change the words, same images and options) and Vary (the same request again) on results."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.discord.errors import CommandRefusedError
from bot.quota import QuotaExceededError
from db.models import ContentRule, PolicyOverride
from tests.discord.conftest import World
from tests.discord.helpers import button_id, delivered, png, refused_with, scene


def inputs_of(shown: Any) -> dict[str, dict[str, Any]]:
    """Return a shown modal's text inputs by custom id (wrapped in action rows or labels)."""
    assert shown.modal is not None
    found: dict[str, dict[str, Any]] = {}
    for component in shown.modal["components"]:
        for leaf in [*component.get("components", []), component.get("component") or {}]:
            if leaf.get("custom_id"):
                found[leaf["custom_id"]] = leaf
    return found


def created(world: World) -> list[Any]:
    """Return the tasks the fake Kling was asked for, in order."""
    return sorted(world.fake.tasks.values(), key=lambda task: task.seq)


async def animated(env: Any, world: World) -> tuple[Any, Any, Any, Any]:
    """Animate an image with a prompt and a negative prompt; return the scene and its result message."""
    guild, channel, alice = scene(env)
    await alice.slash(channel, "video animate", image=png(), prompt="the cat blinks", negative_prompt="blur")
    return guild, channel, alice, await delivered(world, channel, env)


async def test_remix_sends_the_new_prompt_with_the_same_image(simcord_env: Any, world: World) -> None:
    """Remix opens a form holding the prompt and negative prompt; the changed text reaches Kling with the same
    image and options."""
    _, channel, alice, result = await animated(simcord_env, world)
    shown = await alice.click(result, custom_id=button_id(result, "remix"))
    inputs = inputs_of(shown)
    assert (inputs["prompt"]["value"], inputs["negative_prompt"]["value"]) == ("the cat blinks", "blur")
    assert inputs["prompt"]["max_length"] == inputs["negative_prompt"]["max_length"] == 2500
    queued = await alice.submit_modal(shown, {"prompt": "the cat jumps", "negative_prompt": "dogs"})
    assert "Queued as" in queued.response.content
    await delivered(world, channel, simcord_env)
    first, second = created(world)
    assert (second.body["prompt"], second.body["negative_prompt"]) == ("the cat jumps", "dogs")
    unchanged = {k: v for k, v in first.body.items() if k not in ("prompt", "negative_prompt", "external_task_id")}
    assert {k: v for k, v in second.body.items() if k in unchanged} == unchanged  # the same image, model, mode...
    assert second.body["image"] == first.body["image"]


async def test_vary_runs_the_same_request_again(simcord_env: Any, world: World) -> None:
    """Vary queues the very same request (another take) for the presser."""
    _, channel, alice, result = await animated(simcord_env, world)
    pressed = await alice.click(result, custom_id=button_id(result, "vary"))
    assert "Queued as" in pressed.response.content
    await delivered(world, channel, simcord_env)
    first, second = created(world)
    assert second.external_task_id != first.external_task_id
    drop = {"external_task_id"}
    assert {k: v for k, v in second.body.items() if k not in drop} == {
        k: v for k, v in first.body.items() if k not in drop
    }


async def test_remix_of_a_storyboard_edits_its_shots(simcord_env: Any, world: World) -> None:
    """A storyboard's form holds its shots, one per line; the edited shots reach Kling."""
    _, channel, alice = scene(simcord_env)
    shown = await alice.slash(channel, "video story", split="customize")
    await alice.submit_modal(shown, {"shots": "3s: a fox wakes up\n2s: it runs"})
    result = await delivered(world, channel, simcord_env, seconds=300)
    form = await alice.click(result, custom_id=button_id(result, "remix"))
    assert inputs_of(form)["shots"]["value"] == "3s: a fox wakes up\n2s: it runs"
    await alice.submit_modal(form, {"shots": "3s: a fox wakes up\n4s: it flies away"})  # a shot made longer
    await delivered(world, channel, simcord_env, seconds=300)
    _, second = created(world)
    assert second.body["multi_prompt"] == [
        {"index": 1, "prompt": "a fox wakes up", "duration": "3"},
        {"index": 2, "prompt": "it flies away", "duration": "4"},
    ]
    assert second.body["duration"] == "7"  # the video is as long as its shots


async def test_remix_is_refused_by_a_server_rule_on_the_new_text(simcord_env: Any, world: World) -> None:
    """The server's rules see the remixed text: a blocked word is refused, nothing is sent or charged."""
    guild, _, alice, result = await animated(simcord_env, world)
    await world.storage.audit.add_rule(guild.id, ContentRule(pattern="gore"), now=0)
    shown = await alice.click(result, custom_id=button_id(result, "remix"))
    refused = await alice.submit_modal(shown, {"prompt": "the cat, with gore"})
    assert "A rule of this server blocks this prompt" in refused.response.content
    refused_with(simcord_env, CommandRefusedError)
    assert len(created(world)) == 1
    assert len(await world.storage.tasks.for_user(guild.id, alice.id, limit=5)) == 1


async def test_remix_over_the_quota_is_refused_and_not_charged(simcord_env: Any, world: World) -> None:
    """Quotas apply to a remix as to any request: over the day's units, refused, nothing stored or sent."""
    guild, _, alice, result = await animated(simcord_env, world)
    (task,) = await world.storage.tasks.for_user(guild.id, alice.id, limit=1)
    allowed = PolicyOverride(user_daily_units=task.units_reserved + Decimal("0.5"))
    await world.storage.quotas.set_guild_policy(guild.id, allowed, now=0)
    shown = await alice.click(result, custom_id=button_id(result, "remix"))
    refused = await alice.submit_modal(shown, {"prompt": "the cat jumps"})
    assert refused.ephemeral
    refused_with(simcord_env, QuotaExceededError)
    assert len(created(world)) == 1
    assert len(await world.storage.tasks.for_user(guild.id, alice.id, limit=5)) == 1


async def test_only_the_requester_may_remix_or_vary(simcord_env: Any, world: World) -> None:
    """Another member gets no form and queues nothing (going again reuses the member's own uploads, so not even
    an admin may)."""
    guild, _, _, result = await animated(simcord_env, world)
    bob = guild.add_member(simcord_env.create_user("bob"))
    for action in ("remix", "vary"):
        refused = await bob.click(result, custom_id=button_id(result, action))
        assert refused.modal is None
        assert "Only the person who asked" in refused.response.content
    assert len(created(world)) == 1


async def test_remix_and_vary_work_after_a_restart(simcord_env: Any, world: World) -> None:
    """Both are persistent buttons: after the bot restarts, Vary and Remix still queue from the kept image."""
    _, channel, alice, result = await animated(simcord_env, world)
    await simcord_env.restart_bot(world.new_bot())
    assert "Queued as" in (await alice.click(result, custom_id=button_id(result, "vary"))).response.content
    shown = await alice.click(result, custom_id=button_id(result, "remix"))
    assert "Queued as" in (await alice.submit_modal(shown, {"prompt": "the cat yawns"})).response.content
    await delivered(world, channel, simcord_env)
    first, *again = created(world)
    assert sorted(task.body["prompt"] for task in again) == ["the cat blinks", "the cat yawns"]
    assert all(task.body["image"] == first.body["image"] for task in again)
