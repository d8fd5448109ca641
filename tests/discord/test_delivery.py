"""Delivery edge cases: results too large (re-encode, then poster and link), no channel access (DM), no DM either."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import pytest

from bot.vocabulary import TaskState
from tests.discord.conftest import World
from tests.discord.helpers import card_text, is_card, png, scene
from tests.media.makers import noise_video
from tests.storage import execute

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def big_video(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A ~4 MB, 3 s video: bigger than the small upload caps below."""
    return noise_video(tmp_path_factory.mktemp("video") / "big.mp4").read_bytes()


@pytest.fixture
def fake_options(big_video: bytes) -> dict[str, Any]:
    """The provider returns the big video."""
    return {"video": big_video}


async def request_and_finish(env: Any, world: World, channel: Any, alice: Any) -> Any:
    await alice.slash(channel, "video animate", image=png(), prompt="move")
    await world.step(200)
    await env.settle()
    return channel.last_message


@pytest.mark.parametrize("discord_options", [{"max_upload_mb": 1}])
async def test_too_large_video_is_reencoded_to_fit(simcord_env: Any, world: World, tmp_path: Path) -> None:
    """Over the upload limit: re-encoded under it, still a playable video, and the embed says so."""
    _, channel, alice = scene(simcord_env)
    posted = await request_and_finish(simcord_env, world, channel, alice)
    (attachment,) = posted.attachments
    data = await attachment.read()
    assert len(data) <= MIB < len(world.fake.video_bytes)
    (tmp_path / "out.mp4").write_bytes(data)
    with av.open(str(tmp_path / "out.mp4")) as container:
        assert container.streams.video[0].frames > 0 or container.duration
    assert "Re-encoded to fit this server's 1 MB upload limit." in card_text(posted)


@pytest.mark.parametrize("discord_options", [{"max_upload_mb": 0.05}])
async def test_video_that_cannot_fit_gets_a_poster_and_a_link(simcord_env: Any, world: World) -> None:
    """Far over the limit: the first frame is attached and the full video linked, in the classic message."""
    _, channel, alice = scene(simcord_env)
    posted = await request_and_finish(simcord_env, world, channel, alice)
    assert not is_card(posted)
    assert [a.filename for a in posted.attachments] == ["poster.jpg"]
    assert f"<{world.fake.base_url}/results/" in posted.content
    assert "first frame is attached" in str(posted.embeds[0].fields[-1].value)


async def test_no_channel_access_falls_back_to_dm(simcord_env: Any, world: World) -> None:
    """The bot lost permission to post in the channel: the requester gets the result by DM."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video animate", image=png(), prompt="move")
    simcord_env.inject_error("POST", f"/channels/{channel.id}/messages", status=403, code=50013, times=None)
    await world.step(200)
    await simcord_env.settle()
    dm = alice.user.dm_channel.last_message
    assert dm is not None
    assert [a.filename for a in dm.attachments] == ["0.mp4"]
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    assert task.state is TaskState.DELIVERED


async def test_no_channel_and_no_dm_keeps_the_result_for_task_show(simcord_env: Any, world: World) -> None:
    """Nowhere to post: the task is marked undeliverable with the reason, and `/task show` still re-posts it."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video animate", image=png(), prompt="move")
    simcord_env.inject_error("POST", "/channels/*/messages", status=403, code=50013, times=None)
    await world.step(200)
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    assert task.state is TaskState.DELIVERY_FAILED
    assert task.delivery_error is not None
    assert "DMs are closed" in task.delivery_error
    shown = await alice.slash(channel, "task show", id=task.id)
    assert shown.ephemeral
    assert [a.filename for a in shown.response.attachments] == ["0.mp4"]


async def test_a_result_sent_by_dm_is_found_again_after_a_crash(simcord_env: Any, world: World) -> None:
    """Posted by DM, then the process died before recording it: recovery finds the DM and doesn't send again."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video animate", image=png(), prompt="move")
    simcord_env.inject_error("POST", f"/channels/{channel.id}/messages", status=403, code=50013, times=None)
    await world.step(200)
    await simcord_env.settle()
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    assert task.state is TaskState.DELIVERED
    # The state a crash between the DM and its record leaves behind.
    await execute(
        world.storage, "UPDATE tasks SET state = 'delivering', delivery_message_id = NULL WHERE id = ?", task.id
    )
    await world.engine.recover()
    await world.step()
    await simcord_env.settle()
    results = [m for m in alice.user.dm_channel.history() if f"<@{alice.id}>, your video" in card_text(m)]
    assert len(results) == 1
    again = await world.storage.tasks.get(task.id)
    assert again is not None
    assert (again.state, again.delivery_message_id) == (TaskState.DELIVERED, results[0].id)
