"""Leases and coordination, on SQLite and PostgreSQL alike: due deliveries are claimed once however many
processes claim at once, a live lease is never taken, a write fenced by a lease lands only for its holder,
an alert key is claimed by one process, and (PostgreSQL) one process leads and wake-ups cross processes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.vocabulary import TaskState
from db import Storage, open_storage
from db.postgres import PostgresDatabase
from db.postgres.locks import LEADER_LOCK, LOCK_NAMESPACE
from tests.storage import add_task, fresh_postgres_database, new_task

S = TaskState
LEASE = 60.0


async def finished(storage: Storage, task_id: str, *, at: float = 10.0, due: float | None = 10.0) -> None:
    """Queue `task_id` and walk it to succeeded, its delivery due at `due`."""
    await add_task(storage, new_task(task_id), at=1.0)
    for source, target in ((S.QUEUED, S.SUBMITTING), (S.SUBMITTING, S.SUCCEEDED)):
        assert await storage.tasks.transition(task_id, [source], target, now=at, next_delivery_at=due)


async def test_a_claim_moves_due_tasks_to_delivering_under_a_lease(storage: Storage) -> None:
    """Due finished tasks are claimed with the owner, the lease, one more attempt and the state they came from;
    a live lease is not claimed again, an expired one is (from `delivering`), and the next due time waits for it."""
    await finished(storage, "t1", due=10.0)
    await finished(storage, "t2", due=50.0)
    tasks = storage.tasks
    [(claimed, was)] = await tasks.claim_deliveries("a", now=20.0, until=20.0 + LEASE, limit=5)
    assert (claimed.id, was, claimed.state) == ("t1", S.SUCCEEDED, S.DELIVERING)
    assert (claimed.lease_owner, claimed.lease_until, claimed.delivery_attempts) == ("a", 80.0, 1)
    assert await tasks.next_delivery_at() == 50.0
    await tasks.update("t2", now=21.0, next_delivery_at=None)
    assert await tasks.next_delivery_at() == 80.0  # t1's lease runs out then
    await tasks.update("t1", now=22.0, next_delivery_at=30.0)  # an attempt due before the lease ends waits for it
    assert await tasks.next_delivery_at() == 80.0
    assert await tasks.claim_deliveries("b", now=79.0, until=79.0 + LEASE, limit=5) == []
    [(taken, was)] = await tasks.claim_deliveries("b", now=80.0, until=140.0, limit=5)
    assert (taken.id, was, taken.lease_owner, taken.delivery_attempts) == ("t1", S.DELIVERING, "b", 2)


async def test_a_delivery_time_left_on_a_task_in_no_deliverable_state_is_forgotten(storage: Storage) -> None:
    """A stray due time on a queued task would be due for ever (the deliverer would spin): a claim clears it."""
    await add_task(storage, new_task("q"), at=1.0)
    await storage.tasks.update("q", now=2.0, next_delivery_at=5.0)
    assert await storage.tasks.claim_deliveries("a", now=10.0, until=70.0, limit=5) == []
    assert await storage.tasks.next_delivery_at() is None


async def claim_race(storages: list[Storage]) -> list[str]:
    """Queue forty due deliveries, then claim them by twenty claims at once spread over `storages`."""
    for i in range(40):
        await finished(storages[0], f"t{i:02}", due=float(i))
    rounds = await asyncio.gather(
        *(
            storages[i % len(storages)].tasks.claim_deliveries(f"p{i}", now=100.0, until=160.0, limit=3)
            for i in range(20)
        )
    )
    return sorted(task.id for claims in rounds for task, _ in claims)


async def test_racing_claims_take_each_task_once(storage: Storage) -> None:
    """Forty due deliveries, claimed by many claims at once: each exactly once."""
    assert await claim_race([storage]) == [f"t{i:02}" for i in range(40)]


@pytest.mark.postgresql
async def test_racing_claims_from_three_processes_take_each_task_once() -> None:
    """The same through three separately opened storages on PostgreSQL (SKIP LOCKED): each exactly once."""
    async with fresh_postgres_database() as url:
        storages = [await open_storage(url) for _ in range(3)]
        try:
            assert await claim_race(storages) == [f"t{i:02}" for i in range(40)]
        finally:
            for opened in storages:
                await opened.close()


async def test_a_lease_is_taken_renewed_or_refused(storage: Storage) -> None:
    """A free or expired lease is taken (with its fields), a live one never, not even by its holder; only the
    holder renews, until the task moves on or another process took the lease over."""
    await add_task(storage, new_task("t"), at=1.0)
    tasks = storage.tasks
    assert await tasks.take_lease("t", [S.SUBMITTING], "a", now=2.0, until=62.0) is None  # it is queued
    assert await tasks.transition("t", [S.QUEUED], S.SUBMITTING, now=2.0)
    held = await tasks.take_lease("t", [S.SUBMITTING], "a", now=3.0, until=63.0, next_poll_at=63.0)
    assert held is not None
    assert (held.lease_owner, held.lease_until, held.next_poll_at) == ("a", 63.0, 63.0)
    assert await tasks.take_lease("t", [S.SUBMITTING], "b", now=62.9, until=120.0) is None
    assert await tasks.take_lease("t", [S.SUBMITTING], "a", now=50.0, until=110.0) is None
    assert not await tasks.renew_lease("t", "b", now=50.0, until=110.0)
    assert await tasks.renew_lease("t", "a", now=50.0, until=110.0, next_poll_at=110.0)
    renewed = await tasks.get("t")
    assert renewed is not None
    assert (renewed.lease_owner, renewed.lease_until, renewed.next_poll_at) == ("a", 110.0, 110.0)
    taken = await tasks.take_lease("t", [S.SUBMITTING], "b", now=110.0, until=170.0)
    assert taken is not None
    assert taken.lease_owner == "b"
    assert not await tasks.renew_lease("t", "a", now=111.0, until=171.0)
    assert await tasks.transition("t", [S.SUBMITTING], S.SUBMITTED, now=112.0)
    assert not await tasks.renew_lease("t", "b", now=113.0, until=173.0)  # the move ended it


async def test_fenced_writes_land_only_for_the_holder_and_a_move_ends_the_lease(storage: Storage) -> None:
    """`holder` makes an update or a move a no-op for a process that no longer holds the lease; any move
    (unless it sets one) clears the lease."""
    await finished(storage, "t")
    tasks = storage.tasks
    await tasks.claim_deliveries("b", now=20.0, until=80.0, limit=1)
    await tasks.update("t", now=21.0, holder="a", delivery_error="not mine")
    assert (await tasks.get("t")).delivery_error is None  # type: ignore[union-attr]
    assert await tasks.transition("t", [S.DELIVERING], S.DELIVERY_FAILED, now=21.0, holder="a") is None
    await tasks.update("t", now=22.0, holder="b", delivery_error="mine")
    assert (await tasks.get("t")).delivery_error == "mine"  # type: ignore[union-attr]
    done = await tasks.transition("t", [S.DELIVERING], S.DELIVERED, now=23.0, holder="b")
    assert done is not None
    assert (done.state, done.lease_owner, done.lease_until) == (S.DELIVERED, None, None)


async def test_a_meta_key_is_claimed_once_per_window_and_given_back(storage: Storage, database_url: str) -> None:
    """Of claims racing for one key (through two storages), one wins; it can be claimed again once the window
    has passed; a claim given back (nobody was told) lets the next claim win; another's claim isn't dropped."""
    other = await open_storage(database_url)
    try:
        wins = await asyncio.gather(
            *((storage if i % 2 else other).guilds.claim_meta("k", f"c{i}", now=100.0, unless_since=50.0)
              for i in range(10))
        )  # fmt: skip
    finally:
        await other.close()
    assert wins.count(True) == 1
    guilds = storage.guilds
    assert not await guilds.claim_meta("k", "late", now=140.0, unless_since=90.0)
    assert await guilds.claim_meta("k", "next", now=200.0, unless_since=150.0)
    assert not await guilds.drop_meta("k", "someone else's")
    assert await guilds.drop_meta("k", "next")
    assert await guilds.claim_meta("k", "again", now=201.0, unless_since=151.0)
    assert await guilds.get_meta("k") == "again"


async def test_alone_on_sqlite_a_process_always_leads(tmp_path: Path) -> None:
    """SQLite: one process owns the file; it leads, and has no one to wake."""
    storage = await open_storage(f"sqlite:///{tmp_path / 'bot.db'}")
    coordination = storage.coordination
    assert (coordination.shared, coordination.leading) == (False, True)
    assert await coordination.try_lead()
    await coordination.wake(["submitter"])
    await storage.close()


@pytest.mark.postgresql
async def test_one_process_leads_and_another_takes_over_when_its_connection_goes() -> None:
    """Three processes on one database: one leads; its connection closed (as when it dies), another takes the
    lock at its next try; wake-ups reach the other processes and not the sender."""
    async with fresh_postgres_database() as url:
        await _lead_and_take_over(url)


async def _lead_and_take_over(url: str) -> None:
    storages = [await open_storage(url) for _ in range(3)]
    heard: list[list[str]] = [[], [], []]
    lost = [asyncio.Event() for _ in storages]
    try:
        for i, opened in enumerate(storages):
            assert await opened.coordination.connect(heard[i].append, lost[i].set)
            assert not await opened.coordination.connect(heard[i].append, lost[i].set)  # already listening
        leads = [await opened.coordination.try_lead() for opened in storages]
        assert leads == [True, False, False]
        assert [opened.coordination.leading for opened in storages] == [True, False, False]
        await storages[1].coordination.wake(["deliverer", "tracker", "deliverer"])
        for _ in range(50):
            if len(heard[0]) == len(heard[2]) == 2:
                break
            await asyncio.sleep(0.02)
        assert (sorted(heard[0]), heard[1], sorted(heard[2])) == (
            ["deliverer", "tracker"],
            [],
            ["deliverer", "tracker"],
        )
        await _terminate_leader(storages[0])  # the server ends its session: the lock goes with it
        await asyncio.wait_for(lost[0].wait(), 5)
        assert not storages[0].coordination.leading
        assert [await opened.coordination.try_lead() for opened in storages[1:]] == [True, False]
        assert not await storages[0].coordination.try_lead()  # no connection until it connects again
        assert await storages[0].coordination.connect(heard[0].append, lost[0].set)
        assert not await storages[0].coordination.try_lead()
    finally:
        for opened in storages:
            await opened.close()


async def _terminate_leader(storage: Storage) -> None:
    """Have the server end the session holding the leadership lock."""
    database = storage.database
    assert isinstance(database, PostgresDatabase)
    pid = await database.fetchval(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND granted",
        LOCK_NAMESPACE,
        LEADER_LOCK,
    )
    assert await database.fetchval("SELECT pg_terminate_backend($1)", pid)
