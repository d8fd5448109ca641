"""Members rarely meet a refusal: choices follow the model, and a refusal offers its cure as a button."""

from __future__ import annotations

from typing import Any

from tests.discord.conftest import World
from tests.discord.helpers import jpeg, png, scene


def labels(choices: list[dict[str, Any]]) -> list[str]:
    return [str(choice["name"]) for choice in choices]


async def test_duration_choices_follow_the_model_typed(simcord_env: Any, world: World) -> None:
    """kling-v3 offers 3–15 s with per-second prices; kling-v2-6 offers 5 and 10 s."""
    _, channel, alice = scene(simcord_env)
    v3 = await alice.autocomplete(channel, "video text", "duration", "", model="kling-v3", mode="pro")
    assert [c["value"] for c in v3] == [str(s) for s in range(3, 16)]
    assert "8 seconds — 6.4 units" in labels(v3)  # pro: 0.8 a second
    v26 = await alice.autocomplete(channel, "video text", "duration", "", model="kling-v2-6")
    assert labels(v26) == ["5 seconds — 1.5 units", "10 seconds — 3 units"]


async def test_sound_choices_say_what_sound_costs_and_needs(simcord_env: Any, world: World) -> None:
    """v3: sound on in std at 0.9 a second; v2-6: sound needs Professional; v2-5-turbo: silent."""
    _, channel, alice = scene(simcord_env)
    v3 = await alice.autocomplete(channel, "video text", "sound", "", model="kling-v3", duration="10")
    assert labels(v3) == ["On — 9 units", "Off — 6 units"]
    v26 = await alice.autocomplete(channel, "video animate", "sound", "", model="kling-v2-6", duration="5")
    assert labels(v26)[0] == "On — 5 units (needs Professional)"
    turbo = await alice.autocomplete(channel, "video text", "sound", "", model="kling-v2-5-turbo")
    assert labels(turbo) == ["Off — kling-v2-5-turbo makes silent videos"]


async def test_mode_choices_show_each_price(simcord_env: Any, world: World) -> None:
    """The mode list prices each mode for the duration chosen."""
    _, channel, alice = scene(simcord_env)
    modes = await alice.autocomplete(channel, "video text", "mode", "", model="kling-v3", duration="15")
    assert labels(modes) == ["Standard — 9 units", "Professional — 12 units"]


async def test_a_refusal_offers_its_cure_and_the_button_sends_it(simcord_env: Any, world: World) -> None:
    """Standard + end frame on kling-v2-6: refused with "Use Professional — 2.5 units"; pressing it queues pro."""
    _, channel, alice = scene(simcord_env)
    refused = await alice.slash(
        channel, "video animate", image=png(), end_image=jpeg(), prompt="turn", model="kling-v2-6", mode="std"
    )
    assert refused.ephemeral
    assert "takes an end image only in Professional mode" in refused.response.content
    assert world.fake.tasks == {}  # nothing sent, nothing charged
    assert await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=5) == []
    pressed = await alice.click(refused.response, label="Use Professional — 2.5 units")
    assert "Queued as" in pressed.response.content
    assert "2.5 units" in pressed.response.content
    await world.step(200)
    await simcord_env.settle()
    (task,) = world.fake.tasks.values()
    assert (task.body["mode"], task.body["model_name"]) == ("pro", "kling-v2-6")
    assert "image_tail" in task.body


async def test_seven_seconds_on_an_old_model_offers_kling_v3(simcord_env: Any, world: World) -> None:
    """A duration the model can't make: the button switches to kling-v3, priced."""
    _, channel, alice = scene(simcord_env)
    refused = await alice.slash(channel, "video text", prompt="rain", model="kling-v2-6", duration="7")
    assert "kling-v2-6 makes videos of 5 or 10 s" in refused.response.content
    pressed = await alice.click(refused.response, label="Use kling-v3 — 4.2 units")
    assert "Queued as" in pressed.response.content
    await world.step(300)
    await simcord_env.settle()
    (task,) = world.fake.tasks.values()
    assert (task.body["model_name"], task.body["duration"]) == ("kling-v3", "7")


async def test_sound_on_kling_v3_reaches_kling_and_is_charged_as_sound(simcord_env: Any, world: World) -> None:
    """`sound: on` sends sound "on" and reserves the price with sound."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "video text", prompt="waves", model="kling-v3", duration="4", sound="on")
    assert ", 3.6 units" in result.response.content
    await world.step(300)
    await simcord_env.settle()
    (task,) = world.fake.tasks.values()
    assert task.body["sound"] == "on"


async def test_a_typed_mode_that_does_not_exist_is_refused_plainly(simcord_env: Any, world: World) -> None:
    """Autocomplete offers values, but a member can type anything: refused naming the choices."""
    _, channel, alice = scene(simcord_env)
    refused = await alice.slash(channel, "video text", prompt="rain", mode="turbo")
    assert "Mode must be std (Standard) or pro (Professional)" in refused.response.content
    simcord_env.errors.clear()


async def test_a_server_default_mode_that_cannot_make_sound_gives_way(simcord_env: Any, world: World) -> None:
    """Server defaults kling-v2-6 + Standard; a member asks for sound: it goes as Professional (v2-6 sound needs
    it), not refused; without sound the server's Standard applies."""
    guild, channel, alice = scene(simcord_env)
    settings = await world.storage.guilds.settings(guild.id)
    chosen = settings.model_copy(update={"default_model": "kling-v2-6", "default_mode": "std"})
    await world.storage.guilds.save_settings(chosen, now=0)
    with_sound = await alice.slash(channel, "video text", prompt="rain", sound="on")
    assert ", 5 units" in with_sound.response.content
    silent = await alice.slash(channel, "video text", prompt="rain")
    assert ", 1.5 units" in silent.response.content
