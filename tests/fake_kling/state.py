"""Tasks, their lifecycle on the fake clock, and the counters tests read."""

from __future__ import annotations

import collections
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .catalog import Kind, is_image
from .clock import Clock
from .errors import KlingError, bad_request
from .fields import Accepted
from .ids import new_numeric_id
from .lipsync import FaceSession
from .prices import format_units

log = logging.getLogger(__name__)

Status = Literal["submitted", "processing", "succeed", "failed"]
Outcome = Callable[["FakeTask"], "str | None"]
FinishAfter = float | Mapping[str, float] | Callable[[str], float]  # seconds; per kind; or drawn per task

DEFAULT_FINISH_AFTER = 60.0
FAIL_MARKER = "[fail]"
FAIL_REASON = "Failure to pass the risk control system"


@dataclass
class FakeTask:
    """One task as the fake stores it; `body` is the request as received."""

    task_id: str
    external_task_id: str | None
    kind: Kind
    body: dict[str, Any]
    model_name: str
    created_at: float
    updated_at: float
    processing_at: float
    finish_at: float
    seq: int
    status: Status = "submitted"
    callback_url: str = ""
    fail_reason: str = ""
    n_outputs: int = 1
    units: str = "0"
    price: float = 0.0  # units charged if the task succeeds
    seconds: float = 5.0  # length of the result video
    parent_video: dict[str, str] | None = None  # lip-sync: the video it was made from
    result_id: str = field(default_factory=new_numeric_id)
    results_ready: bool = True  # False: "succeed" is reported with an empty task_result (see results_delay)

    @property
    def active(self) -> bool:
        """Tell whether the task still holds concurrency slots."""
        return self.status in ("submitted", "processing")

    @property
    def slots(self) -> int:
        """Return how many concurrency slots the task holds while active."""
        return self.n_outputs if is_image(self.kind) else 1

    @property
    def prompt(self) -> str:
        """Return the prompt as sent, or "" when there was none."""
        prompt = self.body.get("prompt")
        return prompt if isinstance(prompt, str) else ""

    @property
    def duration_text(self) -> str:
        """Return the result video's length as Kling writes it: "5.041" for a 5 s clip."""
        if self.seconds == int(self.seconds):
            return f"{int(self.seconds)}.041"
        return f"{self.seconds:.3f}"


def default_outcome(task: FakeTask) -> str | None:
    """Fail tasks whose prompt contains "[fail]"; let the rest succeed."""
    return FAIL_REASON if FAIL_MARKER in task.prompt else None


class TaskStore:
    """All tasks of one fake, their transitions and the create counters."""

    def __init__(
        self,
        clock: Clock,
        processing_after: float,
        finish_after: FinishAfter,
        on_change: Callable[[FakeTask], None],
    ) -> None:
        self.clock = clock
        self.tasks: dict[str, FakeTask] = {}
        self.creates_by_external_id: collections.Counter[str] = collections.Counter()
        self.outcome: Outcome = default_outcome
        # Seconds after "succeed" during which task_result is still empty (inf: never filled), as seen in the wild.
        self.results_delay = 0.0
        # Tests mark a produced video (task_result.videos[].id) as showing no face: identify-face then finds none.
        self.faceless_videos: set[str] = set()
        # TTS audio ids advanced-lip-sync may use (the fake has no TTS endpoint), with their length in seconds.
        self.audio_ids: dict[str, float] = {}
        self.sessions: dict[str, FaceSession] = {}  # identify-face sessions by session_id
        self._processing_after = processing_after
        self._finish_after = finish_after
        self._on_change = on_change

    def finish_after(self, kind: Kind) -> float:
        """Return how long after creation a task of `kind` finishes."""
        if isinstance(self._finish_after, Mapping):
            return float(self._finish_after.get(kind, DEFAULT_FINISH_AFTER))
        if callable(self._finish_after):
            return float(self._finish_after(kind))
        return float(self._finish_after)

    def active_slots(self) -> int:
        """Return the slots held by submitted/processing tasks."""
        return sum(task.slots for task in self.tasks.values() if task.active)

    def check_create(self, external_task_id: str | None, slots: int, limit: int | None) -> None:
        """Raise the error a create would get for a duplicate id or a full pack."""
        if external_task_id and self.by_external_id(external_task_id) is not None:
            raise bad_request("external_task_id already exists", code=1201)
        if limit is not None and self.active_slots() + slots > limit:
            raise KlingError(429, 1303, "parallel task over resource pack limit")

    def create(self, kind: Kind, body: dict[str, Any], accepted: Accepted) -> FakeTask:
        """Store a new submitted task created now."""
        now = self.clock.now()
        finish_at = now + self.finish_after(kind)
        external = body.get("external_task_id") or None
        task = FakeTask(
            task_id=self._unused_id(),
            external_task_id=external,
            kind=kind,
            body=body,
            model_name=accepted.model_name,
            created_at=now,
            updated_at=now,
            processing_at=min(now + self._processing_after, finish_at),
            finish_at=finish_at,
            seq=len(self.tasks),
            callback_url=body.get("callback_url") or "",
            n_outputs=accepted.n_outputs,
            price=accepted.units,
            seconds=accepted.seconds,
            parent_video=accepted.parent_video,
        )
        self.tasks[task.task_id] = task
        if external:
            self.creates_by_external_id[external] += 1
        log.debug("created %s task %s (external %s)", kind, task.task_id, external)
        return task

    def find(self, kinds: Collection[Kind], ident: str, external: bool = True) -> FakeTask | None:
        """Return the task of one of `kinds` whose task_id (or, if `external`, external_task_id) is `ident`."""
        task = self.tasks.get(ident)
        if task is not None and task.kind in kinds:
            return task
        task = self.by_external_id(ident) if external else None
        return task if task is not None and task.kind in kinds else None

    def video_task(self, video_id: str) -> FakeTask | None:
        """Return the succeeded video task whose result video (task_result.videos[].id) is `video_id`."""
        for task in self.tasks.values():
            if task.result_id == video_id and task.status == "succeed" and not is_image(task.kind):
                return task
        return None

    def by_external_id(self, external_task_id: str) -> FakeTask | None:
        """Return the task created with this external_task_id, if any."""
        for task in self.tasks.values():
            if task.external_task_id == external_task_id:
                return task
        return None

    def page(self, kind: Kind, page_num: int, page_size: int) -> list[FakeTask]:
        """Return one page of tasks of `kind`, newest first."""
        tasks = sorted(
            (task for task in self.tasks.values() if task.kind == kind),
            key=lambda task: (task.created_at, task.seq),
            reverse=True,
        )
        start = (page_num - 1) * page_size
        return tasks[start : start + page_size]

    def progress(self, task: FakeTask) -> int:
        """Return a 0..100 progress estimate for the task on the fake clock."""
        if not task.active:
            return 100
        if task.status == "submitted":
            return 0
        span = max(task.finish_at - task.processing_at, 1e-9)
        done = (self.clock.now() - task.processing_at) / span
        return max(0, min(99, int(done * 100)))

    def apply_due(self) -> None:
        """Apply every transition that is due on the clock, oldest task first."""
        now = self.clock.now()
        for task in sorted(self.tasks.values(), key=lambda task: task.seq):
            if task.status == "submitted" and now >= task.processing_at:
                task.status = "processing"
                task.updated_at = task.processing_at
                self._on_change(task)
            if task.status == "processing" and now >= task.finish_at:
                self._finish(task)
                self._on_change(task)
            if task.status == "succeed" and not task.results_ready and now >= task.finish_at + self.results_delay:
                task.results_ready = True

    def _finish(self, task: FakeTask) -> None:
        reason = self.outcome(task)
        task.updated_at = task.finish_at
        if reason is None:
            task.status = "succeed"
            task.units = format_units(task.price)
            task.results_ready = self.results_delay <= 0
        else:
            task.status = "failed"
            task.fail_reason = reason
            task.units = "0"

    def _unused_id(self) -> str:
        while (task_id := new_numeric_id()) in self.tasks:
            pass
        return task_id
