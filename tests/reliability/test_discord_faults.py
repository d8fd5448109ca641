"""Discord misbehaving at the loopback fake: no result is lost."""

from __future__ import annotations

import asyncio

import pytest

from tests.reliability.conftest import Stage, StageFactory, task_id_of

pytestmark = pytest.mark.reliability


async def wait_for(condition, seconds: float = 30.0) -> None:
    for _ in range(int(seconds * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


async def one_task(s: Stage) -> str:
    return task_id_of(await s.ask(s.users[0]))


@pytest.mark.timeout(120)
async def test_upload_too_large_becomes_a_link(stage: StageFactory) -> None:
    """Discord answers 413 to the upload: the result is posted again as a link, once."""
    s = await stage(users=1)
    task_id = await one_task(s)
    s.discord.inject_rest_error("POST", f"/channels/{s.channel.id}/messages", 413, 40005, times=1)
    await wait_for(lambda: s.results().get(task_id))
    (message,) = [m for m in s.discord.messages(s.channel) if ", your " in str(m.get("content"))]
    assert "/results/" in str(message["content"])
    assert not message.get("attachments_data")
    assert s.results() == {task_id: 1}


@pytest.mark.timeout(120)
async def test_forbidden_channel_sends_by_dm(stage: StageFactory) -> None:
    """403 on the channel: the requester gets the result by DM."""
    s = await stage(users=1)
    s.discord.inject_rest_error("POST", f"/channels/{s.channel.id}/messages", 403, 50013, times=100)
    task_id = await one_task(s)
    await wait_for(lambda: (dm := s.discord.dm_channel(s.users[0])) is not None and s.results(dm).get(task_id))
    dm = s.discord.dm_channel(s.users[0])
    assert dm is not None
    assert s.results(dm) == {task_id: 1}


@pytest.mark.timeout(120)
async def test_rate_limited_post_is_retried(stage: StageFactory) -> None:
    """429 with retry_after on the post: it is retried and arrives once."""
    s = await stage(users=1)
    s.discord.inject_rest_error("POST", f"/channels/{s.channel.id}/messages", 429, 0, times=2, retry_after=0.3)
    task_id = await one_task(s)
    await wait_for(lambda: s.results().get(task_id))
    await asyncio.sleep(0.5)
    assert s.results() == {task_id: 1}


@pytest.mark.timeout(120)
async def test_gateway_disconnect_mid_task(stage: StageFactory) -> None:
    """The gateway drops while the video is generating: the bot resumes and the result arrives once."""
    s = await stage(users=1, kling_options={"finish_after": 2.0})
    task_id = await one_task(s)
    await s.discord.disconnect_gateway()
    await wait_for(lambda: s.results().get(task_id))
    assert s.discord.resumes >= 1
    assert s.results() == {task_id: 1}


@pytest.mark.timeout(120)
async def test_hanging_status_edits_do_not_hold_results_back(stage: StageFactory) -> None:
    """Discord never answers a status edit in the channel: every result is still posted, once."""
    s = await stage(users=3)
    release = s.discord.hold_rest("PATCH", f"/channels/{s.channel.id}/messages/*")
    ids = [task_id_of(await s.ask(user)) for user in s.users]
    try:
        await wait_for(lambda: all(s.results().get(task_id) for task_id in ids), seconds=20)
    finally:
        release.set()
    assert s.results() == dict.fromkeys(ids, 1)
