"""Read what a member gives a request — images, a sound file, an earlier video to follow up on — and make it
ready for Kling (or refuse it, naming which and why)."""

from __future__ import annotations

import asyncio

import discord

from bot.discord.errors import CommandRefusedError
from bot.kling.models import LipSyncRequest
from bot.media.audio import PreparedAudio, check_audio_size, prepare_audio
from bot.media.intake import IntakeError, PreparedImage, prepare_image
from bot.vocabulary import Outcome, TaskKind
from db.models import TaskRecord

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024  # refuse before downloading anything bigger
DAY = 86400.0


async def read_images(attachments: dict[str, discord.Attachment]) -> dict[str, PreparedImage]:
    """Download (never hand Discord's expiring URLs on) and check every image, in parallel."""
    for name, attachment in attachments.items():
        if attachment.size > MAX_ATTACHMENT_BYTES:
            size = attachment.size / 1024 / 1024
            raise IntakeError(f"The {name} is {size:.1f} MB; upload images up to 25 MB.")

    async def one(name: str, attachment: discord.Attachment) -> tuple[str, PreparedImage]:
        try:
            data = await attachment.read()
        except discord.HTTPException as exc:
            raise IntakeError(f"I couldn't download the {name} from Discord; please attach it again.") from exc
        return name, await prepare_image(name, data)

    results = await asyncio.gather(*(one(name, attachment) for name, attachment in attachments.items()))
    return dict(results)


def notes_of(images: dict[str, PreparedImage]) -> list[str]:
    """Return what intake fixed silently, image by image, for the confirmation."""
    return [note for image in images.values() for note in image.notes]


async def read_audio(attachment: discord.Attachment, name: str = "audio file") -> PreparedAudio:
    """Download and check a sound file for lip sync; one over 5 MB is refused before it is downloaded."""
    check_audio_size(name, attachment.size)
    try:
        data = await attachment.read()
    except discord.HTTPException as exc:
        raise IntakeError(f"I couldn't download the {name} from Discord; please attach it again.") from exc
    return await prepare_audio(name, data)


def lip_sync_video(task: TaskRecord, user_id: int, now: float, max_age_days: int) -> str:
    """Return the Kling id of `task`'s video for the member `user_id` to lip-sync, or refuse naming why."""
    short = f"`{task.id[:8]}`"
    if task.user_id != user_id:
        raise CommandRefusedError(
            f"Task {short} isn't yours: you can lip-sync only your own videos. `/tasks` lists them."
        )
    if not task.kind.makes_video:
        raise CommandRefusedError(f"Task {short} made an image; lip sync needs a video with a face in it.")
    if task.outcome is None:
        raise CommandRefusedError(f"Task {short} isn't finished yet; lip-sync it once its video is posted.")
    if task.outcome is not Outcome.SUCCEEDED:
        raise CommandRefusedError(f"Task {short} failed, so there is no video to lip-sync.")
    if not task.result_video_ids:
        raise CommandRefusedError(
            f"Task {short} has no Kling video id (it was made before the bot kept them), so Kling can't lip-sync "
            "it. Make a new video and lip-sync that."
        )
    days = int((now - (task.finished_at or task.updated_at)) // DAY)
    if days >= max_age_days:
        raise CommandRefusedError(
            f"Kling keeps videos for {max_age_days} days; this one is {days} days old, so it can't be lip-synced. "
            "Make a new video and lip-sync that."
        )
    return task.result_video_ids[0]


def lip_sync_request(video_id: str, task: TaskRecord, audio: PreparedAudio) -> LipSyncRequest:
    """Return the request that makes the face in `task`'s video (Kling's `video_id`) speak `audio`."""
    return LipSyncRequest(
        video_id=video_id, source_task=task.id, audio=audio.data, audio_format=audio.format,
        audio_seconds=audio.seconds, video_seconds=video_seconds(task),
    )  # fmt: skip


def video_seconds(task: TaskRecord) -> float | None:
    """Return the length of `task`'s video as asked for (a lip sync's: its sound, cut to its own source), if known."""
    params = task.params
    if task.kind is TaskKind.LIP_SYNC:
        lengths = [float(params[key]) for key in ("audio_seconds", "video_seconds") if params.get(key) is not None]
        return min(lengths) if lengths else None
    return float(params["duration"]) if params.get("duration") not in (None, "") else None
