"""`/video story`: storyboards on kling-v3, shots written in a form (one per line) or split by Kling."""

from __future__ import annotations

from typing import Any

import pytest

from bot.discord.errors import CommandRefusedError
from tests.discord.conftest import World
from tests.discord.helpers import delivered, refused_with, scene

SHOTS = "3s: a fox wakes up in the snow\n\n4 s: it shakes the snow off\n2s: it runs into the forest"


async def written(env: Any, channel: Any, member: Any, shots: str, **options: Any) -> Any:
    """Run `/video story` choosing to write the shots, and submit `shots` in the form it opens."""
    shown = await member.slash(channel, "video story", split="customize", **options)
    assert shown.modal is not None
    return await member.submit_modal(shown, {"shots": shots})


async def test_written_shots_go_as_a_customized_multi_shot_video(simcord_env: Any, world: World) -> None:
    """Three lines, three shots: their seconds make the length; kling-v3 gets `multi_prompt`; the mp4 comes back."""
    _, channel, alice = scene(simcord_env)
    result = await written(simcord_env, channel, alice, SHOTS, mode="pro", aspect_ratio="9:16")
    assert result.ephemeral
    assert "Queued as" in result.response.content
    posted = await delivered(world, channel, simcord_env, seconds=300)
    assert [a.filename for a in posted.attachments] == ["0.mp4"]
    (task,) = world.fake.tasks.values()
    body = task.body
    assert task.kind == "text2video"
    assert (body["model_name"], body["multi_shot"], body["shot_type"]) == ("kling-v3", True, "customize")
    assert (body["duration"], body["mode"], body["aspect_ratio"]) == ("9", "pro", "9:16")
    assert body["multi_prompt"] == [
        {"index": 1, "prompt": "a fox wakes up in the snow", "duration": "3"},
        {"index": 2, "prompt": "it shakes the snow off", "duration": "4"},
        {"index": 3, "prompt": "it runs into the forest", "duration": "2"},
    ]
    assert "sound" not in body


async def test_kling_splits_the_prompt_with_sound(simcord_env: Any, world: World) -> None:
    """ "Let Kling split my prompt": the prompt, the length asked for and sound on; no shots sent."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(
        channel, "video story", split="intelligence", prompt="a day in the life of a lighthouse", duration=12,
        sound=True,
    )  # fmt: skip
    assert "Queued as" in result.response.content
    posted = await delivered(world, channel, simcord_env, seconds=300)
    assert [a.filename for a in posted.attachments] == ["0.mp4"]
    (task,) = world.fake.tasks.values()
    body = task.body
    assert (body["shot_type"], body["prompt"], body["duration"], body["sound"]) == (
        "intelligence", "a day in the life of a lighthouse", "12", "on",
    )  # fmt: skip
    assert "multi_prompt" not in body


async def test_seven_shots_are_refused(simcord_env: Any, world: World) -> None:
    """Kling takes at most six shots: the seventh line is refused with the count and the fix; nothing sent."""
    _, channel, alice = scene(simcord_env)
    seven = "\n".join(f"2s: shot number {i}" for i in range(1, 8))
    result = await written(simcord_env, channel, alice, seven)
    assert result.ephemeral
    assert "A storyboard has at most 6 shots; you wrote 7 lines. Merge or drop 1" in result.response.content
    refused_with(simcord_env, CommandRefusedError)
    assert world.fake.create_attempts == 0


@pytest.mark.parametrize(
    ("shots", "message"),
    [
        ("3s: a fox wakes\nit runs away", "Line 2 ('it runs away') isn't a shot: write it as `4s: what happens`"),
        ("3s: a fox wakes\n\n0s: nothing", "Line 3: a shot lasts at least 1 second."),
        ("5s:   ", "Line 1 gives 5 s but no shot"),
        ("3s: " + "x" * 513, "Line 1's shot is 513 characters; a shot takes at most 512."),
        ("9s: a\n9s: b", "The shots add up to 18 s; a storyboard lasts 3–15 s in all."),
    ],
    ids=["no-seconds", "zero-seconds", "no-prompt", "too-long", "too-long-in-all"],
)
async def test_a_badly_written_shot_is_refused_naming_the_line(
    simcord_env: Any, world: World, shots: str, message: str
) -> None:
    """Each rule is named with the line it broke, before anything is sent."""
    _, channel, alice = scene(simcord_env)
    result = await written(simcord_env, channel, alice, shots)
    assert message in result.response.content
    refused_with(simcord_env, CommandRefusedError)
    assert world.fake.create_attempts == 0


async def test_shots_that_do_not_add_up_to_the_length_asked_for(simcord_env: Any, world: World) -> None:
    """A length given that the shots don't fill: refused with the cure (the shots' sum) as a button."""
    _, channel, alice = scene(simcord_env)
    result = await written(simcord_env, channel, alice, SHOTS, duration=10)
    assert "The shots last 9 s in all, but the video is 10 s; they must add up exactly." in result.response.content
    assert world.fake.create_attempts == 0
    pressed = await alice.click(result.response, label="Make it 9 s — 5.4 units")
    assert "Queued as" in pressed.response.content


async def test_kling_splitting_needs_a_prompt(simcord_env: Any, world: World) -> None:
    """ "Let Kling split my prompt" with no prompt: told to give one (or to write the shots)."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "video story", split="intelligence")
    assert result.ephemeral
    assert "Letting Kling split the story needs a `prompt`" in result.response.content
    refused_with(simcord_env, CommandRefusedError)
    assert world.fake.create_attempts == 0


async def test_writing_the_shots_takes_no_prompt(simcord_env: Any, world: World) -> None:
    """A prompt with "write the shots" is refused before the form opens, saying which to change."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "video story", split="customize", prompt="a fox")
    assert result.modal is None
    assert "leave `prompt` empty" in result.response.content
    refused_with(simcord_env, CommandRefusedError)
