"""What the engine needs from the layer that shows tasks to people (Discord, in the bot)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from db.models import TaskRecord


class DeliveryError(Exception):
    """A delivery attempt failed; `transient` says whether trying again later may help."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class DeliveryReceipt:
    """Where a finished task was posted."""

    message_id: int | None
    channel_id: int | None = None


class DeliveryPort(Protocol):
    """Shows finished tasks to their requester, exactly once per task id.

    `deliver` must be safe to call again for a task whose earlier call may have succeeded
    (the engine asks `find_delivery` first after a crash or an error, but a port should still
    make its post idempotent by task id where it can).
    """

    async def deliver(self, task: TaskRecord) -> DeliveryReceipt:
        """Post the finished task (result files in `task.archived_paths`, or its failure reason)."""
        ...

    async def find_delivery(self, task: TaskRecord) -> DeliveryReceipt | None:
        """Return the earlier delivery of this task, if one reached the user."""
        ...

    async def task_updated(self, task: TaskRecord) -> None:
        """Hear about a state change (queue position, progress); best effort, may be throttled."""
        ...
