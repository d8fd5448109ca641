"""The time left: a waiting task waits its place's share of the provider's slots, then its own learned time."""

from __future__ import annotations

import pytest

from bot.engine.progress import estimate
from bot.vocabulary import TaskKind, TaskState
from db.models import TaskRecord
from tests.engine.harness import Harness
from tests.kling_requests import request_of

NOW = 1_000_000.0


def task_in(state: TaskState, **fields: object) -> TaskRecord:
    return TaskRecord.model_validate({
        "id": "t", "provider": "official", "kind": TaskKind.TEXT_TO_VIDEO, "guild_id": 1, "channel_id": 2,
        "user_id": 3, "params": {}, "images": (), "state": state, "callback_token": "x", "units_reserved": "1",
        "created_at": NOW - 5, "updated_at": NOW, **fields,
    })  # fmt: skip


@pytest.mark.parametrize(
    ("task", "position", "left"),
    [
        (task_in(TaskState.QUEUED), 1, 100 / 4 + 100),  # one turn of a slot, then its own time
        (task_in(TaskState.QUEUED), 8, 8 * 100 / 4 + 100),
        (task_in(TaskState.SUBMITTING), None, 100),
        (task_in(TaskState.PROCESSING, submitted_at=NOW - 30, expected_at=NOW + 70), None, 70),
        (task_in(TaskState.PROCESSING, submitted_at=NOW - 130, expected_at=NOW - 30), None, -30),  # overdue
        (task_in(TaskState.SUBMITTED, submitted_at=NOW - 40), None, 60),  # recorded before expected_at was
    ],
)
def test_estimate(task: TaskRecord, position: int | None, left: float) -> None:
    """Queued: place × expected / concurrency + expected; sent: until the expected end (negative when overdue)."""
    progress = estimate(task, position, expected=100, concurrency=4, now=NOW)
    assert (progress.queue_position, progress.seconds_left, progress.finish_at) == (position, left, NOW + left)


def test_a_finished_task_has_no_estimate() -> None:
    """Nothing is left of a task that finished."""
    progress = estimate(task_in(TaskState.DELIVERED), None, expected=100, concurrency=4, now=NOW)
    assert (progress.seconds_left, progress.finish_at) == (None, None)


@pytest.mark.parametrize("dialect", ["official"])
async def test_the_engine_estimates_from_the_queue_and_the_learned_time(harness: Harness) -> None:
    """`Engine.progress` reads the task's place in the fair queue and its expected time."""
    assert harness.engine is not None
    await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO), user=1)
    harness.fake.clock.advance(0.01)  # type: ignore[attr-defined]  # arrival order decides the place
    second = await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO), user=1)
    progress = await harness.engine.progress(second)
    expected = harness.engine.expected_seconds(second)
    slots = harness.engine_settings.provider_max_concurrent
    assert progress.queue_position == 2
    assert progress.seconds_left == pytest.approx(2 * expected / slots + expected)
