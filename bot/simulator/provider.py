"""A provider that needs no Kling account: same requests, a short wait, real MP4s and PNGs made locally.

It is a full `ProviderClient`: the engine and the commands can't tell it from Kling. Tasks live on disk
(one folder each), so a restart loses nothing. Results are fetched from its own store (`download`).
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import shutil
import time
import uuid
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from PIL import Image

from bot.kling.balance import AccountBalance
from bot.kling.catalogue import Catalogue
from bot.kling.errors import TaskNotFoundError
from bot.kling.models import ImageResult, KlingTask, MultiImageToImageRequest, TaskRequest, TaskStatus, VideoResult
from bot.kling.provider import PreparedRequest, prepare_request
from bot.settings import Provider
from bot.simulator.render import render_images, render_video
from bot.vocabulary import TaskKind

log = logging.getLogger(__name__)

URL = re.compile(r"^simulator://results/(?P<task>[0-9a-f]{32})/(?P<name>[0-9]\.(?:mp4|png))$")


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
        task_id = uuid.uuid4().hex
        await asyncio.to_thread(self._store, task_id, external_task_id, prepared.request)
        log.info("Simulator: task %s accepted (%s)", task_id, prepared.request.kind.value)
        return await self.get(prepared.request.kind, task_id)

    async def get(self, kind: TaskKind, task_id: str) -> KlingTask:
        """Return the task (by its id or our external id), generating its results once it is due."""
        self.last_success_at = self._clock()
        folder = await asyncio.to_thread(self._folder_of, task_id)
        if folder is None:
            raise TaskNotFoundError(f"Simulator has no task {task_id}", code=1201)
        meta: dict[str, Any] = json.loads(await asyncio.to_thread((folder / "task.json").read_text))
        if meta["status"] != "succeeded" and self._clock() - meta["created_at"] >= self._seconds:
            await asyncio.to_thread(self._generate, folder, meta)
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
        if re.fullmatch(r"[0-9a-f]{32}", task_id) and direct.exists():
            return direct
        alias = self._root / "external" / re.sub(r"[^A-Za-z0-9-]", "_", task_id)
        return self._root / "tasks" / alias.read_text().strip() if alias.exists() else None

    def _store(self, task_id: str, external_task_id: str, request: TaskRequest) -> None:
        folder = self._root / "tasks" / task_id
        folder.mkdir(parents=True)
        for index, (_, data) in enumerate(request.images()):
            (folder / f"input-{index}.bin").write_bytes(data)
        meta: dict[str, Any] = {
            "task_id": task_id,
            "external_task_id": external_task_id,
            "kind": request.kind.value,
            "created_at": self._clock(),
            "status": "submitted",
            "request": _describe(request),
            "results": [],
        }
        (folder / "task.json").write_text(json.dumps(meta))
        alias = self._root / "external" / re.sub(r"[^A-Za-z0-9-]", "_", external_task_id)
        alias.parent.mkdir(parents=True, exist_ok=True)
        alias.write_text(task_id)

    def _generate(self, folder: Path, meta: dict[str, Any]) -> None:
        spec = meta["request"]
        inputs = [path.read_bytes() for path in sorted(folder.glob("input-*.bin"))]
        if meta["kind"] == TaskKind.MULTI_IMAGE_TO_IMAGE:
            subjects = inputs[: spec["subjects"]]
            rest = inputs[spec["subjects"] :]
            scene = rest.pop(0) if spec["scene"] else None
            style = rest.pop(0) if spec["style"] else None
            paths = render_images(
                subjects,
                scene,
                style,
                spec["prompt"],
                count=spec["n"],
                aspect_ratio=spec["aspect_ratio"],
                dest_dir=folder,
            )
        else:
            ratio = spec["aspect_ratio"] or _nearest_ratio(inputs[0])
            video = render_video(
                inputs, spec["prompt"], seconds=int(spec["duration"]), aspect_ratio=ratio, dest=folder / "0.mp4"
            )
            paths = [video]
        meta["status"] = "succeeded"
        meta["results"] = [path.name for path in paths]
        (folder / "task.json").write_text(json.dumps(meta))


def _copy(source: Path, dest: Path) -> int:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)
    return dest.stat().st_size


def _describe(request: TaskRequest) -> dict[str, Any]:
    """Keep what rendering needs (the images are stored beside it)."""
    spec: dict[str, Any] = {"prompt": request.prompt}
    if isinstance(request, MultiImageToImageRequest):
        spec.update(subjects=len(request.subjects), scene=request.scene is not None, style=request.style is not None)
        spec.update(n=request.n, aspect_ratio=request.aspect_ratio)
        return spec
    spec["duration"] = request.duration
    spec["aspect_ratio"] = getattr(request, "aspect_ratio", None)  # image to video keeps the image's shape
    return spec


def _nearest_ratio(image: bytes) -> str:
    with Image.open(io.BytesIO(image)) as opened:
        width, height = opened.size
    shape = width / height
    return "16:9" if shape > 1.3 else "9:16" if shape < 0.77 else "1:1"


def _task_of(meta: dict[str, Any]) -> KlingTask:
    done = meta["status"] == "succeeded"
    base = f"simulator://results/{meta['task_id']}"
    videos = tuple(VideoResult(id=name, url=f"{base}/{name}") for name in meta["results"] if name.endswith(".mp4"))
    images = tuple(
        ImageResult(index=i, url=f"{base}/{name}") for i, name in enumerate(meta["results"]) if name.endswith(".png")
    )
    return KlingTask(
        task_id=meta["task_id"],
        external_task_id=meta["external_task_id"],
        status=TaskStatus.SUCCEEDED if done else TaskStatus.SUBMITTED,
        videos=videos,
        images=images,
    )
