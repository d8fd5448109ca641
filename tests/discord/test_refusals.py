"""Bad input, quota and provider refusals: a clear private message, nothing charged, the bot keeps going."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from simcord.backend.errors import OptionError

from bot.disk import LowDiskError
from bot.kling.errors import InvalidRequestError
from bot.media.intake import IntakeError
from bot.quota import QUOTA_WINDOW, QuotaExceededError
from tests.discord.conftest import World
from tests.discord.helpers import png, refused_with, scene


def webp(width: int = 512, height: int = 512) -> tuple[str, bytes]:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 30, 200)).save(buffer, format="WEBP")
    return ("pic.webp", buffer.getvalue())


async def nothing_charged(world: World, channel: Any, user: Any) -> None:
    usage = await world.storage.quotas.usage(channel.guild.id, user.id, now=world.fake.clock.now(), window=QUOTA_WINDOW)
    assert (usage.units_used, usage.active_tasks) == (0, 0)
    assert world.fake.create_attempts == 0


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (png(100, 100), "The image is 100×100 px; each side must be at least 300 px"),
        (png(2000, 300), "aspect ratio between 1:2.5 and 2.5:1"),
        (("notes.png", b"just some text renamed to png"), "The image"),
        (("cut.png", png()[1][:200]), "The image"),
        (("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), "SVG"),
    ],
    ids=["tiny", "too-wide", "text-as-png", "truncated", "svg"],
)
async def test_bad_images_are_refused_by_name(simcord_env: Any, world: World, image: Any, message: str) -> None:
    """Each broken image gets a private message naming it and the rule; nothing is queued or charged."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "video animate", image=image, prompt="move")
    assert result.ephemeral
    assert message in result.response.content
    refused_with(simcord_env, IntakeError)
    await nothing_charged(world, channel, alice)


async def test_second_image_is_named_in_a_blend(simcord_env: Any, world: World) -> None:
    """In a multi-image command the refusal says which image is wrong."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "video blend", image1=png(), image2=png(120, 400), prompt="x")
    assert "The image 2 is 120×400 px" in result.response.content
    refused_with(simcord_env, IntakeError)


async def test_webp_is_converted_silently(simcord_env: Any, world: World) -> None:
    """A WEBP is turned into a PNG and accepted; the confirmation says so."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "video animate", image=webp(), prompt="move")
    assert "Queued as" in result.response.content
    assert "WEBP" in result.response.content


@pytest.mark.parametrize("fake_options", [{"dialect": "cometapi"}])
async def test_too_long_prompt_is_refused_with_the_limit(simcord_env: Any, world: World) -> None:
    """A prompt within Discord's 2,500 but over the provider's 500: told the limit, nothing charged."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "video text", prompt="x" * 600)
    assert "Prompt is 600 characters; cometapi allows at most 500" in result.response.content
    refused_with(simcord_env, InvalidRequestError)
    await nothing_charged(world, channel, alice)


async def test_a_prompt_longer_than_any_provider_takes_cannot_be_sent(simcord_env: Any, world: World) -> None:
    """5,000 characters: the option's own limit (2,500) stops it in Discord's client, before the bot."""
    _, channel, alice = scene(simcord_env)
    with pytest.raises(OptionError, match="at most 2500 characters"):
        await alice.slash(channel, "video text", prompt="x" * 5000)
    await nothing_charged(world, channel, alice)


async def test_quota_refusal_says_when_it_frees_up(simcord_env: Any, world: World) -> None:
    """Past the daily units, the refusal gives the reason and a time."""
    _, channel, alice = scene(simcord_env)
    for _ in range(2):  # 2 × 20 units (the master model, 10 s) use up the default 40 a day
        await alice.slash(channel, "video text", prompt="x", model="kling-v2-master", duration="10")
    result = await alice.slash(channel, "video text", prompt="x", model="kling-v2-master", duration="10")
    error = refused_with(simcord_env, QuotaExceededError)
    assert "You have 0 of 40 units left for today; this request costs 20" in result.response.content
    assert "Quota frees up <t:" in result.response.content
    assert isinstance(error, QuotaExceededError)
    assert error.frees_at is not None


async def test_provider_policy_failure_is_reported_and_refunded(simcord_env: Any, world: World) -> None:
    """Kling refuses the prompt: the requester is told why in the channel, and charged nothing."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video text", prompt="[policy] something not allowed")
    await world.step()
    await simcord_env.settle()
    posted = channel.last_message
    assert posted.content == f"<@{alice.id}>, your request failed. Nothing was charged."
    assert "content policy" in posted.embeds[0].fields[1].value
    usage = await world.storage.quotas.usage(
        channel.guild.id, alice.id, now=world.fake.clock.now(), window=QUOTA_WINDOW
    )
    assert usage.units_used == 0


async def test_channel_not_allowed(simcord_env: Any, world: World) -> None:
    """Once an admin lists channels, requests elsewhere are refused with where to go instead."""
    guild, channel, alice = scene(simcord_env)
    other = guild.create_text_channel("art")
    settings = await world.storage.guilds.settings(guild.id)
    await world.storage.guilds.save_settings(settings.model_copy(update={"allowed_channels": (other.id,)}), now=0)
    result = await alice.slash(channel, "video text", prompt="x")
    assert f"Try <#{other.id}>" in result.response.content
    refused_with(simcord_env, Exception)


@pytest.mark.parametrize("storage_options", [{"min_free_disk_mb": 10**12}])
async def test_a_full_disk_refuses_new_requests_clearly(simcord_env: Any, world: World) -> None:
    """Below the free-space floor: the member is told the bot isn't taking requests now; nothing charged."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "video text", prompt="a boat")
    assert result.ephemeral
    assert "short of disk space" in result.response.content
    refused_with(simcord_env, LowDiskError)
    await nothing_charged(world, channel, alice)


async def test_an_end_frame_in_standard_mode_is_refused_with_the_way_out(simcord_env: Any, world: World) -> None:
    """Standard chosen with an end image on kling-v2-6: told Professional is needed and what it costs; with no
    mode chosen, the request goes as Professional (and the estimate says 2.5 units)."""
    _, channel, alice = scene(simcord_env)
    refused = await alice.slash(channel, "video animate", image=png(), end_image=png(), prompt="move",
                                model="kling-v2-6", mode="std")  # fmt: skip
    assert "takes an end image only in Professional mode (2.5 units)" in refused.response.content
    buttons = [child["label"] for row in refused.response.components for child in row["components"]]
    assert buttons == ["Use Professional — 2.5 units"]  # the way out, one press away (test_model_rules.py)
    await nothing_charged(world, channel, alice)
    queued = await alice.slash(channel, "video animate", image=png(), end_image=png(), prompt="move",
                               model="kling-v2-6")  # fmt: skip
    assert "2.5 units" in queued.response.content
    await world.step(200)
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    assert (task.params["mode"], task.outcome) == ("pro", "succeeded")
