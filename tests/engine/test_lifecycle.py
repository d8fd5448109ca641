"""The full lifecycle for every kind on every dialect: queued to delivered, charged once, archived."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.kling.errors import InvalidRequestError
from bot.vocabulary import TaskKind, TaskState
from tests.engine.harness import Harness
from tests.kling_requests import IMAGES_MADE, offered, request_of


@pytest.mark.parametrize("kind", list(TaskKind))
async def test_every_kind_is_delivered_once_with_archived_results(harness: Harness, kind: TaskKind) -> None:
    """Submit, let the provider finish, and see one delivery carrying the archived files; the quota is charged.

    A kind the provider does not document is refused before anything is stored or sent. Lip sync runs on
    the Kling video of a task delivered first (identify-face, then advanced-lip-sync).
    """
    if not offered(kind, harness.fake.dialect):
        with pytest.raises(InvalidRequestError, match="isn't available"):
            await harness.submit(request_of(kind, video_id="v"))
        assert harness.fake.tasks == {}
        return
    video_id = ""
    if kind is TaskKind.LIP_SYNC:
        source = await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO))
        await harness.finish_all()
        (video_id,) = (await harness.task(source.id)).result_video_ids
    task = await harness.submit(request_of(kind, video_id=video_id))
    assert task.state is TaskState.QUEUED
    await harness.finish_all()
    done = await harness.task(task.id)
    assert done.state is TaskState.DELIVERED
    assert done.outcome == "succeeded"
    assert harness.port.deliveries[task.id] == 1
    files = harness.port.files[task.id]
    assert len(files) == IMAGES_MADE.get(kind, 1)
    expected = harness.fake.video_bytes if kind.makes_video else harness.fake.png_bytes
    assert all(Path(path).read_bytes() == expected for path in files)
    assert harness.fake.creates_by_external_id[task.id] == 1
    assert harness.storage is not None
    ledger = await harness.storage.quotas.ledger(task.id)
    assert ledger == {"reserve": task.units_reserved, "charge": task.units_reserved}


async def test_states_are_reported_in_order(harness: Harness) -> None:
    """The port hears each visible state change in order (claiming a delivery is not news to a user)."""
    task = await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO))
    await harness.engine.drain()  # type: ignore[union-attr]
    await harness.fake.advance(1)
    await harness.fake.advance(100)
    await harness.engine.drain()  # type: ignore[union-attr]
    states = [state for task_id, state in harness.port.updates if task_id == task.id]
    assert states == [
        TaskState.SUBMITTING,
        TaskState.SUBMITTED,
        TaskState.SUCCEEDED,
        TaskState.DELIVERED,
    ]


@pytest.mark.parametrize("dialect", ["official"])
async def test_finished_without_urls_waits_for_the_result(harness: Harness) -> None:
    """ "succeed" with an empty result list is not charged as done: a later look finds the file and posts it."""
    harness.fake.store.results_delay = 160.0  # finished at 60 s, first looked at 200 s, files listed from 220 s
    task = await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO))
    await harness.finish_all()
    assert (await harness.task(task.id)).state is TaskState.SUBMITTED
    for _ in range(6):
        await harness.fake.advance(10)
        assert harness.engine is not None
        await harness.engine.drain()
    done = await harness.task(task.id)
    assert (done.state, done.outcome) == (TaskState.DELIVERED, "succeeded")
    assert len(harness.port.files[task.id]) == 1


@pytest.mark.parametrize("dialect", ["official"])
async def test_finished_without_urls_for_good_is_a_refunded_failure(harness: Harness) -> None:
    """A result list that never fills is looked at a bounded number of times, then failed and refunded."""
    harness.fake.store.results_delay = float("inf")
    task = await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO))
    await harness.finish_all()
    for _ in range(30):
        await harness.fake.advance(30)
        assert harness.engine is not None
        await harness.engine.drain()
    done = await harness.task(task.id)
    assert (done.state, done.outcome) == (TaskState.DELIVERED, "failed")
    assert "sent no result" in (done.error_reason or "")
    assert await harness.ledger(task.id) == {"reserve": done.units_reserved, "refund": done.units_reserved}
