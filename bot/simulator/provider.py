"""A provider that needs no Kling account: same requests, a short wait, real MP4s and PNGs made locally.

It is a full `ProviderClient`: the engine and the commands can't tell it from Kling. Tasks live on disk
(one folder each), so a restart loses nothing. Results are fetched from its own store (`download`).

Every video it makes has an id unique to it, "<task id>-<index>" (the first video of task `abc…` is
`abc…-0`), the way Kling names `task_result.videos[].id`. Lip sync names its source video by that id: the
simulator finds it among its own finished tasks at `create`, and refuses, as Kling's identify-face would,
an id it never made or one over 30 days old (`VideoUnavailableError`), and a source whose prompt says
"[noface]" (`NoFaceError`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import av

from bot.kling.balance import AccountBalance
from bot.kling.catalogue import Catalogue
from bot.kling.errors import NoFaceError, TaskNotFoundError, VideoUnavailableError
from bot.kling.faces import sound_window
from bot.kling.models import (
    FaceChoice,
    ImageResult,
    KlingTask,
    LipSyncRequest,
    TaskRequest,
    TaskStatus,
    VideoResult,
)
from bot.kling.provider import PreparedRequest, prepare_request
from bot.settings import Provider
from bot.simulator._output import replace_atomically
from bot.simulator.jobs import AUDIO_FILE, SOURCE_FILE, describe, render, seconds_of
from bot.vocabulary import TaskKind

log = logging.getLogger(__name__)

URL = re.compile(r"^simulator://results/(?P<task>[0-9a-f]{32})/(?P<name>[0-9]\.(?:mp4|png))$")
VIDEO_ID = re.compile(r"^(?P<task>[0-9a-f]{32})-(?P<index>[0-9])$")
TASK_ID = re.compile(r"[0-9a-f]{32}")
NO_FACE_MARK = "[noface]"  # put it in a prompt to see lip sync refuse the video it makes
DAY_SECONDS = 86_400


class SimulatedProvider:
    """Makes every kind of task locally after `seconds`, so admins can try every command for free."""

    provider: Provider = "simulator"
    base_url = "simulator://local"

    def __init__(
        self, root: Path, catalogue: Catalogue, *, seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.catalogue = catalogue
        self._root = root
        self._seconds = seconds
        self._clock = clock
        self.last_success_at: float | None = None
        self.server_time_offset: float | None = None
        self._locks: dict[str, threading.Lock] = {}  # one per task folder, held while it renders

    @property
    def sends_callbacks(self) -> bool:
        """The simulator is polled; it calls nobody."""
        return False

    def prepare(self, request: TaskRequest) -> PreparedRequest:
        """Validate and price exactly as for the official API."""
        return prepare_request(request, self.provider, self.catalogue)

    def expected_seconds(self, kind: str, params: dict[str, Any]) -> float:
        """Return the configured generation time."""
        return self._seconds

    async def create(
        self, request: TaskRequest, *, external_task_id: str, callback_url: str | None = None
    ) -> KlingTask:
        """Store the request; generation happens when it is looked at after `seconds`."""
        prepared = self.prepare(request)
        existing = await self.find(prepared.request.kind, external_task_id)
        if existing is not None:
            return existing
        ready = prepared.request
        source = None
        if isinstance(ready, LipSyncRequest):  # Kling's identify-face: refuses before any task exists
            source, face = await asyncio.to_thread(self._identify_face, ready)
            ready = ready.model_copy(update={"face": face})
        task_id = uuid.uuid4().hex
        await asyncio.to_thread(self._store, task_id, external_task_id, ready, source)
        log.info("Simulator: task %s accepted (%s)", task_id, ready.kind.value)
        return await self.get(ready.kind, task_id)

    async def get(self, kind: TaskKind, task_id: str) -> KlingTask:
        """Return the task (by its id or our external id), generating its results once it is due."""
        self.last_success_at = self._clock()
        folder = await asyncio.to_thread(self._folder_of, task_id)
        if folder is None:
            raise TaskNotFoundError(f"Simulator has no task {task_id}", code=1201)
        meta = await asyncio.to_thread(self._meta_when_due, folder)
        return _task_of(meta)

    async def find(self, kind: TaskKind, external_task_id: str) -> KlingTask | None:
        """Return the task with this external id, or None."""
        try:
            return await self.get(kind, external_task_id)
        except TaskNotFoundError:
            return None

    async def get_many(self, kind: TaskKind, task_ids: Collection[str]) -> dict[str, KlingTask]:
        """Return every known task of `task_ids`."""
        found = {}
        for task_id in task_ids:
            task = await self.find(kind, task_id)
            if task is not None:
                found[task.task_id] = task
        return found

    async def balance(self) -> AccountBalance | None:
        """Return None: the simulator costs nothing and has no account."""
        return None

    async def probe(self) -> None:
        """Always fine: there is no account to check."""
        self.last_success_at = self._clock()

    async def download(self, url: str, dest: Path) -> int:
        """Copy a result out of the simulator's store (only URLs it issued)."""
        match = URL.match(url)
        source = self._root / "tasks" / match["task"] / match["name"] if match else None
        if source is None or not source.exists():
            raise FileNotFoundError(f"Not a simulator result: {url}")
        return await asyncio.to_thread(_copy, source, dest)

    def _folder_of(self, task_id: str) -> Path | None:
        direct = self._root / "tasks" / task_id
        if TASK_ID.fullmatch(task_id) and direct.exists():
            return direct
        alias = self._root / "external" / re.sub(r"[^A-Za-z0-9-]", "_", task_id)
        return self._root / "tasks" / alias.read_text().strip() if alias.exists() else None

    def _meta_when_due(self, folder: Path) -> dict[str, Any]:
        """Return the task's record, rendering its results first if it is due and not yet done.

        A task renders once: a second caller (a poll racing a lip sync's identify-face) waits, then reads it done.
        """
        with self._locks.setdefault(folder.name, threading.Lock()):
            meta: dict[str, Any] = json.loads((folder / "task.json").read_text())
            if meta["status"] == "submitted" and self._clock() - meta["created_at"] >= self._seconds:
                self._generate(folder, meta)
        return meta

    def _identify_face(self, request: LipSyncRequest) -> tuple[Path, FaceChoice]:
        """Find the video `request` names among this simulator's finished tasks, as identify-face would."""
        match = VIDEO_ID.match(request.video_id)
        folder = self._root / "tasks" / match["task"] if match else None
        if match is None or folder is None or not (folder / "task.json").exists():
            raise VideoUnavailableError(
                "The simulator never made that video (or its files were deleted), so it can't be lip-synced."
            )
        meta = self._meta_when_due(folder)
        name = f"{match['index']}.mp4"
        if meta["status"] == "submitted":
            raise VideoUnavailableError("That video isn't finished, so it can't be lip-synced yet.")
        if name not in meta["results"]:
            raise VideoUnavailableError(
                "The simulator never made that video (its task failed), so it can't be lip-synced."
            )
        max_age = self.catalogue.lip_sync.video_max_age_days
        if self._clock() - meta["created_at"] > max_age * DAY_SECONDS:
            raise VideoUnavailableError(
                f"That video is more than {max_age} days old; Kling keeps results for {max_age} days, so it can't "
                "be lip-synced any more."
            )
        if NO_FACE_MARK in _text_of(meta["request"]).lower():
            raise NoFaceError("Kling found no face in that video, so there is nothing to lip-sync.")
        source = folder / name
        seconds = meta.get("seconds", {}).get(name) or seconds_of(source)
        face = sound_window(request, uuid.uuid4().hex, "0", 0, round(seconds * 1000))
        return source, face

    def _store(self, task_id: str, external_task_id: str, request: TaskRequest, source: Path | None) -> None:
        folder = self._root / "tasks" / task_id
        folder.mkdir(parents=True)
        for index, (_, data) in enumerate(request.images()):
            (folder / f"input-{index}.bin").write_bytes(data)
        if isinstance(request, LipSyncRequest) and source is not None:
            shutil.copyfile(source, folder / SOURCE_FILE)  # Kling takes the video at create, too
            (folder / AUDIO_FILE).write_bytes(request.audio)
        meta: dict[str, Any] = {
            "task_id": task_id,
            "external_task_id": external_task_id,
            "kind": request.kind.value,
            "created_at": self._clock(),
            "status": "submitted",
            "request": describe(request, self.catalogue),
            "results": [],
        }
        _write_meta(folder, meta)
        alias = self._root / "external" / re.sub(r"[^A-Za-z0-9-]", "_", external_task_id)
        alias.parent.mkdir(parents=True, exist_ok=True)
        alias.write_text(task_id)

    def _generate(self, folder: Path, meta: dict[str, Any]) -> None:
        try:
            paths = render(TaskKind(meta["kind"]), meta["request"], folder)
        except (ValueError, av.error.FFmpegError) as exc:  # e.g. a sound file that passed the checks but won't decode
            log.warning("Simulator: task %s could not be rendered: %s", meta["task_id"], exc)
            meta["status"] = "failed"
            meta["failure_reason"] = f"The simulator could not make this: {exc}"
        else:
            meta["status"] = "succeeded"
            meta["results"] = [path.name for path in paths]
            meta["seconds"] = {path.name: seconds_of(path) for path in paths if path.suffix == ".mp4"}
        _write_meta(folder, meta)


def _write_meta(folder: Path, meta: dict[str, Any]) -> None:
    """Replace the task's record whole, so a reader in another thread never sees half of it."""
    text = json.dumps(meta)

    def write(temp: Path) -> None:
        temp.write_text(text)

    replace_atomically(folder / "task.json", write)


def _copy(source: Path, dest: Path) -> int:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)
    return dest.stat().st_size


def _text_of(spec: dict[str, Any]) -> str:
    """Return all the words a task was asked for: its prompt and its storyboard shots."""
    shots = spec.get("shots") or []
    return " ".join([spec.get("prompt", ""), *(str(text) for text, _ in shots)])


def video_id(task_id: str, index: int) -> str:
    """Return the id of a task's `index`-th video: unique across every task, and stable across restarts."""
    return f"{task_id}-{index}"


def _task_of(meta: dict[str, Any]) -> KlingTask:
    status = {"succeeded": TaskStatus.SUCCEEDED, "failed": TaskStatus.FAILED}.get(meta["status"], TaskStatus.SUBMITTED)
    base = f"simulator://results/{meta['task_id']}"
    seconds: dict[str, float] = meta.get("seconds", {})
    names: list[str] = meta["results"]
    videos = tuple(
        VideoResult(id=video_id(meta["task_id"], _index(name)), url=f"{base}/{name}", duration=seconds.get(name))
        for name in names
        if name.endswith(".mp4")
    )
    images = tuple(ImageResult(index=_index(name), url=f"{base}/{name}") for name in names if name.endswith(".png"))
    return KlingTask(
        task_id=meta["task_id"],
        external_task_id=meta["external_task_id"],
        status=status,
        failure_reason=meta.get("failure_reason"),
        videos=videos,
        images=images,
    )


def _index(name: str) -> int:
    return int(name.partition(".")[0])
