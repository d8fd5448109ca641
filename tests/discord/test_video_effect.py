"""`/video effect`: an effect scene picked by name from the catalogue, on one photo or on two people."""

from __future__ import annotations

from typing import Any

from bot.discord.errors import CommandRefusedError
from bot.kling.catalogue import load_catalogue
from tests.discord.conftest import World
from tests.discord.helpers import delivered, jpeg, png, refused_with, scene
from tests.fake_kling import b64


async def test_effects_are_offered_by_name_filtered_by_what_was_typed(simcord_env: Any, world: World) -> None:
    """The list shows each scene's label and sends its scene; typing narrows it."""
    _, channel, alice = scene(simcord_env)
    everything = await alice.autocomplete(channel, "video effect", "effect", "")
    assert {"name": "Bloom bloom: flowers burst out", "value": "bloombloom"} in everything
    assert len(everything) == len(load_catalogue().effects)
    two = await alice.autocomplete(channel, "video effect", "effect", "two people")
    assert [c["value"] for c in two] == ["hug", "kiss", "heart_gesture", "fight"]


async def test_a_single_photo_effect_is_queued_and_posts_the_video(simcord_env: Any, world: World) -> None:
    """`bloombloom` on one photo: `input.image` and 5 s, no model or mode; the mp4 comes back."""
    _, channel, alice = scene(simcord_env)
    photo = png()
    result = await alice.slash(channel, "video effect", effect="bloombloom", image=photo)
    assert result.ephemeral
    assert "Queued as" in result.response.content
    posted = await delivered(world, channel, simcord_env)
    assert [a.filename for a in posted.attachments] == ["0.mp4"]
    assert await posted.attachments[0].read() == world.fake.video_bytes
    (task,) = world.fake.tasks.values()
    assert task.kind == "effects"
    assert task.body["effect_scene"] == "bloombloom"
    assert task.body["input"] == {"image": b64(photo[1]), "duration": "5"}


async def test_a_two_person_effect_sends_both_photos_model_and_mode(simcord_env: Any, world: World) -> None:
    """`hug` with two photos in Professional for 10 s: `input.images`, the scene's model, the mode."""
    _, channel, alice = scene(simcord_env)
    left, right = png(), jpeg()
    await alice.slash(channel, "video effect", effect="hug", image=left, image2=right, mode="pro", duration="10")
    posted = await delivered(world, channel, simcord_env)
    assert [a.filename for a in posted.attachments] == ["0.mp4"]
    (task,) = world.fake.tasks.values()
    assert task.body["input"] == {
        "images": [b64(left[1]), b64(right[1])],
        "model_name": "kling-v1-6",
        "mode": "pro",
        "duration": "10",
    }


async def test_an_effect_that_does_not_exist_is_refused(simcord_env: Any, world: World) -> None:
    """A typed name that is no effect: refused, pointing at the list; nothing sent."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "video effect", effect="moonwalk", image=png())
    assert result.ephemeral
    assert "There is no effect called 'moonwalk'. Pick one from the list as you type" in result.response.content
    refused_with(simcord_env, CommandRefusedError)
    assert world.fake.create_attempts == 0


async def test_a_two_person_effect_without_the_second_photo_is_refused(simcord_env: Any, world: World) -> None:
    """`kiss` with one photo: told to attach the second person as image2."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "video effect", effect="kiss", image=png())
    assert "Kiss (two people) needs two photos, one of each person: attach the second person as `image2`." in (
        result.response.content
    )
    refused_with(simcord_env, CommandRefusedError)
    assert world.fake.create_attempts == 0
