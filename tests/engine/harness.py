"""An engine wired to the fake Kling server, a real database (SQLite or PostgreSQL) and a recording delivery port."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import aiohttp
from pydantic import SecretStr

from bot.disk import DiskGuard
from bot.engine import BudgetAlert, Engine, OperatorNotice, Submission
from bot.engine.download import Downloader, DownloadPolicy
from bot.engine.inputs import InputStore
from bot.engine.ports import DeliveryError, DeliveryReceipt
from bot.engine.results import ResultArchive
from bot.kling.client import KlingClient
from bot.kling.models import TaskRequest
from bot.metrics import Metrics
from bot.settings import EngineSettings, QuotaSettings
from bot.vocabulary import TaskState
from db import Storage, open_storage
from db.models import TaskRecord
from tests.conftest import make_client
from tests.fake_kling import FakeKling

GUILD, CHANNEL = 1000, 2000


class SimulatedCrash(BaseException):
    """Stands for the process dying mid-step: nothing after it runs, nothing catches it."""


@dataclass
class RecordingPort:
    """A delivery port that remembers what it posted, like a channel would. Survives engine restarts."""

    posted: dict[str, DeliveryReceipt] = field(default_factory=dict)
    deliveries: Counter[str] = field(default_factory=Counter)
    files: dict[str, tuple[str, ...]] = field(default_factory=dict)
    failures: list[DeliveryError] = field(default_factory=list)
    crash_after_post: bool = False
    updates: list[tuple[str, TaskState]] = field(default_factory=list)
    # Run by the port as it hears a change or is asked to post: a test's way into the engine's step.
    on_update: Callable[[TaskRecord], Awaitable[None]] | None = None
    on_deliver: Callable[[TaskRecord], Awaitable[None]] | None = None

    async def deliver(self, task: TaskRecord) -> DeliveryReceipt:
        if self.on_deliver is not None:
            await self.on_deliver(task)
        if self.failures:
            raise self.failures.pop(0)
        receipt = DeliveryReceipt(message_id=len(self.posted) + 1, channel_id=task.channel_id)
        self.posted[task.id] = receipt
        self.deliveries[task.id] += 1
        self.files[task.id] = task.archived_paths
        if self.crash_after_post:
            self.crash_after_post = False
            raise SimulatedCrash
        return receipt

    async def find_delivery(self, task: TaskRecord) -> DeliveryReceipt | None:
        return self.posted.get(task.id)

    async def task_updated(self, task: TaskRecord) -> None:
        self.updates.append((task.id, task.state))
        if self.on_update is not None:
            await self.on_update(task)


@dataclass
class RecordingAlerts:
    """An alert sink that remembers what it was told."""

    budgets: list[BudgetAlert] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    async def budget_alert(self, alert: BudgetAlert) -> bool:
        self.budgets.append(alert)
        return True

    async def operator_notice(self, notice: OperatorNotice) -> bool:
        self.notices.append(notice.text)
        return True


@dataclass
class Harness:
    """Builds (and rebuilds, for restarts) an engine over the same database, files, fake and port."""

    fake: FakeKling
    session: aiohttp.ClientSession
    root: Path
    database_url: str | None = None  # None: a SQLite file under `root`; restarts reopen the same database
    port: RecordingPort = field(default_factory=RecordingPort)
    engine_settings: EngineSettings = field(default_factory=lambda: EngineSettings(_env_file=None))
    quota: QuotaSettings = field(default_factory=lambda: QuotaSettings(_env_file=None))
    callback_base: str | None = None
    webhook_secret: str | None = None
    allow_loopback: bool = True
    archive_retention: float = 30 * 86400.0
    disk: DiskGuard | None = None
    alerts: RecordingAlerts = field(default_factory=lambda: RecordingAlerts())
    metrics: Metrics = field(default_factory=Metrics)
    storage: Storage | None = None
    downloader: Downloader | None = None
    engine: Engine | None = None
    client: KlingClient | None = None

    async def start(self) -> Engine:
        """Open storage and build an engine (call again after `crash()` to restart)."""
        self.storage = await open_storage(self.database_url or f"sqlite:///{self.root / 'bot.db'}")
        self.downloader = Downloader(DownloadPolicy(allow_loopback=self.allow_loopback))
        await self.downloader.open()
        self.client = make_client(self.session, self.fake)
        self.engine = Engine(
            storage=self.storage,
            provider=self.client,
            port=self.port,
            inputs=InputStore(self.root / "inputs"),
            archive=ResultArchive(self.root / "archive", self.downloader),
            clock=self.fake.clock,
            settings=self.engine_settings,
            quota=self.quota,
            callback_base=self.callback_base,
            webhook_secret=SecretStr(self.webhook_secret) if self.webhook_secret else None,
            archive_retention=self.archive_retention,
            disk=self.disk,
            alerts=self.alerts,
            metrics=self.metrics,
        )
        await self.engine.recover()
        return self.engine

    async def crash(self) -> None:
        """Drop the engine without any shutdown step, as a killed process would."""
        assert self.storage is not None
        assert self.downloader is not None
        await self.storage.close()
        await self.downloader.close()
        self.engine = self.storage = self.downloader = None

    async def restart(self) -> Engine:
        """Crash, then start again from what is on disk."""
        await self.crash()
        return await self.start()

    async def submit(self, request: TaskRequest, *, user: int = 1, roles: tuple[int, ...] = ()) -> TaskRecord:
        assert self.engine is not None
        return await self.engine.submit(Submission(GUILD, CHANNEL, user, request, roles))

    async def task(self, task_id: str) -> TaskRecord:
        assert self.storage is not None
        record = await self.storage.tasks.get(task_id)
        assert record is not None
        return record

    async def ledger(self, task_id: str) -> dict[str, Decimal]:
        assert self.storage is not None
        return await self.storage.quotas.ledger(task_id)

    async def finish_all(self, seconds: float = 200.0) -> None:
        """Let the provider finish everything and the engine drain."""
        assert self.engine is not None
        await self.engine.drain()
        await self.fake.advance(seconds)
        await self.engine.drain()
