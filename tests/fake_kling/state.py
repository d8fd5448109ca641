"""Tasks, their lifecycle on the fake clock, and the counters tests read."""

from __future__ import annotations

import collections
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .catalog import IMAGE_KIND, UNITS_PER_IMAGE, Kind, format_units, video_units
from .clock import Clock
from .errors import KlingError, bad_request

log = logging.getLogger(__name__)

Status = Literal["submitted", "processing", "succeed", "failed"]
Outcome = Callable[["FakeTask"], "str | None"]
FinishAfter = float | Mapping[str, float] | Callable[[str], float]  # seconds; per kind; or drawn per task

DEFAULT_FINISH_AFTER = 60.0
FAIL_MARKER = "[fail]"
FAIL_REASON = "Failure to pass the risk control system"


def new_numeric_id() -> str:
    """Return a random 18-19 digit numeric id, like Kling's task ids."""
    return str(10**17 + secrets.randbelow(10**19 - 10**17))


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
    result_id: str = field(default_factory=new_numeric_id)
    results_ready: bool = True  # False: "succeed" is reported with an empty task_result (see results_delay)

    @property
    def active(self) -> bool:
        """Tell whether the task still holds concurrency slots."""
        return self.status in ("submitted", "processing")

    @property
    def slots(self) -> int:
        """Return how many concurrency slots the task holds while active."""
        return self.n_outputs if self.kind == IMAGE_KIND else 1

    @property
    def prompt(self) -> str:
        """Return the prompt as sent, or "" when there was none."""
        prompt = self.body.get("prompt")
        return prompt if isinstance(prompt, str) else ""


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

    def create(self, kind: Kind, body: dict[str, Any], model_name: str, n_outputs: int) -> FakeTask:
        """Store a new submitted task created now."""
        now = self.clock.now()
        finish_at = now + self.finish_after(kind)
        external = body.get("external_task_id") or None
        task = FakeTask(
            task_id=self._unused_id(),
            external_task_id=external,
            kind=kind,
            body=body,
            model_name=model_name,
            created_at=now,
            updated_at=now,
            processing_at=min(now + self._processing_after, finish_at),
            finish_at=finish_at,
            seq=len(self.tasks),
            callback_url=body.get("callback_url") or "",
            n_outputs=n_outputs,
        )
        self.tasks[task.task_id] = task
        if external:
            self.creates_by_external_id[external] += 1
        log.debug("created %s task %s (external %s)", kind, task.task_id, external)
        return task

    def find(self, kind: Kind, ident: str) -> FakeTask | None:
        """Return the task of `kind` whose task_id or external_task_id is `ident`."""
        task = self.tasks.get(ident)
        if task is not None and task.kind == kind:
            return task
        task = self.by_external_id(ident)
        return task if task is not None and task.kind == kind else None

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
            task.units = format_units(_units(task))
            task.results_ready = self.results_delay <= 0
        else:
            task.status = "failed"
            task.fail_reason = reason
            task.units = "0"

    def _unused_id(self) -> str:
        while (task_id := new_numeric_id()) in self.tasks:
            pass
        return task_id


def _units(task: FakeTask) -> float:
    if task.kind == IMAGE_KIND:
        return float(UNITS_PER_IMAGE * task.n_outputs)
    mode = str(task.body.get("mode") or "std")
    duration = str(task.body.get("duration") or "5")
    return video_units(task.model_name, mode, duration)
