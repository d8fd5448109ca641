"""Where a task stands and how long it has left, from the learned generation times (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.vocabulary import TaskState
from db.models import TaskRecord

AT_PROVIDER = (TaskState.SUBMITTED, TaskState.PROCESSING)


@dataclass(frozen=True)
class Progress:
    """A task's place in the queue (1 = next) and when it should be finished (Unix seconds), where known."""

    queue_position: int | None
    finish_at: float | None
    seconds_left: float | None  # negative once it is overdue


def estimate(task: TaskRecord, position: int | None, *, expected: float, concurrency: int, now: float) -> Progress:
    """Return the task's progress: a waiting task waits its place × `expected` / `concurrency`, then runs.

    `expected` is how long a task like this takes at the provider; `concurrency` how many run there at once.
    """
    if task.state is TaskState.QUEUED:
        finish = now + (position or 1) * expected / max(concurrency, 1) + expected
    elif task.state is TaskState.SUBMITTING:
        finish = now + expected
    elif task.state in AT_PROVIDER:
        started = task.submitted_at if task.submitted_at is not None else now
        finish = task.expected_at if task.expected_at is not None else started + expected
    else:
        return Progress(position, None, None)
    return Progress(position, finish, finish - now)
