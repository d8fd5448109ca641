"""Each generating command, driven through real discord.py: acknowledged privately, delivered in the channel."""

from __future__ import annotations

from typing import Any

import pytest

from bot.discord.errors import CommandRefusedError
from bot.kling.errors import InvalidRequestError
from bot.vocabulary import TaskState
from tests.discord.conftest import World
from tests.discord.helpers import card_text, deferred_first, delivered, jpeg, png, refused_with, scene


async def test_animate_is_queued_then_delivered_with_the_video(simcord_env: Any, world: World) -> None:
    """`/video animate`: a private ack with the task id; later the video, pinging only the requester."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "video animate", image=png(), prompt="the cat blinks @everyone")
    assert deferred_first(simcord_env)
    assert result.ephemeral
    assert "Queued as" in result.response.content
    posted = await delivered(world, channel, simcord_env)
    assert f"<@{alice.id}>, your video is ready!" in card_text(posted)
    assert [a.filename for a in posted.attachments] == ["0.mp4"]
    assert await posted.attachments[0].read() == world.fake.video_bytes
    assert not posted.mention_everyone
    assert [m.id for m in posted.mentions] == [alice.id]
    tasks = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=5)
    assert [t.state for t in tasks] == [TaskState.DELIVERED]
    assert card_text(posted).endswith(f"-# Task {tasks[0].id}")


async def test_blend_two_images(simcord_env: Any, world: World) -> None:
    """`/video blend` with two images sends both to the provider and posts one video."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "video blend", image1=png(), image2=jpeg(), prompt="they meet", duration="10")
    assert "Queued as" in result.response.content
    posted = await delivered(world, channel, simcord_env)
    assert [a.filename for a in posted.attachments] == ["0.mp4"]
    (task,) = world.fake.tasks.values()
    assert len(task.body["image_list"]) == 2
    assert task.body["duration"] == "10"


async def test_text_to_video(simcord_env: Any, world: World) -> None:
    """`/video text` needs no image."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video text", prompt="a paper boat in the rain", mode="pro", aspect_ratio="9:16")
    posted = await delivered(world, channel, simcord_env)
    assert posted.attachments[0].filename == "0.mp4"
    (task,) = world.fake.tasks.values()
    assert (task.body["mode"], task.body["aspect_ratio"]) == ("pro", "9:16")


async def test_compose_posts_every_image(simcord_env: Any, world: World) -> None:
    """`/image compose` with two subjects and a scene makes and posts `count` images."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "image compose", subject1=png(), subject2=jpeg(), scene=png(800, 450), count=2)
    posted = await delivered(world, channel, simcord_env)
    assert [a.filename for a in posted.attachments] == ["0.png", "1.png"]
    assert "image is ready" in card_text(posted)


async def test_make_video_from_a_chat_message(simcord_env: Any, world: World) -> None:
    """The "Make video" message command uses images already posted, via a modal for the prompt."""
    _, channel, alice = scene(simcord_env)
    message = await alice.send(channel, "look at these", attachments=[png(), jpeg()])
    shown = await alice.context_menu(channel, "Make video", message)
    assert shown.modal is not None
    result = await alice.submit_modal(shown, {"prompt": "they dance", "duration": "5"})
    assert "Queued as" in result.response.content
    posted = await delivered(world, channel, simcord_env)
    assert posted.attachments[0].filename == "0.mp4"
    (task,) = world.fake.tasks.values()
    assert task.kind == "multi-image2video"


async def test_make_video_on_a_message_without_images(simcord_env: Any, world: World) -> None:
    """A message with no images gets a private explanation and no modal."""
    _, channel, alice = scene(simcord_env)
    message = await alice.send(channel, "just words")
    result = await alice.context_menu(channel, "Make video", message)
    assert result.ephemeral
    assert "no images" in result.response.content


@pytest.mark.parametrize(
    ("duration", "words", "error"),
    [
        ("16", "kling-v3 makes videos of 3–15 s", InvalidRequestError),
        ("ab", "The length is whole seconds", CommandRefusedError),
    ],
)
async def test_make_video_refuses_a_bad_length(
    simcord_env: Any, world: World, duration: str, words: str, error: type[Exception]
) -> None:
    """The modal's free-text length is checked before anything is queued."""
    _, channel, alice = scene(simcord_env)
    message = await alice.send(channel, "pic", attachments=[png()])
    shown = await alice.context_menu(channel, "Make video", message)
    result = await alice.submit_modal(shown, {"prompt": "x", "duration": duration})
    assert words in result.response.content
    refused_with(simcord_env, error)
    assert world.fake.create_attempts == 0
