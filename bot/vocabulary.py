"""The words every layer shares: what a task makes, where it is in its life, how it ended.

This is the bottom of the import graph (storage imports it too), so it imports nothing of ours.
"""

from __future__ import annotations

from enum import StrEnum


class TaskKind(StrEnum):
    """What a task makes; the values are Kling's endpoint names."""

    IMAGE_TO_VIDEO = "image2video"
    MULTI_IMAGE_TO_VIDEO = "multi-image2video"
    TEXT_TO_VIDEO = "text2video"
    MULTI_IMAGE_TO_IMAGE = "multi-image2image"
    TEXT_TO_IMAGE = "generations"
    EFFECTS = "effects"
    LIP_SYNC = "advanced-lip-sync"
    TRY_ON = "kolors-virtual-try-on"

    @property
    def makes_video(self) -> bool:
        """Return True for the kinds whose result is a video."""
        return self not in _IMAGE_KINDS

    @property
    def family(self) -> str:
        """Return Kling's URL family for the kind: "videos" or "images"."""
        return "videos" if self.makes_video else "images"

    @property
    def label(self) -> str:
        """Return a short human name, for messages."""
        return _KIND_LABELS[self]


_IMAGE_KINDS = frozenset({TaskKind.MULTI_IMAGE_TO_IMAGE, TaskKind.TEXT_TO_IMAGE, TaskKind.TRY_ON})
_KIND_LABELS = {
    TaskKind.IMAGE_TO_VIDEO: "image → video",
    TaskKind.MULTI_IMAGE_TO_VIDEO: "images → video",
    TaskKind.TEXT_TO_VIDEO: "text → video",
    TaskKind.MULTI_IMAGE_TO_IMAGE: "subjects → image",
    TaskKind.TEXT_TO_IMAGE: "text → image",
    TaskKind.EFFECTS: "video effect",
    TaskKind.LIP_SYNC: "lip sync",
    TaskKind.TRY_ON: "virtual try-on",
}


class TaskState(StrEnum):
    """Where a task is in its life; `ALLOWED_MOVES` below is the only way it moves."""

    QUEUED = "queued"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"


_S = TaskState
# The state machine. Every transition is checked against it (db.tasks), so no code path can skip a step.
ALLOWED_MOVES: dict[TaskState, frozenset[TaskState]] = {
    _S.QUEUED: frozenset({_S.SUBMITTING, _S.FAILED}),
    # submitting -> queued when the provider refuses for capacity (1303, rate limit): nothing was created
    _S.SUBMITTING: frozenset({_S.SUBMITTED, _S.PROCESSING, _S.SUCCEEDED, _S.FAILED, _S.QUEUED}),
    _S.SUBMITTED: frozenset({_S.PROCESSING, _S.SUCCEEDED, _S.FAILED}),
    _S.PROCESSING: frozenset({_S.SUCCEEDED, _S.FAILED}),
    _S.SUCCEEDED: frozenset({_S.DELIVERING}),
    _S.FAILED: frozenset({_S.DELIVERING}),
    _S.DELIVERING: frozenset({_S.DELIVERED, _S.DELIVERY_FAILED}),
    _S.DELIVERED: frozenset(),
    _S.DELIVERY_FAILED: frozenset(),
}

ACTIVE_STATES = (TaskState.QUEUED, TaskState.SUBMITTING, TaskState.SUBMITTED, TaskState.PROCESSING)
IN_FLIGHT_STATES = (TaskState.SUBMITTING, TaskState.SUBMITTED, TaskState.PROCESSING)


class Outcome(StrEnum):
    """How a task ended (set together with the succeeded/failed state).

    Cancelled: stopped by its requester or an admin while it waited in the queue (state failed, refunded,
    never sent to the provider and never posted).
    """

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
