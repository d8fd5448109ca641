"""Several engines on one PostgreSQL database, as several processes would run: each with its own storage
(its own connections), all over the same fake Kling, the same files (a shared volume) and one recording
"Discord" that counts every post, whoever made it."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bot.engine import Engine
from bot.engine.ports import DeliveryReceipt
from bot.kling.models import TextToVideoRequest
from bot.settings import EngineSettings, QuotaSettings
from bot.vocabulary import TaskState
from db.models import TaskRecord
from tests.engine.harness import Harness, RecordingAlerts, RecordingPort
from tests.fake_kling import FakeKling

UNLIMITED = QuotaSettings(_env_file=None, user_daily_units=None, user_max_active=None, guild_daily_units=None)
REQUEST = TextToVideoRequest(prompt="a paper boat", mode="std", duration="5")


@dataclass
class Crew:
    """`size` engines sharing one database; `by[i]` counts the posts engine i made."""

    fake: FakeKling
    session: aiohttp.ClientSession
    root: Path
    database_url: str
    size: int = 3
    quota: QuotaSettings = UNLIMITED
    engine_settings: EngineSettings = field(
        default_factory=lambda: EngineSettings(_env_file=None, download_allow_loopback=True)
    )
    posted: dict[str, DeliveryReceipt] = field(default_factory=dict)
    deliveries: Counter[str] = field(default_factory=Counter)
    alerts: RecordingAlerts = field(default_factory=RecordingAlerts)
    members: list[Harness] = field(default_factory=list)
    by: list[Counter[str]] = field(default_factory=list)
    post_seconds: float = 0.0  # how long a post takes (others may claim meanwhile)

    async def start(self) -> Crew:
        """Start every engine, one after the other (the first to recover leads)."""
        for i in range(self.size):
            await self.add(i)
        return self

    async def add(self, i: int) -> Harness:
        """Start engine i (again, after `crash(i)`), as a process starting."""
        port = RecordingPort(posted=self.posted, deliveries=self.deliveries)
        while len(self.by) <= i:
            self.by.append(Counter())
        port.on_deliver = self._counter(i)
        member = Harness(
            fake=self.fake, session=self.session, root=self.root, database_url=self.database_url, port=port,
            engine_settings=self.engine_settings, quota=self.quota, alerts=self.alerts,
        )  # fmt: skip
        await member.start()
        if i < len(self.members):
            self.members[i] = member
        else:
            self.members.append(member)
        return member

    def _counter(self, i: int) -> Callable[[TaskRecord], Awaitable[None]]:
        async def count(task: TaskRecord) -> None:
            await asyncio.sleep(self.post_seconds)
            self.by[i][task.id] += 1

        return count

    @property
    def engines(self) -> list[Engine]:
        """Return the engines that run (crashed ones left out)."""
        return [member.engine for member in self.members if member.engine is not None]

    def engine(self, i: int) -> Engine:
        """Return engine i."""
        engine = self.members[i].engine
        assert engine is not None
        return engine

    def leaders(self) -> list[int]:
        """Return which engines lead now."""
        return [i for i, m in enumerate(self.members) if m.storage is not None and m.storage.coordination.leading]

    async def crash(self, i: int) -> None:
        """Drop engine i as a killed process: its connections go, and with them its leadership."""
        await self.members[i].crash()

    async def submit(self, count: int) -> list[TaskRecord]:
        """Submit `count` requests, each from its own member, spread over the engines (as over gateways)."""
        engines = self.engines
        return [await self.members[i % len(engines)].submit(REQUEST, user=i + 1) for i in range(count)]

    async def step_all(self) -> None:
        """Run one step of every loop of every engine, all at once."""
        await asyncio.gather(*(engine.run_due() for engine in self.engines))

    async def run_until_delivered(self, tasks: list[TaskRecord], *, step: float = 30.0, rounds: int = 60) -> None:
        """Step every engine, moving the provider's clock on, until every task is delivered."""
        storage = self.members[0].storage or next(m.storage for m in self.members if m.storage is not None)
        assert storage is not None
        for _ in range(rounds):
            await self.step_all()
            states = {(await storage.tasks.get(task.id)).state for task in tasks}  # type: ignore[union-attr]
            if states == {TaskState.DELIVERED}:
                return
            await self.fake.advance(step)
        raise AssertionError(f"not all delivered after {rounds} rounds: {states}")

    async def close(self) -> None:
        """Stop every engine still running."""
        for member in self.members:
            if member.storage is not None:
                await member.crash()
