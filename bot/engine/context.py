"""What every engine part shares: storage, the provider client, files, time, settings and wake-ups.

Private to the engine: nothing outside `bot/engine/` reads it; callers use `Engine`'s methods.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Callable
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

    def get(self, name: str) -> asyncio.Event | None:
        """Return the event of the loop called `name` ("submitter", "tracker", "deliverer"), if there is one."""
        return {"submitter": self.submitter, "tracker": self.tracker, "deliverer": self.deliverer}.get(name)


def process_name() -> str:
    """Return a name for this engine that no other running one has: host, process id and a random part."""
    return f"{socket.gethostname()}/{os.getpid()}/{secrets.token_hex(3)}"


def _alone(_loop: str) -> None:
    """Tell no other process: the default, for a process alone on its database."""


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
    owner: str = field(default_factory=process_name)  # whose leases this engine's are
    announce: Callable[[str], None] = _alone  # wakes the loop of that name in the other processes, too
    expected: ExpectedTimes = field(init=False)

    def __post_init__(self) -> None:
        self.expected = ExpectedTimes(self.client.expected_seconds)

    def expected_seconds(self, task: TaskRecord) -> float:
        """Return how long `task` is expected to take at the provider (learned, else the provider's figure)."""
        return self.expected.seconds(task.kind, task.params)

    @property
    def leading(self) -> bool:
        """Return True while this process runs the provider-facing loops (always, alone on SQLite)."""
        return self.storage.coordination.leading

    def wake_submitter(self) -> None:
        """A queued task may be able to start (in whichever process leads)."""
        self.wakes.submitter.set()
        self.announce("submitter")

    def wake_tracker(self) -> None:
        """A task's next check moved earlier (in whichever process leads)."""
        self.wakes.tracker.set()
        self.announce("tracker")

    def wake_deliverer(self) -> None:
        """A task finished and waits to be posted (by any process)."""
        self.wakes.deliverer.set()
        self.announce("deliverer")

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
