"""Several engines on one PostgreSQL database, as several worker processes: every guarantee still holds.

One create and one post per task, the ledger balanced; one leader at a time, replaced when it dies; a delivery
killed mid-way is taken over after its lease, never before, and posted once; a starting engine leaves live
leases alone; provider requests per task don't grow with the engines; an alert goes out once; a request taken
by one engine wakes the leader's submitter at once (LISTEN/NOTIFY).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.metrics import Metrics
from bot.quota import QuotaExceededError
from bot.settings import EngineSettings, QuotaSettings
from bot.vocabulary import TaskState
from tests.conftest import API_KEY
from tests.engine.crew import REQUEST, Crew
from tests.engine.harness import SimulatedCrash
from tests.fake_kling import FakeKling, SystemClock
from tests.storage import fresh_postgres_database

pytestmark = pytest.mark.postgresql
TASKS = 40
LEASE = EngineSettings(_env_file=None).lease_seconds


@pytest.fixture
def dialect() -> str:
    """The official dialect only: what is shared between processes doesn't depend on the provider's."""
    return "official"


@pytest.fixture
async def database() -> AsyncIterator[str]:
    """An empty PostgreSQL database for the test (the engines share it)."""
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
async def crew(fake: FakeKling, session: aiohttp.ClientSession, tmp_path: Path, database: str) -> AsyncIterator[Crew]:
    """Three engines on one database, started one after the other."""
    started = await Crew(fake, session, tmp_path, database).start()
    yield started
    await started.close()


async def assert_once_each(crew: Crew, tasks: list[str]) -> None:
    """One create and one post per task, and each charged exactly once."""
    assert crew.fake.creates_by_external_id == dict.fromkeys(tasks, 1)
    assert crew.deliveries == dict.fromkeys(tasks, 1)
    storage = next(m.storage for m in crew.members if m.storage is not None)
    assert storage is not None
    for task_id in tasks:
        task = await storage.tasks.get(task_id)
        assert task is not None
        assert task.state is TaskState.DELIVERED
        assert (task.lease_owner, task.lease_until) == (None, None)
        assert await storage.quotas.ledger(task_id) == {"reserve": task.units_reserved, "charge": task.units_reserved}


async def test_three_engines_share_the_work_once_each(crew: Crew) -> None:
    """Forty tasks through three engines stepping at once: one leader sends and tracks, and it stays the leader."""
    assert crew.leaders() == [0]
    tasks = await crew.submit(TASKS)
    await crew.run_until_delivered(tasks)
    await assert_once_each(crew, [task.id for task in tasks])
    assert crew.leaders() == [0]


async def test_every_engine_posts(crew: Crew) -> None:
    """Fifteen results due at once, three engines' deliverers at work together: each takes some, none twice."""
    tasks = await crew.submit(15)
    leader = crew.engine(0)
    for _ in range(3):  # five at a time (the provider's concurrency cap)
        await leader.submitter.step()
        await crew.fake.advance(200)
        await leader.tracker.step()
    crew.post_seconds = 0.01
    await asyncio.gather(*(engine.deliverer.step() for engine in crew.engines))
    await assert_once_each(crew, [task.id for task in tasks])
    assert all(crew.by), crew.by
    # Each first claim is timed once, by the engine that made it: how long due work waited for a process.
    assert [claims(member.metrics, "deliver") for member in crew.members] == [sum(by.values()) for by in crew.by]
    assert sum(claims(member.metrics, "submit") for member in crew.members) == 15


def claims(metrics: Metrics, work: str) -> int:
    """Return how many claims of `work` an engine timed."""
    return int(metrics.registry.get_sample_value("kling_claim_delay_seconds_count", {"work": work}) or 0)


async def test_the_leader_dies_mid_run_and_another_takes_over(crew: Crew) -> None:
    """The leader is killed with tasks queued and in flight: another engine leads at its next step, picks up the
    tracking and the queue, and still every task is created once and posted once."""
    tasks = await crew.submit(TASKS)
    await crew.step_all()
    await crew.fake.advance(30)
    await crew.step_all()
    await crew.crash(0)
    await crew.step_all()
    assert len(crew.leaders()) == 1
    assert crew.leaders() != [0]
    await crew.run_until_delivered(tasks)
    await assert_once_each(crew, [task.id for task in tasks])


async def test_a_leader_killed_mid_create_is_reconciled_after_its_lease(crew: Crew) -> None:
    """The leader marked a task submitting and its create reached Kling, then it died: the next leader leaves the
    task alone while the lease lives (the old one might still be sending), then finds it at Kling, never re-sends."""
    (task,) = await crew.submit(1)
    leader = crew.members[0]
    assert leader.storage is not None
    assert leader.client is not None
    now = crew.fake.clock.now()
    await leader.storage.tasks.transition(
        task.id, [TaskState.QUEUED], TaskState.SUBMITTING, now=now,
        lease_owner="dead-leader", lease_until=now + LEASE, next_poll_at=now + LEASE,
    )  # fmt: skip
    await leader.client.create(REQUEST, external_task_id=task.id)
    await crew.crash(0)
    await crew.step_all()
    assert len(crew.leaders()) == 1
    lookups = len(crew.fake.requests)
    await crew.fake.advance(LEASE - 5)
    await crew.step_all()
    assert (await crew.members[1].task(task.id)).state is TaskState.SUBMITTING
    assert len(crew.fake.requests) == lookups  # not even looked up: its sender may still be at it
    await crew.fake.advance(10)
    await crew.run_until_delivered([task])
    await assert_once_each(crew, [task.id])


async def test_a_delivery_killed_mid_way_is_taken_over_after_its_lease_and_posted_once(crew: Crew) -> None:
    """Engine 2 posts a result and dies before recording it; engine 1 dies having claimed another and posted
    nothing. Neither is touched while its lease lives; after it, each is taken over, and posted once in all."""
    posted_then_killed, claimed_then_killed = await crew.submit(2)
    for engine in crew.engines:  # only the leader steps: nothing gets delivered yet
        await engine.submitter.step()
    await crew.fake.advance(200)
    await crew.engine(0).tracker.step()
    crew.members[2].port.crash_after_post = True
    with pytest.raises(SimulatedCrash):
        await crew.engine(2).deliverer.step()
    assert crew.deliveries == {posted_then_killed.id: 1}
    await crew.crash(2)
    storage = crew.members[1].storage
    assert storage is not None
    now = crew.fake.clock.now()
    [(claimed, _)] = await storage.tasks.claim_deliveries("engine-1-dying", now=now, until=now + LEASE, limit=1)
    assert claimed.id == claimed_then_killed.id
    await crew.crash(1)
    await crew.fake.advance(LEASE - 1)
    await crew.step_all()
    for task in (posted_then_killed, claimed_then_killed):
        assert (await crew.members[0].task(task.id)).state is TaskState.DELIVERING
    assert crew.deliveries == {posted_then_killed.id: 1}
    await crew.fake.advance(2)
    await crew.step_all()
    await assert_once_each(crew, [posted_then_killed.id, claimed_then_killed.id])
    assert crew.by[0] == {claimed_then_killed.id: 1}  # the one found in "Discord" was not posted again


async def test_an_engine_starting_leaves_live_leases_alone(crew: Crew) -> None:
    """The leader goes while a task is being sent (by a process that is still at it) and another being posted: the
    engine leading next, and an engine starting, neither reconcile the one nor reset the other while the leases
    live."""
    sending, posting = await crew.submit(2)
    storage = crew.members[1].storage
    assert storage is not None
    now = crew.fake.clock.now()
    await storage.tasks.transition(
        sending.id, [TaskState.QUEUED], TaskState.SUBMITTING, now=now,
        lease_owner="alive", lease_until=now + 1000, next_poll_at=now + 1000,  # renewed all along
    )  # fmt: skip
    await crew.engine(0).submitter.step()
    await crew.fake.advance(200)
    await crew.engine(0).tracker.step()
    now = crew.fake.clock.now()
    [(claimed, _)] = await storage.tasks.claim_deliveries("alive", now=now, until=now + 300, limit=1)
    assert claimed.id == posting.id
    before = [await storage.tasks.get(task.id) for task in (sending, posting)]
    await crew.crash(0)  # engine 1 leads next, and recovers what is in flight
    await crew.crash(2)
    await crew.add(2)  # a process starting
    await crew.step_all()
    assert len(crew.leaders()) == 1
    assert [await storage.tasks.get(task.id) for task in (sending, posting)] == before
    assert crew.deliveries == {}
    assert sending.id not in crew.fake.creates_by_external_id
    # A callback moves its check to now: the leader still leaves it to its sender, and looks at its lease's end.
    await storage.tasks.update(sending.id, now=crew.fake.clock.now(), next_poll_at=crew.fake.clock.now())
    requests = len(crew.fake.requests)
    (leader,) = crew.leaders()
    assert await crew.engine(leader).tracker.step() == before[0].lease_until  # type: ignore[union-attr]
    assert len(crew.fake.requests) == requests


async def test_provider_requests_per_task_do_not_grow_with_engines(
    session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """The same thirty tasks with one engine and with three: about the same provider requests per task."""
    per_task = []
    for size in (1, 3):
        async with FakeKling(api_key=API_KEY, processing_after=5.0, finish_after=90.0) as fake:
            async with fresh_postgres_database() as url:
                crew = await Crew(fake, session, tmp_path / str(size), url, size=size).start()
                try:
                    tasks = await crew.submit(30)
                    await crew.run_until_delivered(tasks, step=5.0, rounds=400)
                finally:
                    await crew.close()
            api = [path for _, path in fake.requests if "/results/" not in path]
            per_task.append(len(api) / 30)
    assert per_task[1] <= per_task[0] * 1.1, per_task


async def test_an_alert_goes_out_once_from_two_engines(
    fake: FakeKling, session: aiohttp.ClientSession, tmp_path: Path, database: str
) -> None:
    """Two engines refuse requests against a used-up server budget at the same moment: one alert, not one each."""
    budget = QuotaSettings(_env_file=None, user_daily_units=None, user_max_active=None, guild_daily_units=0.5)
    crew = await Crew(fake, session, tmp_path, database, size=2, quota=budget).start()

    async def refused(i: int) -> None:
        with pytest.raises(QuotaExceededError):
            await crew.members[i % 2].submit(REQUEST, user=i + 1)

    try:
        await asyncio.gather(*(refused(i) for i in range(10)))
        await asyncio.sleep(0.3)  # alerts go out in the background
    finally:
        await crew.close()
    assert [(alert.limit, alert.threshold) for alert in crew.alerts.budgets] == [("guild_daily_units", 100)]


async def test_a_request_wakes_the_leaders_submitter_in_another_process(
    session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """The loops run; a request taken by the engine that does not lead is sent by the leader at once, not after
    the leader's idle wait (30 s): LISTEN/NOTIFY carried the wake-up. Its post follows the same way."""
    async with (
        FakeKling(
            api_key=API_KEY, clock=SystemClock(), auto_advance=True, processing_after=0.05, finish_after=0.3
        ) as fake,
        fresh_postgres_database() as url,
    ):
        crew = await Crew(fake, session, tmp_path, url, size=2).start()
        try:
            for engine in crew.engines:
                await engine.start()
            await asyncio.sleep(0.3)  # every loop has run once and sleeps (the leader's submitter: 30 s)
            assert crew.leaders() == [0]
            task = await crew.members[1].submit(REQUEST)
            for _ in range(50):
                if crew.fake.creates_by_external_id.get(task.id):
                    break
                await asyncio.sleep(0.05)
            assert crew.fake.creates_by_external_id == {task.id: 1}
        finally:
            for engine in crew.engines:
                await engine.stop()
            await crew.close()


async def test_a_post_longer_than_the_lease_keeps_it(session: aiohttp.ClientSession, tmp_path: Path) -> None:
    """A one-second lease, a post that takes two and a half: renewed meanwhile, so the other engine, stepping all
    along, never takes the delivery over, and the result is posted once."""
    short = EngineSettings(_env_file=None, download_allow_loopback=True, lease_seconds=1)
    async with (
        FakeKling(
            api_key=API_KEY, clock=SystemClock(), auto_advance=True, processing_after=0.05, finish_after=0.2
        ) as fake,
        fresh_postgres_database() as url,
    ):
        crew = await Crew(fake, session, tmp_path, url, size=2, engine_settings=short).start()
        try:
            (task,) = await crew.submit(1)
            storage = crew.members[0].storage
            assert storage is not None
            for _ in range(50):
                await crew.engine(0).submitter.step()
                await storage.tasks.update(task.id, now=fake.clock.now(), next_poll_at=fake.clock.now())  # look now
                await crew.engine(0).tracker.step()
                if (await crew.members[0].task(task.id)).state is TaskState.SUCCEEDED:
                    break
                await asyncio.sleep(0.1)
            crew.post_seconds = 2.5
            posting = asyncio.create_task(crew.engine(0).deliverer.step())
            for _ in range(15):
                await asyncio.sleep(0.2)
                await crew.engine(1).deliverer.step()
            await posting
            assert crew.deliveries == {task.id: 1}
            assert crew.by[1] == {}
            assert (await crew.members[1].task(task.id)).state is TaskState.DELIVERED
        finally:
            await crew.close()
