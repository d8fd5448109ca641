"""The task repository's contract, on SQLite and PostgreSQL alike: compare-and-set moves, settlement, the
queries the engine wakes for, and the fair queue's order. (Quotas, settings and audit: the files beside.)"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from bot.vocabulary import Outcome, TaskState
from db import Storage
from db.models import ImageRef
from tests.storage import add_task, new_task

S = TaskState


async def move(storage: Storage, task_id: str, *path: TaskState, at: float = 10.0) -> None:
    """Walk a task along `path` (each step a legal move)."""
    current = (await storage.tasks.get(task_id)).state  # type: ignore[union-attr]
    for state in path:
        assert await storage.tasks.transition(task_id, [current], state, now=at) is not None
        current = state


async def test_transition_is_a_compare_and_set_that_writes_its_fields(storage: Storage) -> None:
    """A move from the right state lands with its fields; from the wrong one it returns None and changes nothing."""
    await add_task(storage, new_task("t1"), at=1.0)
    moved = await storage.tasks.transition(
        "t1", [S.QUEUED], S.SUBMITTING, now=2.0, submit_attempts=1, provider_task_id="k-1", next_poll_at=50
    )
    assert moved is not None
    assert (moved.state, moved.updated_at, moved.submit_attempts, moved.provider_task_id) == (
        S.SUBMITTING,
        2.0,
        1,
        "k-1",
    )
    assert moved.next_poll_at == 50.0
    assert await storage.tasks.transition("t1", [S.QUEUED], S.SUBMITTING, now=3.0) is None
    assert (await storage.tasks.get("t1")).updated_at == 2.0  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="No move"):
        await storage.tasks.transition("t1", [S.SUBMITTING], S.DELIVERED, now=3.0)
    done = await storage.tasks.transition(
        "t1", [S.SUBMITTED, S.SUBMITTING], S.SUCCEEDED, now=4.0, outcome=Outcome.SUCCEEDED,
        result_urls=["https://cdn.example/a.mp4"], result_video_ids=("v-1",), generation_seconds=30.5,
    )  # fmt: skip
    assert done is not None
    assert (done.outcome, done.result_urls, done.result_video_ids) == (
        Outcome.SUCCEEDED,
        ("https://cdn.example/a.mp4",),
        ("v-1",),
    )
    await storage.tasks.update("t1", now=5.0, archived_paths=["/a/t1.mp4"], units_reserved=Decimal("2.5"))
    again = await storage.tasks.get("t1")
    assert again is not None
    assert (again.state, again.archived_paths, again.units_reserved, again.updated_at) == (
        S.SUCCEEDED,
        ("/a/t1.mp4",),
        Decimal("2.5"),
        5.0,
    )
    assert await storage.tasks.get("nope") is None
    with pytest.raises(ValueError, match="Not task fields"):
        await storage.tasks.update("t1", now=6.0, state="queued")


async def test_settlement_commits_with_the_move_once(storage: Storage) -> None:
    """Success charges the reserved units, failure refunds them; a task is settled once, whatever follows."""
    for task_id in ("won", "lost"):
        await add_task(storage, new_task(task_id, units="2.5"), at=1.0)
        await move(storage, task_id, S.SUBMITTING)
    won = await storage.tasks.transition("won", [S.SUBMITTING], S.SUCCEEDED, now=2.0, settle="charge")
    lost = await storage.tasks.transition("lost", [S.SUBMITTING], S.FAILED, now=2.0, settle="refund")
    assert won is not None
    assert lost is not None
    assert (won.units_charged, lost.units_charged) == (Decimal("2.5"), None)
    assert await storage.quotas.ledger("won") == {"reserve": Decimal("2.5"), "charge": Decimal("2.5")}
    assert await storage.quotas.ledger("lost") == {"reserve": Decimal("2.5"), "refund": Decimal("2.5")}
    await storage.tasks.transition("won", [S.SUCCEEDED], S.DELIVERING, now=3.0, settle="refund")
    assert await storage.quotas.ledger("won") == {"reserve": Decimal("2.5"), "charge": Decimal("2.5")}


async def test_racing_moves_land_exactly_once(storage: Storage) -> None:
    """Twenty concurrent finishes of one task: one wins, the ledger holds exactly one settlement."""
    await add_task(storage, new_task("t1"), at=1.0)
    await move(storage, "t1", S.SUBMITTING, S.PROCESSING)
    results = await asyncio.gather(
        *(
            storage.tasks.transition(
                "t1", [S.PROCESSING], S.SUCCEEDED if i % 2 else S.FAILED, now=2.0 + i,
                settle="charge" if i % 2 else "refund",
            )
            for i in range(20)
        )
    )  # fmt: skip
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    ledger = await storage.quotas.ledger("t1")
    assert set(ledger) == {"reserve", "charge" if winners[0].state is S.SUCCEEDED else "refund"}


async def test_set_withheld_is_a_compare_and_set(storage: Storage) -> None:
    """Who withheld a result is written once, and only in the states asked for."""
    await add_task(storage, new_task("t1"), at=1.0)
    assert await storage.tasks.set_withheld("t1", [S.PROCESSING], 7, now=2.0) is None
    withheld = await storage.tasks.set_withheld("t1", [S.QUEUED], 7, now=2.0)
    assert withheld is not None
    assert withheld.withheld_by == 7
    assert await storage.tasks.set_withheld("t1", [S.QUEUED], 8, now=3.0) is None
    assert (await storage.tasks.get("t1")).withheld_by == 7  # type: ignore[union-attr]


async def test_fair_queue_order_and_positions(storage: Storage) -> None:
    """Round-robin across users: a user's turns in flight or since the oldest wait push their queue back."""
    # a0 is in flight (a turn for a); d0 was sent after the oldest queued task arrived (a turn for d);
    # c0 was sent before it (no turn).
    for task_id, user, at in [("a0", 1, 0.0), ("c0", 3, 0.1), ("d0", 4, 0.2)]:
        await add_task(storage, new_task(task_id, user=user), at=at)
    for task_id, user, at in [("a1", 1, 1.0), ("a2", 1, 2.0), ("b1", 2, 3.0), ("a3", 1, 4.0), ("c1", 3, 5.0),
                              ("c2", 3, 6.0), ("d1", 4, 7.0), ("Zb", 5, 8.0), ("ab", 6, 8.0)]:  # fmt: skip
        await add_task(storage, new_task(task_id, user=user), at=at)
    await move(storage, "a0", S.SUBMITTING)
    await storage.tasks.update("a0", now=0.5, submitted_at=0.5)
    await move(storage, "c0", S.SUBMITTING, S.FAILED, S.DELIVERING, S.DELIVERED)
    await storage.tasks.update("c0", now=0.5, submitted_at=0.5)
    await move(storage, "d0", S.SUBMITTING, S.FAILED)
    await storage.tasks.update("d0", now=1.5, submitted_at=1.5)
    # ranks: b1 1, c1 1, Zb 1, ab 1, a1 2, c2 2, d1 2, a2 3, a3 4; ties by time, then id byte-wise ("Z" < "a")
    expected = ["b1", "c1", "Zb", "ab", "a1", "c2", "d1", "a2", "a3"]
    assert [t.id for t in await storage.tasks.queued_fair(100)] == expected
    assert [t.id for t in await storage.tasks.queued_fair(3)] == expected[:3]
    assert [await storage.tasks.queue_position(task_id) for task_id in expected] == list(range(1, 10))
    assert await storage.tasks.queue_position("a0") is None
    assert await storage.tasks.queue_position("missing") is None


async def test_due_queries_oldest_first_ties_in_arrival_order(storage: Storage) -> None:
    """Due checks and deliveries come oldest due first (ties: the order tasks arrived), bounded by `limit`."""
    for task_id, at in [("t3", 1.0), ("t1", 2.0), ("t2", 3.0), ("t0", 4.0)]:
        await add_task(storage, new_task(task_id), at=at)
        await move(storage, task_id, S.SUBMITTING)
    for task_id, due in [("t3", 20.0), ("t1", 10.0), ("t2", 10.0), ("t0", 99.0)]:
        await storage.tasks.update(task_id, now=5.0, next_poll_at=due, next_delivery_at=due + 1)
    assert [t.id for t in await storage.tasks.due_for_poll(20.0, 10)] == ["t1", "t2", "t3"]
    assert [t.id for t in await storage.tasks.due_for_poll(20.0, 1)] == ["t1"]
    assert [t.id for t in await storage.tasks.due_for_delivery(21.0, 10)] == ["t1", "t2", "t3"]
    assert (await storage.tasks.next_poll_at(), await storage.tasks.next_delivery_at()) == (10.0, 11.0)
    await storage.tasks.update("t1", now=6.0, next_poll_at=None, next_delivery_at=None)
    assert [t.id for t in await storage.tasks.due_for_poll(20.0, 10)] == ["t2", "t3"]


async def test_listing_counting_and_housekeeping_queries(storage: Storage) -> None:
    """in_states, for_user, counts, slots, archived_before, generation times and images in use agree."""
    image = ImageRef(field="image", sha256="ab" * 32, size=10)
    for task_id, user, at, slots in [("q1", 1, 1.0, 1), ("q2", 1, 1.0, 1), ("s1", 1, 2.0, 2), ("d1", 2, 3.0, 1)]:
        await add_task(storage, new_task(task_id, user=user, slots=slots, images=(image,)), at=at)
    await move(storage, "s1", S.SUBMITTING, S.PROCESSING)
    await move(storage, "d1", S.SUBMITTING, S.SUCCEEDED, S.DELIVERING, S.DELIVERED)
    await storage.tasks.update("d1", now=9.0, finished_at=5.0, generation_seconds=42.0, archived_paths=["/x.mp4"])
    assert [t.id for t in await storage.tasks.in_states([S.QUEUED, S.PROCESSING])] == ["q1", "q2", "s1"]
    assert [t.id for t in await storage.tasks.for_user(1, 1, limit=10)] == ["s1", "q2", "q1"]
    assert [t.id for t in await storage.tasks.for_user(1, 1, limit=1, offset=1)] == ["q2"]
    assert (await storage.tasks.count_active(), await storage.tasks.in_flight_slots()) == (3, 2)
    assert await storage.tasks.count_by_state() == {S.QUEUED: 2, S.PROCESSING: 1, S.DELIVERED: 1}
    assert [t.id for t in await storage.tasks.archived_before(6.0, 10)] == ["d1"]
    assert await storage.tasks.archived_before(5.0, 10) == []
    kind, params, seconds = (await storage.tasks.recent_generation_times(5))[0]
    assert (kind, params["model"], seconds) == ("text2video", "kling-v2-master", 42.0)
    assert await storage.tasks.image_hashes_in_use() == {"ab" * 32}


async def test_json_fields_come_back_as_written(storage: Storage) -> None:
    """Parameters (nested, unicode, floats, key order) and big Discord ids round-trip exactly."""
    params = {"prompt": 'café 🎬 "quoted"', "zeta": 1, "alpha": [1.5, None, True], "cfg_scale": 0.1, "model": "m"}
    task = new_task("t1", guild=2**62, user=2**63 - 1).model_copy(update={"params": params})
    await add_task(storage, task, at=1.0)
    stored = await storage.tasks.get("t1")
    assert stored is not None
    assert (stored.params, list(stored.params)) == (params, list(params))
    assert (stored.guild_id, stored.user_id) == (2**62, 2**63 - 1)
