"""Cancel and "Don't post it": a waiting task ends refunded; one Kling has runs on, charged, archived, unposted.

Every press races the engine's own moves; each ends one way only, never refunding what Kling ran and never
posting what was withheld first.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.engine import CancelStatus, Engine
from bot.vocabulary import Outcome, TaskKind, TaskState
from db.models import TaskRecord
from tests.engine.harness import Harness
from tests.kling_requests import request_of

pytestmark = pytest.mark.parametrize("dialect", ["official"])
KIND = TaskKind.TEXT_TO_VIDEO
ALICE, ADMIN = 1, 99


def engine_of(h: Harness) -> Engine:
    assert h.engine is not None
    return h.engine


async def assert_refunded_unsent(h: Harness, task: TaskRecord, by: int) -> None:
    """The task ended cancelled, refunded, never sent to Kling and never posted."""
    done = await h.task(task.id)
    assert (done.state, done.outcome, done.withheld_by) == (TaskState.DELIVERED, Outcome.CANCELLED, by)
    assert done.delivery_message_id is None
    assert await h.ledger(task.id) == {"reserve": task.units_reserved, "refund": task.units_reserved}
    assert task.id not in h.fake.creates_by_external_id
    assert h.port.deliveries[task.id] == 0


async def test_a_queued_task_is_cancelled_refunded_and_never_posted(harness: Harness) -> None:
    """Cancel while queued: ended and refunded in one write; the deliverer closes it without posting."""
    task = await harness.submit(request_of(KIND), user=ALICE)
    result = await engine_of(harness).cancel(task.id, ALICE)
    assert result.status is CancelStatus.CANCELLED
    assert (result.task.state, result.task.outcome) == (TaskState.FAILED, Outcome.CANCELLED)
    assert await harness.ledger(task.id) == {"reserve": task.units_reserved, "refund": task.units_reserved}
    await harness.finish_all()
    await assert_refunded_unsent(harness, task, ALICE)
    assert [state for task_id, state in harness.port.updates if task_id == task.id] == [
        TaskState.FAILED,
        TaskState.DELIVERED,
    ]
    again = await engine_of(harness).cancel(task.id, ADMIN)
    assert (again.status, again.task.withheld_by) == (CancelStatus.ALREADY_STOPPED, ALICE)


async def test_a_task_at_kling_is_withheld_archived_and_charged(harness: Harness) -> None:
    """Kling has it: Cancel changes nothing; "Don't post it" lets it finish, archives it, charges it, posts nothing."""
    engine = engine_of(harness)
    task = await harness.submit(request_of(KIND), user=ALICE)
    await engine.drain()
    pressed = await engine.cancel(task.id, ALICE)
    assert (pressed.status, pressed.task.state) == (CancelStatus.AT_PROVIDER, TaskState.SUBMITTED)
    assert (await harness.task(task.id)).withheld_by is None
    held = await engine.withhold(task.id, ADMIN)
    assert (held.status, held.task.withheld_by) == (CancelStatus.WITHHELD, ADMIN)
    await harness.finish_all()
    done = await harness.task(task.id)
    assert (done.state, done.outcome, done.withheld_by) == (TaskState.DELIVERED, Outcome.SUCCEEDED, ADMIN)
    assert done.delivery_message_id is None
    assert harness.port.deliveries[task.id] == 0
    assert [Path(path).read_bytes() for path in done.archived_paths] == [harness.fake.video_bytes]
    assert await harness.ledger(task.id) == {"reserve": task.units_reserved, "charge": task.units_reserved}
    second = await engine.withhold(task.id, ALICE)
    assert (second.status, second.task.withheld_by) == (CancelStatus.ALREADY_STOPPED, ADMIN)


async def test_withheld_after_it_finished_but_before_the_post(harness: Harness) -> None:
    """Finished, not yet claimed for posting: a withhold recorded first means the deliverer never posts it."""
    engine = engine_of(harness)
    task = await harness.submit(request_of(KIND), user=ALICE)
    await engine.drain()
    await harness.fake.advance(200)
    await engine.tracker.step()
    assert (await harness.task(task.id)).state is TaskState.SUCCEEDED
    assert (await engine.withhold(task.id, ALICE)).status is CancelStatus.WITHHELD
    await engine.drain()
    done = await harness.task(task.id)
    assert (done.state, done.delivery_message_id) == (TaskState.DELIVERED, None)
    assert harness.port.deliveries[task.id] == 0
    assert len(done.archived_paths) == 1


async def test_a_withhold_during_the_post_is_too_late_and_the_post_is_made_once(harness: Harness) -> None:
    """Pressed while the deliverer posts: refused as too late; the result is posted once, then the press still
    says too late."""
    engine = engine_of(harness)
    task = await harness.submit(request_of(KIND), user=ALICE)
    answers: list[Any] = []

    async def press(posting: TaskRecord) -> None:
        answers.append(await engine.withhold(posting.id, ALICE))

    harness.port.on_deliver = press
    await harness.finish_all()
    harness.port.on_deliver = None
    ((status, state),) = [(a.status, a.task.state) for a in answers]
    assert (status, state) == (CancelStatus.TOO_LATE, TaskState.DELIVERING)
    done = await harness.task(task.id)
    assert (done.state, done.withheld_by) == (TaskState.DELIVERED, None)
    assert harness.port.deliveries[task.id] == 1
    assert (await engine.withhold(task.id, ALICE)).status is CancelStatus.TOO_LATE
    assert (await engine.cancel(task.id, ALICE)).status is CancelStatus.TOO_LATE


async def test_cancel_as_the_submitter_claims_the_task_is_not_a_refund(harness: Harness) -> None:
    """Pressed just after the submitter marked it submitting (before the create): Kling gets it, it is charged."""
    engine = engine_of(harness)
    task = await harness.submit(request_of(KIND), user=ALICE)
    answers: list[Any] = []

    async def press(changed: TaskRecord) -> None:
        if changed.state is TaskState.SUBMITTING and not answers:
            answers.append(await engine.cancel(changed.id, ALICE))

    harness.port.on_update = press
    await harness.finish_all()
    assert [a.status for a in answers] == [CancelStatus.AT_PROVIDER]
    assert harness.fake.creates_by_external_id[task.id] == 1
    assert await harness.ledger(task.id) == {"reserve": task.units_reserved, "charge": task.units_reserved}
    assert harness.port.deliveries[task.id] == 1


async def test_cancels_racing_the_submitter_each_end_one_way(harness: Harness) -> None:
    """Cancels of four tasks start as the submitter sends the first and run beside it: each task is either
    cancelled (refunded, never sent) or sent (charged, posted) — never both, never neither."""
    engine = engine_of(harness)
    tasks = [await harness.submit(request_of(KIND), user=user) for user in (1, 2, 3, 4)]
    presses: list[asyncio.Task[Any]] = []
    claimed: list[str] = []

    async def press(changed: TaskRecord) -> None:
        if changed.state is TaskState.SUBMITTING and not presses:
            claimed.append(changed.id)
            presses.extend(asyncio.create_task(engine.cancel(task.id, task.user_id)) for task in tasks)

    harness.port.on_update = press
    await engine.submitter.step()
    ran = await asyncio.gather(*presses)
    harness.port.on_update = None
    await harness.finish_all()
    statuses = {task.id: result.status for task, result in zip(tasks, ran, strict=True)}
    assert statuses[claimed[0]] is CancelStatus.AT_PROVIDER  # claimed before any press
    for task, result in zip(tasks, ran, strict=True):
        if result.status is CancelStatus.CANCELLED:
            await assert_refunded_unsent(harness, task, task.user_id)
        else:
            assert result.status is CancelStatus.AT_PROVIDER
            assert harness.fake.creates_by_external_id[task.id] == 1
            assert await harness.ledger(task.id) == {"reserve": task.units_reserved, "charge": task.units_reserved}
            assert harness.port.deliveries[task.id] == 1


@pytest.mark.parametrize("fake_options", [{"concurrency_limit": 1}])
async def test_withheld_while_sending_then_handed_back_is_cancelled_unsent(harness: Harness) -> None:
    """Withheld while being sent, then refused by a full provider (1303, nothing created): it is not queued
    again to wait for a slot, but ended cancelled and refunded at once."""
    engine = engine_of(harness)
    first = await harness.submit(request_of(KIND), user=1)
    await engine.drain()
    second = await harness.submit(request_of(KIND), user=ALICE)

    async def press(changed: TaskRecord) -> None:
        if changed.id == second.id and changed.state is TaskState.SUBMITTING and changed.withheld_by is None:
            assert (await engine.withhold(changed.id, ALICE)).status is CancelStatus.WITHHELD

    harness.port.on_update = press
    await engine.drain()
    await assert_refunded_unsent(harness, second, ALICE)  # ended when the 1303 handed it back, not re-queued
    harness.port.on_update = None
    for _ in range(3):
        await harness.fake.advance(200)
        await engine.drain()
    await assert_refunded_unsent(harness, second, ALICE)
    assert harness.port.deliveries[first.id] == 1
