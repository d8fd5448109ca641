"""Archive a finished task's results on disk, since provider URLs die after 30 days."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Protocol

from db.models import TaskRecord

VIDEO_SUFFIX = ".mp4"
IMAGE_SUFFIX = ".png"


class ResultFetcher(Protocol):
    """Brings one result URL to a local file (the SSRF-guarded downloader; the simulator's own store)."""

    async def download(self, url: str, dest: Path) -> int:
        """Write the result at `url` to `dest`; return its size."""
        ...


class ResultArchive:
    """Downloads results into `<root>/<task id>/<n>.<ext>`."""

    def __init__(self, root: Path, downloader: ResultFetcher) -> None:
        self.root = root
        self._downloader = downloader

    async def discard(self, task: TaskRecord) -> None:
        """Delete a task's archived results and every copy made from them (`<root>/*/<task id>`)."""
        await asyncio.to_thread(self._discard, task.id)

    def _discard(self, task_id: str) -> None:
        for folder in (self.root / task_id, *self.root.glob(f"*/{task_id}")):
            shutil.rmtree(folder, ignore_errors=True)

    async def fetch(self, task: TaskRecord) -> tuple[str, ...]:
        """Download every result of `task` (skipping files already archived); return their paths."""
        suffix = VIDEO_SUFFIX if task.kind.makes_video else IMAGE_SUFFIX
        folder = self.root / task.id
        paths = []
        for index, url in enumerate(task.result_urls):
            path = folder / f"{index}{suffix}"
            if not path.exists():
                await self._downloader.download(url, path)
            paths.append(str(path))
        return tuple(paths)
