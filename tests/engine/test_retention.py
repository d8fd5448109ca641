"""Disk: archived results are pruned after their retention; below the free-space floor nothing new is taken."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.disk import DiskGuard, LowDiskError
from bot.vocabulary import TaskKind, TaskState
from tests.engine.harness import Harness
from tests.kling_requests import request_of

HOUR = 3600.0


@pytest.mark.parametrize("dialect", ["official"])
async def test_archived_results_are_pruned_after_their_retention(harness: Harness) -> None:
    """A delivered task's files (and copies made from them) go after the retention; the record forgets them."""
    harness.archive_retention = HOUR
    engine = await harness.restart()
    task = await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO))
    await harness.finish_all()
    done = await harness.task(task.id)
    assert done.state is TaskState.DELIVERED
    assert done.archived_paths
    copy = harness.root / "archive" / "fitted" / task.id / "1024"
    copy.mkdir(parents=True)
    (copy / "0.fitted.mp4").write_bytes(b"re-encoded")
    await engine.maintain()
    assert Path(done.archived_paths[0]).exists()  # not yet
    await harness.fake.advance(2 * HOUR)
    await engine.maintain()
    assert not (harness.root / "archive" / task.id).exists()
    assert not copy.exists()
    assert (await harness.task(task.id)).archived_paths == ()


@pytest.mark.parametrize("dialect", ["official"])
async def test_below_the_free_space_floor_nothing_is_taken(harness: Harness) -> None:
    """A floor no disk can meet: the request is refused before anything is stored or charged."""
    harness.disk = DiskGuard([harness.root], floor_bytes=10**18)
    await harness.restart()
    with pytest.raises(LowDiskError, match="below the"):
        await harness.submit(request_of(TaskKind.IMAGE_TO_VIDEO))
    assert not list((harness.root / "inputs").glob("*"))
    assert harness.storage is not None
    assert await harness.storage.tasks.count_active() == 0
