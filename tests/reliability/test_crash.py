"""SIGKILL the bot at random moments — while sending, tracking, downloading, uploading — and restart it.

At the end every task was created at the provider exactly once, delivered exactly once, and the quota
ledger balances: charged for what succeeded, refunded for everything else.
"""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.vocabulary import TaskState
from db import open_storage
from tests.fake_kling import Fault
from tests.fake_kling.media import result_mp4
from tests.reliability.conftest import StageFactory
from tests.reliability.scale import SEED, scaled

pytestmark = pytest.mark.reliability
FIVE_MB = 5 * 1024 * 1024


@pytest.mark.timeout(300)
async def test_sigkill_at_random_moments_loses_and_duplicates_nothing(stage: StageFactory) -> None:
    """Several kills at random times between requests and results; then count everything."""
    rng = random.Random(SEED)
    padded_video = result_mp4() + bytes(FIVE_MB)  # a slow enough download and upload to be killed during
    s = await stage(users=scaled(6), kling_options={"finish_after": 2.0, "video": padded_video})
    s.kling.inject(Fault(op="create", status=200, code=None, delay=0.4, times=scaled(6)))  # slow creates
    for user in s.users:
        await s.ask(user, "[fail] a storm" if rng.random() < 0.2 else "a paper boat")
    for _ in range(scaled(4)):
        await asyncio.sleep(rng.uniform(0.05, 1.5))
        await s.bot.kill()
        await s.bot.start()
    for _ in range(600):
        if len(s.results()) == len(s.users):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)  # anything duplicated would arrive now
    await s.bot.stop()

    results = s.results()
    assert len(results) == len(s.users), s.bot.log_file.read_text()[-3000:]
    assert set(results.values()) == {1}
    assert set(s.kling.creates_by_external_id.values()) == {1}
    assert set(s.kling.creates_by_external_id) == set(results)
    storage = await open_storage(s.bot.env()["DATABASE_URL"])
    try:
        for task_id in results:
            task = await storage.tasks.get(task_id)
            assert task is not None
            assert task.state is TaskState.DELIVERED
            settled = "charge" if task.outcome == "succeeded" else "refund"
            assert await storage.quotas.ledger(task_id) == {
                "reserve": task.units_reserved,
                settled: task.units_reserved,
            }
    finally:
        await storage.close()
    assert s.bot.starts == scaled(4) + 1
