"""What the engine needs from the layer that shows tasks to people (Discord, in the bot)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
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


@dataclass(frozen=True)
class BudgetAlert:
    """A budget crossed 80 % or 100 % of its limit: for a server's admins (guild_id set) or the operators."""

    limit: str  # the LimitKind value, e.g. "guild_daily_units" or "bot_monthly_budget"
    guild_id: int | None
    used: Decimal
    allowed: Decimal
    threshold: int  # percent: 80 or 100


@dataclass(frozen=True)
class OperatorNotice:
    """Something only the operators can fix (the provider account is low or out of credit)."""

    text: str


class AlertSink(Protocol):
    """Tells people about budgets and the account; best effort, never in the engine's way."""

    async def budget_alert(self, alert: BudgetAlert) -> bool:
        """Tell a server's admins (or, for the bot's own budgets, the operators); return whether anyone was told."""
        ...

    async def operator_notice(self, notice: OperatorNotice) -> bool:
        """Tell the operators; return whether anyone was told."""
        ...


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
