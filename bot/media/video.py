"""Bring a finished video under Discord's upload limit, and take a poster frame from it."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

import av
from PIL import Image

from bot.media.encode import encode_within
from bot.media.errors import VideoTooLarge
from bot.media.transcode import EncodePlan, transcode

log = logging.getLogger(__name__)

__all__ = ["FittedVideo", "VideoTooLarge", "fit_video", "plan_encode", "poster_frame", "probe_video"]

# Leave room for the MP4 index and for x264 landing a little above its target.
SIZE_MARGIN = 0.92
RETRY_FACTOR = 0.85
AUDIO_BITRATE = 96_000
# Shrink to these short sides before giving up: fewer pixels look better at a starved bitrate.
SHORT_SIDE_STEPS = (720, 480)
POSTER_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class FittedVideo:
    """The file to upload, and whether it is a re-encoded copy."""

    path: Path
    reencoded: bool


async def fit_video(source: Path, limit_bytes: int, workdir: Path) -> FittedVideo:
    """Return `source` if it fits in `limit_bytes`, else a re-encoded copy in `workdir` that does."""
    return await asyncio.to_thread(_fit_video, source, limit_bytes, workdir)


async def poster_frame(source: Path, dest: Path) -> Path:
    """Save the video's first frame to `dest` as a JPEG of at most 1 MB and return `dest`."""
    return await asyncio.to_thread(_poster_frame, source, dest)


def probe_video(source: Path) -> tuple[float, int, int]:
    """Return the duration in seconds, width and height of the first video stream."""
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        if container.duration:
            duration = container.duration / av.time_base
        elif stream.duration and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        elif stream.frames and stream.average_rate:
            duration = float(stream.frames / stream.average_rate)
        else:
            raise ValueError(f"{source.name} does not say how long it is")
        return duration, stream.codec_context.width, stream.codec_context.height


def plan_encode(limit_bytes: int, duration: float, size: tuple[int, int], audio: bool) -> EncodePlan:
    """Choose the largest size whose bitrate floor the limit allows; refuse when even 480p would look broken."""
    audio_bitrate = AUDIO_BITRATE if audio else 0
    video_bitrate = int(limit_bytes * SIZE_MARGIN * 8 / max(duration, 0.1)) - audio_bitrate
    sizes = _candidate_sizes(size)
    for width, height in sizes:
        if video_bitrate >= _bitrate_floor(min(width, height)):
            return EncodePlan(width, height, video_bitrate, audio_bitrate)
    least = _bitrate_floor(min(sizes[-1]))
    raise VideoTooLarge(
        f"{duration:.1f} s in {limit_bytes} bytes leaves {video_bitrate // 1000} kbit/s for the picture; "
        f"it needs at least {least // 1000} kbit/s at {sizes[-1][0]}×{sizes[-1][1]}"
    )


def _fit_video(source: Path, limit_bytes: int, workdir: Path) -> FittedVideo:
    if source.stat().st_size <= limit_bytes:
        return FittedVideo(source, reencoded=False)
    try:
        duration, width, height = probe_video(source)
        with av.open(str(source)) as container:
            audio = bool(container.streams.audio)
    except (av.error.FFmpegError, IndexError, ValueError) as exc:
        raise VideoTooLarge(f"{source.name} can't be read to re-encode it: {exc}") from exc
    plan = plan_encode(limit_bytes, duration, (width, height), audio)
    workdir.mkdir(parents=True, exist_ok=True)
    dest = workdir / f"{source.stem}.fitted.mp4"
    attempts = (plan, plan.scaled(RETRY_FACTOR))
    for attempt in attempts:
        _transcode(source, dest, attempt)
        size = dest.stat().st_size
        log.info("Re-encoded %s at %dx%d, %d kbit/s: %d bytes (limit %d)", source.name, attempt.width,
                 attempt.height, attempt.video_bitrate // 1000, size, limit_bytes)  # fmt: skip
        if size <= limit_bytes:
            return FittedVideo(dest, reencoded=True)
    dest.unlink(missing_ok=True)
    lowest = attempts[-1].video_bitrate // 1000
    raise VideoTooLarge(f"{source.name} stays over {limit_bytes} bytes even at {lowest} kbit/s")


def _transcode(source: Path, dest: Path, plan: EncodePlan) -> None:
    try:
        transcode(source, dest, plan)
    except av.error.FFmpegError as exc:
        dest.unlink(missing_ok=True)
        log.warning("Re-encoding %s failed", source.name, exc_info=True)
        raise VideoTooLarge(f"{source.name} could not be re-encoded: {exc}") from exc


def _candidate_sizes(size: tuple[int, int]) -> list[tuple[int, int]]:
    """Return the source size, then smaller ones for each short-side step below it (even sides, for yuv420p)."""
    width, height = size
    short = min(width, height)
    sizes = [(width - width % 2, height - height % 2)]
    for step in SHORT_SIDE_STEPS:
        if step < short:
            scale = step / short
            sizes.append((round(width * scale / 2) * 2, round(height * scale / 2) * 2))
    return sizes


def _bitrate_floor(short_side: int) -> int:
    """Return the lowest H.264 bitrate (bit/s) that still looks acceptable at this short side."""
    if short_side > 720:
        return 800_000
    if short_side > 480:
        return 400_000
    return 250_000


def _poster_frame(source: Path, dest: Path) -> Path:
    with av.open(str(source)) as container:
        frame = next(container.decode(video=0), None)
        if frame is None:
            raise ValueError(f"{source.name} has no video frames")
        image: Image.Image = frame.to_image()  # type: ignore[no-untyped-call]  # PyAV's stub leaves it untyped
    encoded = encode_within(image, POSTER_MAX_BYTES, lossless=False)
    dest.write_bytes(encoded.data)
    return dest
