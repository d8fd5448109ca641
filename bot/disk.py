"""Free disk space: below the operator's floor, new requests are refused and `/healthz` says why."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

MEGABYTE = 1024 * 1024


class LowDiskError(Exception):
    """The data folder is below its free-space floor: no new request is taken until room is made."""


class DiskGuard:
    """Watches the folders the bot writes results and inputs to."""

    def __init__(self, folders: Iterable[Path], floor_bytes: int) -> None:
        self._folders = tuple(folders)
        self.floor_bytes = floor_bytes

    def free_bytes(self) -> int:
        """Return the free space of the fullest of the watched folders (the nearest existing parent of each)."""
        return min(shutil.disk_usage(_existing(folder)).free for folder in self._folders)

    def problem(self) -> str | None:
        """Return why new work can't be stored, or None."""
        if self.floor_bytes <= 0:
            return None
        free = self.free_bytes()
        if free >= self.floor_bytes:
            return None
        return f"{free / MEGABYTE:.0f} MB free, below the {self.floor_bytes / MEGABYTE:.0f} MB floor"

    def check(self) -> None:
        """Raise `LowDiskError` when below the floor."""
        problem = self.problem()
        if problem is not None:
            raise LowDiskError(problem)


def _existing(folder: Path) -> Path:
    for candidate in (folder, *folder.resolve().parents):
        if candidate.exists():
            return candidate
    return Path("/")
