"""A restart at every state ends with exactly one create at the provider and exactly one delivery."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.vocabulary import Outcome, TaskKind, TaskState
from db.models import TaskRecord
from tests.engine.harness import Harness, SimulatedCrash
from tests.kling_requests import request_of

KIND = TaskKind.IMAGE_TO_VIDEO


async def to_queued(h: Harness, task: TaskRecord) -> None:
    """Accepted, not yet sent."""


async def to_submitting_unsent(h: Harness, task: TaskRecord) -> None:
    """Marked submitting; the process dies before the create leaves."""
    assert h.storage is not None
    await h.storage.tasks.transition(task.id, [TaskState.QUEUED], TaskState.SUBMITTING, now=h.fake.clock.now())


async def to_submitting_sent(h: Harness, task: TaskRecord) -> None:
    """Marked submitting, the create reached the provider, and the process dies before recording the answer."""
    await to_submitting_unsent(h, task)
    assert h.engine is not None
    await h.client.create(request_of(KIND), external_task_id=task.id)


async def to_submitted(h: Harness, task: TaskRecord) -> None:
    """Created and recorded; not yet checked."""
    assert h.engine is not None
    await h.engine.drain()


async def to_processing(h: Harness, task: TaskRecord) -> None:
    """Seen processing at the provider."""
    await to_submitted(h, task)
    await h.fake.advance(2)
    assert h.storage is not None
    await h.storage.tasks.update(task.id, now=h.fake.clock.now(), next_poll_at=h.fake.clock.now())
    await h.engine.drain()  # type: ignore[union-attr]
    assert (await h.task(task.id)).state is TaskState.PROCESSING


async def to_succeeded(h: Harness, task: TaskRecord) -> None:
    """Finished at the provider and recorded; not yet downloaded or delivered."""
    await to_submitted(h, task)
    await h.fake.advance(200)
    await h.engine.tracker.step()  # type: ignore[union-attr]
    assert (await h.task(task.id)).state is TaskState.SUCCEEDED


async def to_delivering_unposted(h: Harness, task: TaskRecord) -> None:
    """Delivery claimed; the process dies before posting."""
    await to_succeeded(h, task)
    assert h.storage is not None
    await h.storage.tasks.transition(task.id, [TaskState.SUCCEEDED], TaskState.DELIVERING, now=h.fake.clock.now())


async def to_delivering_posted(h: Harness, task: TaskRecord) -> None:
    """The result was posted; the process dies before recording it."""
    await to_succeeded(h, task)
    h.port.crash_after_post = True
    with pytest.raises(SimulatedCrash):
        await h.engine.drain()  # type: ignore[union-attr]
    assert (await h.task(task.id)).state is TaskState.DELIVERING


async def to_delivered(h: Harness, task: TaskRecord) -> None:
    """All done before the restart."""
    await h.finish_all()


CRASH_POINTS: list[Callable[[Harness, TaskRecord], Awaitable[None]]] = [
    to_queued,
    to_submitting_unsent,
    to_submitting_sent,
    to_submitted,
    to_processing,
    to_succeeded,
    to_delivering_unposted,
    to_delivering_posted,
    to_delivered,
]


@pytest.mark.parametrize("crash_point", CRASH_POINTS, ids=lambda f: f.__name__.removeprefix("to_"))
async def test_restart_at_every_state(harness: Harness, crash_point: Callable[..., Awaitable[None]]) -> None:
    """Crash at this point, restart from disk, finish: one create, one delivery, charged once.

    AnyFast can't be asked about a create left uncertain (no query by our id): such a task ends, refunded,
    saying so plainly, and is never created a second time.
    """
    task = await harness.submit(request_of(KIND))
    await crash_point(harness, task)
    await harness.restart()
    await harness.finish_all()
    done = await harness.task(task.id)
    assert done.state is TaskState.DELIVERED
    if harness.fake.dialect == "anyfast" and crash_point in (to_submitting_unsent, to_submitting_sent):
        assert done.outcome is Outcome.FAILED
        assert "couldn't confirm whether it received this request" in (done.error_reason or "")
        assert sum(harness.fake.creates_by_external_id.values()) == (crash_point is to_submitting_sent)
        assert harness.storage is not None
        ledger = await harness.storage.quotas.ledger(task.id)
        assert ledger == {"reserve": task.units_reserved, "refund": task.units_reserved}
        return
    assert harness.fake.creates_by_external_id == {task.id: 1}
    assert harness.port.deliveries == {task.id: 1}
    assert harness.storage is not None
    ledger = await harness.storage.quotas.ledger(task.id)
    assert ledger == {"reserve": task.units_reserved, "charge": task.units_reserved}


async def test_restart_twice_mid_flight(harness: Harness) -> None:
    """Several tasks, two crashes at different moments: still one create and one delivery each."""
    tasks = [await harness.submit(request_of(KIND), user=user) for user in (1, 2, 3)]
    await to_submitted(harness, tasks[0])
    await harness.restart()
    await harness.fake.advance(200)
    await harness.engine.tracker.step()  # type: ignore[union-attr]
    await harness.restart()
    await harness.finish_all()
    assert harness.fake.creates_by_external_id == {task.id: 1 for task in tasks}
    assert harness.port.deliveries == {task.id: 1 for task in tasks}


async def test_the_state_machine_refuses_a_skipped_step(harness: Harness) -> None:
    """A transition the state machine does not allow is refused, not silently applied."""
    task = await harness.submit(request_of(KIND))
    assert harness.storage is not None
    with pytest.raises(ValueError, match="No move from"):
        await harness.storage.tasks.transition(task.id, [TaskState.QUEUED], TaskState.DELIVERED, now=0)
    assert (await harness.task(task.id)).state is TaskState.QUEUED
