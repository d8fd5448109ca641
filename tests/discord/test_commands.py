"""Each generating command, driven through real discord.py: acknowledged privately, delivered in the channel."""

from __future__ import annotations

from typing import Any

import pytest

from db.models import TaskState
from tests.discord.conftest import World
from tests.discord.helpers import deferred_first, jpeg, png, scene


async def test_animate_is_queued_then_delivered_with_the_video(simcord_env: Any, world: World) -> None:
    """`/video animate`: a private ack with the task id; later the video, pinging only the requester."""
    _, channel, alice = scene(simcord_env)
    result = await alice.slash(channel, "video animate", image=png(), prompt="the cat blinks @everyone")
    assert deferred_first(simcord_env)
    assert result.ephemeral
    assert "Queued as" in result.response.content
    await world.step(200)
    await simcord_env.settle()
    posted = channel.last_message
    assert posted.content.startswith(f"<@{alice.id}>")
    assert [a.filename for a in posted.attachments] == ["0.mp4"]
    assert posted.embeds[0].footer.text.startswith("Task ")
    tasks = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=5)
    assert [t.state for t in tasks] == [TaskState.DELIVERED]
