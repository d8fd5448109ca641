"""Input images kept on disk by content hash, so queued tasks survive restarts and Retry can reuse them."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)


class InputStore:
    """A content-addressed folder of input images: `<sha256>.bin`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    async def put(self, data: bytes) -> str:
        """Store `data` (once, however often it is put) and return its SHA-256."""
        return await asyncio.to_thread(self._put, data)

    async def get(self, sha256: str) -> bytes:
        """Return the image stored under `sha256` (FileNotFoundError once pruned)."""
        return await asyncio.to_thread(self._path(sha256).read_bytes)

    async def prune(self, older_than: float, keep: set[str]) -> int:
        """Delete images not touched since `older_than` (Unix seconds) unless in `keep`; return how many."""
        return await asyncio.to_thread(self._prune, older_than, keep)

    def _put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if path.exists():
            os.utime(path)  # fresh again: the retention window restarts
            return digest
        self.root.mkdir(parents=True, exist_ok=True)
        # A temporary file of its own (two first uploads of one image may run at once), renamed into place:
        # whichever rename lands last replaces identical bytes, so every caller succeeds.
        descriptor, temporary = tempfile.mkstemp(dir=self.root, prefix=f".{digest[:16]}.", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        return digest

    def _prune(self, older_than: float, keep: set[str]) -> int:
        removed = 0
        for leftover in self.root.glob(".*.tmp"):  # a write cut short by a crash
            if leftover.stat().st_mtime < older_than:
                leftover.unlink(missing_ok=True)
        for path in self.root.glob("*.bin"):
            if path.stem not in keep and path.stat().st_mtime < older_than:
                path.unlink(missing_ok=True)
                removed += 1
        log.info("Pruned %d input image(s) older than %.0f h", removed, (time.time() - older_than) / 3600)
        return removed

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / f"{sha256}.bin"
