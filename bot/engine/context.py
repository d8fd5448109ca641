"""What every engine part shares: storage, the provider client, files, time, settings and wake-ups.

Private to the engine: nothing outside `bot/engine/` reads it; callers use `Engine`'s methods.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from bot.engine.clock import Clock
from bot.engine.expected import ExpectedTimes
from bot.engine.inputs import InputStore
from bot.engine.ports import DeliveryPort
from bot.engine.results import ResultArchive
from bot.kling.provider import ProviderClient
from bot.metrics import Metrics
from bot.settings import EngineSettings
from db import Storage
from db.models import TaskRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WakeUps:
    """One event per loop; setting it runs that loop's step again as soon as possible."""

    submitter: asyncio.Event = field(default_factory=asyncio.Event)
    tracker: asyncio.Event = field(default_factory=asyncio.Event)
    deliverer: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class EngineContext:
    """The engine's shared parts."""

    storage: Storage
    client: ProviderClient
    inputs: InputStore
    archive: ResultArchive
    port: DeliveryPort
    clock: Clock
    settings: EngineSettings
    callback_base: str | None = None
    metrics: Metrics = field(default_factory=Metrics)
    wakes: WakeUps = field(default_factory=WakeUps)
    expected: ExpectedTimes = field(init=False)

    def __post_init__(self) -> None:
        self.expected = ExpectedTimes(self.client.expected_seconds)

    def expected_seconds(self, task: TaskRecord) -> float:
        """Return how long `task` is expected to take at the provider (learned, else the provider's figure)."""
        return self.expected.seconds(task.kind, task.params)

    def wake_submitter(self) -> None:
        """A queued task may be able to start."""
        self.wakes.submitter.set()

    def wake_tracker(self) -> None:
        """A task's next check moved earlier."""
        self.wakes.tracker.set()

    def wake_deliverer(self) -> None:
        """A task finished and waits to be posted."""
        self.wakes.deliverer.set()

    @property
    def callbacks_on(self) -> bool:
        """Return True when the provider is asked to call back."""
        return self.callback_base is not None and self.client.sends_callbacks

    def callback_url(self, task: TaskRecord) -> str | None:
        """Return the unguessable per-task callback URL, or None when callbacks are off."""
        if not self.callbacks_on:
            return None
        return f"{self.callback_base}/callbacks/kling/{task.id}/{task.callback_token}"

    async def notify(self, task: TaskRecord | None) -> None:
        """Tell the port a task changed; its failures never reach the engine."""
        if task is None:
            return
        try:
            await self.port.task_updated(task)
        except Exception:
            log.exception("Status update for task %s failed", task.id)
