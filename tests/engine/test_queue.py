"""Queueing: the provider's 1303 cap and our own cap hold tasks back, fairly, and drain in order."""

from __future__ import annotations

from typing import Any

import pytest

from bot.engine.submitter import STAYED_FULL
from bot.kling.models import MultiImageToImageRequest
from bot.settings import EngineSettings, QuotaSettings
from bot.vocabulary import TaskKind, TaskState
from tests.engine.harness import Harness
from tests.fake_kling import Fault
from tests.kling_requests import PNG, request_of

KIND = TaskKind.TEXT_TO_VIDEO


def creation_order(h: Harness) -> list[str]:
    tasks = sorted(h.fake.tasks.values(), key=lambda task: task.seq)
    return [task.external_task_id or "" for task in tasks]


async def submit_spaced(h: Harness, users: list[int]) -> list[str]:
    """Submit one task per entry of `users`, a moment apart so arrival order is unambiguous."""
    ids = []
    for user in users:
        ids.append((await h.submit(request_of(KIND), user=user)).id)
        h.fake.clock.advance(0.01)  # type: ignore[attr-defined]
    return ids


@pytest.mark.parametrize(("dialect", "fake_options"), [("official", {"concurrency_limit": 2})])
async def test_provider_1303_queues_and_drains_in_order(harness: Harness, fake_options: dict[str, Any]) -> None:
    """With the account's cap at 2, tasks wait in `queued` (not failed, not created) and go out in order."""
    harness.engine_settings = EngineSettings(_env_file=None, provider_max_concurrent=10)
    engine = await harness.restart()
    ids = await submit_spaced(harness, [1, 2, 3, 4, 5])
    await engine.drain()
    assert [(await harness.task(i)).state for i in ids] == [TaskState.SUBMITTED] * 2 + [TaskState.QUEUED] * 3
    assert [await engine.queue_position(i) for i in ids] == [None, None, 1, 2, 3]
    assert set(harness.fake.creates_by_external_id) == set(ids[:2])
    for _ in range(4):
        await harness.fake.advance(200)
        await engine.drain()
    assert [(await harness.task(i)).state for i in ids] == [TaskState.DELIVERED] * len(ids)
    assert creation_order(harness) == ids
    assert harness.fake.creates_by_external_id == dict.fromkeys(ids, 1)
    assert harness.fake.create_attempts > len(ids)  # the refused (1303) attempts created nothing


@pytest.mark.parametrize("dialect", ["official"])
async def test_own_cap_is_fair_across_users(harness: Harness) -> None:
    """One slot: a user with three tasks does not starve two users with one each."""
    harness.engine_settings = EngineSettings(_env_file=None, provider_max_concurrent=1)
    engine = await harness.restart()
    a1, a2, a3, b1, c1 = await submit_spaced(harness, [1, 1, 1, 2, 3])
    await engine.drain()
    assert [await engine.queue_position(i) for i in (a1, b1, c1, a2, a3)] == [None, 1, 2, 3, 4]
    for _ in range(6):
        await harness.fake.advance(200)
        await engine.drain()
    assert creation_order(harness) == [a1, b1, c1, a2, a3]
    assert harness.fake.create_attempts == 5


@pytest.mark.parametrize(
    ("dialect", "fake_options"), [("official", {"concurrency_limit": 1, "finish_after": 100_000.0})]
)
async def test_a_task_that_never_gets_a_slot_expires(harness: Harness, fake_options: dict[str, Any]) -> None:
    """The provider stays full past the deadline: the waiting task fails, refunded, instead of waiting forever."""
    first_id, second_id = await submit_spaced(harness, [1, 2])
    second = await harness.task(second_id)
    engine = harness.engine
    assert engine is not None
    for _ in range(70):
        await harness.fake.advance(60)
        await engine.drain()
    assert harness.fake.creates_by_external_id == {first_id: 1}
    waited = await harness.task(second_id)
    assert (waited.state, waited.outcome) == (TaskState.DELIVERED, "failed")
    assert "stayed too busy" in (waited.error_reason or "")
    assert await harness.ledger(second.id) == {"reserve": second.units_reserved, "refund": second.units_reserved}


@pytest.mark.parametrize("dialect", ["official"])
async def test_an_image_task_larger_than_the_cap_still_runs(harness: Harness) -> None:
    """Nine images with a cap of 2 slots: the task holds the whole cap rather than waiting forever."""
    harness.engine_settings = EngineSettings(_env_file=None, provider_max_concurrent=2, download_allow_loopback=True)
    harness.quota = QuotaSettings(_env_file=None, user_daily_units=None)
    await harness.restart()
    task = await harness.submit(MultiImageToImageRequest(subjects=(PNG,), n=9))
    assert task.slots == 2
    await harness.finish_all()
    assert (await harness.task(task.id)).state is TaskState.DELIVERED


@pytest.mark.parametrize(("dialect", "fake_options"), [("official", {"concurrency_limit": 1})])
async def test_an_expired_pause_does_not_spin(harness: Harness, fake_options: dict[str, Any]) -> None:
    """After a 1303 pause runs out, the submitter waits to be woken instead of asking to run again at once."""
    await submit_spaced(harness, [1, 2])
    engine = harness.engine
    assert engine is not None
    await engine.drain()
    assert engine.submitter.paused_until > harness.fake.clock.now()
    await harness.fake.advance(60)  # the pause is over; the slot is still taken
    due = await engine.submitter.step()
    assert due is None or due > harness.fake.clock.now()


@pytest.mark.parametrize("dialect", ["official"])
@pytest.mark.parametrize("retry_after", [86_400.0, float("inf")])
async def test_a_huge_retry_after_neither_freezes_the_queue_nor_skips_expiry(
    harness: Harness, retry_after: float
) -> None:
    """A 1303 asking for a day (or forever) pauses for minutes at most; queued tasks still expire and refund."""
    engine = harness.engine
    assert engine is not None
    harness.fake.inject(Fault(op="create", status=429, code=1303, retry_after=retry_after, times=1000))
    (task_id,) = await submit_spaced(harness, [1])
    await engine.drain()
    assert (await harness.task(task_id)).state is TaskState.QUEUED
    assert engine.submitter.paused_until - harness.fake.clock.now() <= 300
    for _ in range(13):  # 65 minutes, past the 60-minute deadline, in pauses' steps
        await harness.fake.advance(300)
        await engine.drain()
    done = await harness.task(task_id)
    assert (done.outcome, done.error_reason) == ("failed", STAYED_FULL)
    assert await harness.ledger(task_id) == {"reserve": done.units_reserved, "refund": done.units_reserved}
