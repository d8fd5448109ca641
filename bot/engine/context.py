"""What every engine part shares: storage, the provider client, files, time, settings and wake-ups."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.engine.clock import Clock
from bot.engine.inputs import InputStore
from bot.engine.ports import DeliveryPort
from bot.engine.results import ResultArchive
from bot.kling.provider import ProviderClient
from bot.metrics import Metrics
from bot.settings import EngineSettings
from db import Storage
from db.models import TaskRecord

log = logging.getLogger(__name__)


def _nothing() -> None:
    return None


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
    wake_submitter: Callable[[], None] = field(default=_nothing)
    wake_tracker: Callable[[], None] = field(default=_nothing)
    wake_deliverer: Callable[[], None] = field(default=_nothing)

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
