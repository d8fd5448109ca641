"""Choose what to attach to a result: the files themselves, a re-encoded video, or a poster and a link."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import discord

from bot.media.video import VideoTooLarge, fit_video, poster_frame
from bot.vocabulary import Outcome
from db.models import TaskRecord

log = logging.getLogger(__name__)

REQUEST_BYTES_MAX = 25 * 1024 * 1024  # Discord caps a whole message body here
_FIT_LOCKS: dict[tuple[str, int], asyncio.Lock] = {}
Route = Literal["none", "upload", "reencode", "link"]


@dataclass
class ResultFiles:
    """Files to attach, links to show instead, and a note on what was done."""

    paths: list[Path] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    note: str | None = None
    route: Route = "none"

    def discord_files(self) -> list[discord.File]:
        """Open the files for one send (discord.py closes them after sending)."""
        return [discord.File(path, filename=path.name) for path in self.paths]


async def choose_files(task: TaskRecord, limit: int, workdir: Path) -> ResultFiles:
    """Decide how a finished task's results reach the channel within its upload `limit` (bytes)."""
    if task.outcome is not Outcome.SUCCEEDED:
        return ResultFiles()
    paths = [Path(p) for p in task.archived_paths if Path(p).exists()]  # noqa: ASYNC240 - a few local stats
    if not paths:
        return ResultFiles(links=list(task.result_urls), note=UNARCHIVED_NOTE, route="link")
    if not task.kind.makes_video:
        sizes = [path.stat().st_size for path in paths]
        if max(sizes) <= limit and sum(sizes) <= REQUEST_BYTES_MAX:
            return ResultFiles(paths=paths, route="upload")
        return ResultFiles(links=list(task.result_urls), note=LINK_NOTE, route="link")
    return await _video(task, paths[0], limit, workdir)


def links_only(task: TaskRecord, note: str) -> ResultFiles:
    """Return a link-only result (after Discord refused the upload)."""
    return ResultFiles(links=list(task.result_urls), note=note, route="link")


async def _video(task: TaskRecord, path: Path, limit: int, workdir: Path) -> ResultFiles:
    if path.stat().st_size <= limit:  # noqa: ASYNC240 - one stat of a local file
        return ResultFiles(paths=[path], route="upload")
    folder = workdir / task.id / str(limit)
    # One re-encode per task and size at a time (a pressed-again "DM me" waits and reuses the file).
    async with _FIT_LOCKS.setdefault((task.id, limit), asyncio.Lock()):
        return await _fit(task, path, limit, folder)


async def _fit(task: TaskRecord, path: Path, limit: int, folder: Path) -> ResultFiles:
    megabytes = limit // (1024 * 1024)
    note = f"Re-encoded to fit this server's {megabytes} MB upload limit."
    done = await asyncio.to_thread(_earlier_fit, folder, limit)
    if done is not None:
        return ResultFiles(paths=[done], note=note, route="reencode")
    try:
        fitted = await fit_video(path, limit, folder)
    except VideoTooLarge:
        log.info("Task %s: video too large for %d bytes even re-encoded; posting a poster and a link", task.id, limit)
        poster = await poster_frame(path, folder / "poster.jpg")
        return ResultFiles(paths=[poster], links=list(task.result_urls[:1]), note=TOO_LARGE_NOTE, route="link")
    return ResultFiles(paths=[fitted.path], note=note, route="reencode" if fitted.reencoded else "upload")


def _earlier_fit(folder: Path, limit: int) -> Path | None:
    """Return a re-encode made earlier for this size, making the folder otherwise."""
    folder.mkdir(parents=True, exist_ok=True)
    return next((p for p in folder.glob("*.fitted.mp4") if p.stat().st_size <= limit), None)


UNARCHIVED_NOTE = "The result couldn't be fetched for upload; download it from the link (it expires after 30 days)."
LINK_NOTE = "Too large to upload here; download it from the link (it expires after 30 days)."
TOO_LARGE_NOTE = (
    "Too large to upload here even re-encoded: the first frame is attached, "
    "the full video is at the link (it expires after 30 days)."
)
