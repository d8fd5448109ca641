"""The task state machine: the only moves a task may make."""

from __future__ import annotations

from db.models import TaskState

S = TaskState

ALLOWED: dict[TaskState, frozenset[TaskState]] = {
    S.QUEUED: frozenset({S.SUBMITTING, S.FAILED}),
    # submitting -> queued when the provider refuses for capacity (1303, rate limit): nothing was created
    S.SUBMITTING: frozenset({S.SUBMITTED, S.PROCESSING, S.SUCCEEDED, S.FAILED, S.QUEUED}),
    S.SUBMITTED: frozenset({S.PROCESSING, S.SUCCEEDED, S.FAILED}),
    S.PROCESSING: frozenset({S.SUCCEEDED, S.FAILED}),
    S.SUCCEEDED: frozenset({S.DELIVERING}),
    S.FAILED: frozenset({S.DELIVERING}),
    S.DELIVERING: frozenset({S.DELIVERED, S.DELIVERY_FAILED}),
    S.DELIVERED: frozenset(),
    S.DELIVERY_FAILED: frozenset({S.DELIVERING}),  # an admin or the owner may retry delivery
}


def sources(target: TaskState) -> frozenset[TaskState]:
    """Return every state a task may move to `target` from."""
    return frozenset(state for state, targets in ALLOWED.items() if target in targets)


def can_move(source: TaskState, target: TaskState) -> bool:
    """Return True if the state machine allows `source` -> `target`."""
    return target in ALLOWED[source]
