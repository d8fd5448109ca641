"""Expected generation times are learned from the provider's own timestamps, and a lost callback costs seconds."""

from __future__ import annotations

from typing import Any

import pytest

from bot.engine.expected import ExpectedTimes
from bot.vocabulary import TaskKind, TaskState
from tests.engine.harness import Harness
from tests.kling_requests import request_of

KIND = TaskKind.TEXT_TO_VIDEO
PARAMS = {"model": "kling-v2-6", "mode": "std", "duration": "5"}


def test_the_seed_holds_until_three_completions_then_the_median() -> None:
    """Two samples are not enough; from three on, the median of recent ones (per model, mode, duration)."""
    times = ExpectedTimes(lambda kind, params: 90.0)
    times.learn(KIND, PARAMS, 30.0)
    times.learn(KIND, PARAMS, 40.0)
    assert times.seconds(KIND, PARAMS) == 90.0
    times.learn(KIND, PARAMS, 200.0)
    assert times.seconds(KIND, PARAMS) == 40.0
    assert times.seconds(KIND, {**PARAMS, "duration": "10"}) == 90.0


@pytest.mark.parametrize(("dialect", "fake_options"), [("official", {"finish_after": 30.0})])
async def test_completions_teach_the_first_check_and_survive_a_restart(
    harness: Harness, fake_options: dict[str, Any]
) -> None:
    """Tasks that take 30 s at the provider (not the seeded 90 s): after three, the next is first checked at 30 s."""
    for user in range(3):
        await harness.submit(request_of(KIND), user=user)
    await harness.finish_all()
    engine = await harness.restart()
    task = await harness.submit(request_of(KIND), user=9)
    await engine.drain()
    submitted = await harness.task(task.id)
    assert submitted.next_poll_at is not None
    assert 30.0 <= submitted.next_poll_at - harness.fake.clock.now() < 30.0 + 30.0 / 4  # on the check grid


@pytest.mark.parametrize("dialect", ["official"])
async def test_a_lost_callback_costs_seconds_not_minutes(harness: Harness) -> None:
    """Callbacks on but every one lost: the task done at 60 s is found near its expected end (90 s), not at 270 s."""
    harness.callback_base = "http://127.0.0.1:9"  # nothing listens: each callback is lost
    engine = await harness.restart()
    task = await harness.submit(request_of(KIND))
    await engine.drain()
    await harness.fake.advance(61)
    await engine.drain()
    assert (await harness.task(task.id)).state is TaskState.SUBMITTED  # finished at Kling; we haven't looked
    await harness.fake.advance(40)  # 101 s: past the expected end and the first cell of the check grid
    await engine.drain()
    assert (await harness.task(task.id)).state is TaskState.DELIVERED
