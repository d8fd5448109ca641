"""`/image create` (text → up to 9 images, optionally from a reference) and `/image tryon`, through real discord.py."""

from __future__ import annotations

from typing import Any

import pytest

from bot.kling.errors import InvalidRequestError
from bot.media.intake import IntakeError
from tests.discord.conftest import World
from tests.discord.helpers import card_text, delivered, jpeg, png, refused_with, scene
from tests.fake_kling import b64


@pytest.fixture
def roomy_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a member spend 100 units a day (nine images cost 72), set before the bot reads its settings."""
    monkeypatch.setenv("QUOTA_USER_DAILY_UNITS", "100")


@pytest.mark.usefixtures("roomy_quota")
async def test_create_sends_the_options_and_posts_every_image(simcord_env: Any, world: World) -> None:
    """Nine images in 2K at 4:3 on the catalogue's model: one task, and all nine posted together."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(
        channel, "image create", prompt="a red fox in the snow", count=9, aspect_ratio="4:3", resolution="2k"
    )
    assert result.ephemeral
    assert "Queued as" in result.response.content
    posted = await delivered(world, channel, simcord_env)
    assert [a.filename for a in posted.attachments] == [f"{i}.png" for i in range(9)]
    assert f"<@{alice.id}>, your image is ready!" in card_text(posted)
    (task,) = world.fake.tasks.values()
    assert task.kind == "generations"
    body = task.body
    assert (body["model_name"], body["prompt"], body["n"]) == ("kling-v3", "a red fox in the snow", 9)
    assert (body["aspect_ratio"], body["resolution"]) == ("4:3", "2k")
    assert "image" not in body


async def test_create_from_a_reference_image(simcord_env: Any, world: World) -> None:
    """A reference image goes as `image` (read through intake like every image); the default shape is 1:1."""
    _, channel, alice = scene(simcord_env)
    reference = png(640, 640)
    await alice.slash(channel, "image create", prompt="the same cat, as a watercolour", reference=reference)
    posted = await delivered(world, channel, simcord_env)
    assert [a.filename for a in posted.attachments] == ["0.png"]
    (task,) = world.fake.tasks.values()
    assert task.body["image"] == b64(reference[1])
    assert (task.body["n"], task.body["aspect_ratio"], task.body["resolution"]) == (1, "1:1", "1k")


async def test_create_refuses_a_negative_prompt_with_a_reference(simcord_env: Any, world: World) -> None:
    """Kling takes no negative prompt with a reference image: refused naming both, nothing sent or charged."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "image create", prompt="a cat", reference=png(), negative_prompt="blur")
    assert result.ephemeral
    assert "no negative prompt together with a reference image" in result.response.content
    refused_with(simcord_env, InvalidRequestError)
    assert world.fake.create_attempts == 0
    assert await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=5) == []


async def test_create_refuses_a_model_that_makes_no_images(simcord_env: Any, world: World) -> None:
    """A video model named for an image: refused with the models that do make images."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "image create", prompt="a cat", model="kling-v2-6")
    assert "can't do text → image here. Choose one of: kling-v3" in result.response.content
    refused_with(simcord_env, InvalidRequestError)
    assert world.fake.create_attempts == 0


async def test_tryon_sends_person_and_garment_and_posts_the_image(simcord_env: Any, world: World) -> None:
    """`/image tryon`: the person and the garment go as `human_image` and `cloth_image`; one image comes back."""
    _, channel, alice = scene(simcord_env)
    person, garment = png(600, 900), jpeg(640, 640)
    result = await alice.slash(channel, "image tryon", person=person, garment=garment)
    assert "Queued as" in result.response.content
    posted = await delivered(world, channel, simcord_env)
    assert [a.filename for a in posted.attachments] == ["0.png"]
    assert "image is ready" in card_text(posted)
    (task,) = world.fake.tasks.values()
    assert task.kind == "kolors-virtual-try-on"
    assert (task.body["human_image"], task.body["cloth_image"]) == (b64(person[1]), b64(garment[1]))


async def test_tryon_refuses_a_tiny_garment_photo(simcord_env: Any, world: World) -> None:
    """A garment photo under 300 px is refused by intake, naming which photo and the rule."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "image tryon", person=png(), garment=png(200, 200))
    assert result.ephemeral
    assert "The garment image is 200×200 px" in result.response.content
    refused_with(simcord_env, IntakeError)
    assert world.fake.create_attempts == 0
