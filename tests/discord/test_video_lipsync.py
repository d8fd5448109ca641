"""Lip sync on a finished video: the result's "Lip sync" button (a form with a file upload) and `/video lipsync`."""

from __future__ import annotations

from typing import Any

from bot.discord.errors import CommandRefusedError
from bot.media.intake import IntakeError
from tests.discord.conftest import World
from tests.discord.helpers import button_ids, card_text, png, refused_with, scene
from tests.fake_kling import b64, make_mp3, make_wav

DAY = 86400


async def settle(world: World, env: Any, seconds: float = 300) -> None:
    """Let the provider finish and the engine deliver."""
    await world.step(seconds)
    await env.settle()


async def made_video(env: Any, world: World, channel: Any, member: Any, prompt: str = "a woman smiles") -> Any:
    """Return `member`'s delivered `/video text` task (its result message is the channel's newest)."""
    await member.slash(channel, "video text", prompt=prompt)
    await settle(world, env)
    (task,) = await world.storage.tasks.for_user(channel.guild.id, member.id, limit=1)
    return task


def lip_sync_tasks(world: World) -> list[Any]:
    """Return the advanced-lip-sync tasks the fake Kling was asked for."""
    return [task for task in world.fake.tasks.values() if task.kind == "advanced-lip-sync"]


def lip_sync_button(message: Any) -> str | None:
    """Return the custom id of the message's Lip sync button, if it has one."""
    return next((i for i in button_ids(message) if i.startswith("kling:lipsync:")), None)


async def test_the_command_syncs_a_video_to_a_wav(simcord_env: Any, world: World) -> None:
    """`/video lipsync`: the face found in the video speaks the WAV; the lip-synced mp4 is posted."""
    _, channel, alice = scene(simcord_env)
    video = await made_video(simcord_env, world, channel, alice)
    assert video.result_video_ids
    voice = make_wav(3)
    result = await alice.slash(channel, "video lipsync", task=video.id, audio=("voice.wav", voice))
    assert result.ephemeral
    assert "Queued as" in result.response.content
    await settle(world, simcord_env)
    (task,) = lip_sync_tasks(world)
    (face,) = task.body["face_choose"]
    assert task.body["session_id"]
    # 3 s of audio: laid from the face's first frame, ending 200 ms inside the audio (Kling measures it too)
    assert (face["sound_file"], face["sound_start_time"], face["sound_end_time"]) == (b64(voice), 0, 2800)
    assert task.parent_video is not None
    assert task.parent_video["id"] == video.result_video_ids[0]
    posted = channel.last_message
    assert [a.filename for a in posted.attachments] == ["0.mp4"]
    assert f"<@{alice.id}>, your video is ready" in card_text(posted)


async def test_the_button_asks_for_the_audio_in_a_form(simcord_env: Any, world: World) -> None:
    """A video result has a Lip sync button; its form takes the sound as an upload (an MP3 here)."""
    _, channel, alice = scene(simcord_env)
    video = await made_video(simcord_env, world, channel, alice)
    custom_id = lip_sync_button(channel.last_message)
    assert custom_id == f"kling:lipsync:{video.id}"
    shown = await alice.click(channel.last_message, custom_id=custom_id)
    assert shown.modal is not None
    voice = make_mp3(4)
    result = await alice.submit_modal(shown, {"audio": ("voice.mp3", voice)})
    assert "Queued as" in result.response.content
    await settle(world, simcord_env)
    (task,) = lip_sync_tasks(world)
    assert task.body["face_choose"][0]["sound_file"] == b64(voice)
    assert [a.filename for a in channel.last_message.attachments] == ["0.mp4"]


async def test_a_one_second_sound_is_refused(simcord_env: Any, world: World) -> None:
    """Audio of 1 s: refused naming the 2–60 s rule; nothing sent to Kling, nothing charged."""
    _, channel, alice = scene(simcord_env)
    video = await made_video(simcord_env, world, channel, alice)
    result = await alice.slash(channel, "video lipsync", task=video.id, audio=("short.wav", make_wav(1)))
    assert result.ephemeral
    assert "The audio file lasts 1.0 s; lip sync takes 2–60 seconds of sound." in result.response.content
    refused_with(simcord_env, IntakeError)
    assert lip_sync_tasks(world) == []
    assert len(await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=5)) == 1


async def test_the_form_refuses_a_file_that_is_not_audio(simcord_env: Any, world: World) -> None:
    """An image uploaded in the form: refused, saying MP3 or WAV."""
    _, channel, alice = scene(simcord_env)
    await made_video(simcord_env, world, channel, alice)
    shown = await alice.click(channel.last_message, custom_id=lip_sync_button(channel.last_message))
    result = await alice.submit_modal(shown, {"audio": png()})
    assert "must be an MP3 or a WAV file" in result.response.content
    refused_with(simcord_env, IntakeError)
    assert lip_sync_tasks(world) == []


async def test_a_sound_over_5_mb_is_refused_before_download(simcord_env: Any, world: World) -> None:
    """Over Kling's 5 MB: refused from the attachment's size."""
    _, channel, alice = scene(simcord_env)
    video = await made_video(simcord_env, world, channel, alice)
    result = await alice.slash(channel, "video lipsync", task=video.id, audio=("long.wav", make_wav(170)))
    assert "The audio file is 5.2 MB; lip sync takes files up to 5 MB." in result.response.content
    refused_with(simcord_env, IntakeError)


async def test_a_video_older_than_kling_keeps_is_refused(simcord_env: Any, world: World) -> None:
    """31 days on, the video is gone at Kling: refused saying so, with its age."""
    _, channel, alice = scene(simcord_env)
    video = await made_video(simcord_env, world, channel, alice)
    world.fake.clock.advance(31 * DAY)  # type: ignore[attr-defined]
    result = await alice.slash(channel, "video lipsync", task=video.id, audio=("voice.wav", make_wav(3)))
    assert "Kling keeps videos for 30 days; this one is 31 days old" in result.response.content
    refused_with(simcord_env, CommandRefusedError)
    assert lip_sync_tasks(world) == []


async def test_only_the_members_own_finished_videos(simcord_env: Any, world: World) -> None:
    """Someone else's video, an image, and an unknown id are each refused saying which; images get no button;
    the list offers only the member's videos."""
    guild, channel, alice = scene(simcord_env)
    video = await made_video(simcord_env, world, channel, alice)
    await alice.slash(channel, "image compose", subject1=png())
    await settle(world, simcord_env)
    assert lip_sync_button(channel.last_message) is None
    image = next(t for t in await world.storage.tasks.for_user(guild.id, alice.id, limit=5) if t.id != video.id)
    voice = ("voice.wav", make_wav(3))
    as_image = await alice.slash(channel, "video lipsync", task=image.id, audio=voice)
    assert f"Task `{image.id[:8]}` made an image; lip sync needs a video" in as_image.response.content
    bob = guild.add_member(simcord_env.create_user("bob"))
    as_bob = await bob.slash(channel, "video lipsync", task=video.id, audio=voice)
    assert "isn't yours: you can lip-sync only your own videos" in as_bob.response.content
    unknown = await alice.slash(channel, "video lipsync", task="nope", audio=voice)
    assert "No task here has the id 'nope'" in unknown.response.content
    simcord_env.errors.clear()  # three refusals, checked by their words
    offered = await alice.autocomplete(channel, "video lipsync", "task", "")
    assert [choice["value"] for choice in offered] == [video.id]
    assert lip_sync_tasks(world) == []


async def test_a_video_without_a_face_fails_and_is_refunded(simcord_env: Any, world: World) -> None:
    """Kling finds no face (the fake's "[noface]" video): the lip sync fails with that reason, nothing charged."""
    _, channel, alice = scene(simcord_env)
    video = await made_video(simcord_env, world, channel, alice, prompt="an empty beach [noface]")
    result = await alice.slash(channel, "video lipsync", task=video.id, audio=("voice.wav", make_wav(3)))
    assert "Queued as" in result.response.content
    await settle(world, simcord_env)
    assert lip_sync_tasks(world) == []
    posted = channel.last_message
    assert "your request failed. Nothing was charged." in posted.content
    reasons = {field.name: field.value for field in posted.embeds[0].fields}
    assert "found no face" in reasons["Why"]
