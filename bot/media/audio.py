"""Check a member's sound file for lip sync: MP3 or WAV by its content, 2–60 s long, at most 5 MB (or say why not).

The length is measured by decoding the whole stream with PyAV (a header can lie; 5 MB decodes in milliseconds).
"""

from __future__ import annotations

import asyncio
import io
import math
from dataclasses import dataclass
from typing import Literal, cast

import av

from bot.kling.limits import AUDIO_SECONDS, MAX_AUDIO_BYTES, audio_format
from bot.media.errors import IntakeError

AudioFormat = Literal["mp3", "wav"]
MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class PreparedAudio:
    """A sound file Kling takes, as it was sent, with its format and length."""

    data: bytes
    format: AudioFormat
    seconds: float


async def prepare_audio(name: str, data: bytes) -> PreparedAudio:
    """Check one sound file in a worker thread (never on the event loop)."""
    return await asyncio.to_thread(prepare_audio_sync, name, data)


def prepare_audio_sync(name: str, data: bytes) -> PreparedAudio:
    """Return the file with its format and length, or raise `IntakeError` naming the rule it breaks."""
    check_audio_size(name, len(data))
    kind = audio_format(data)
    if kind is None:
        raise IntakeError(
            f"The {name} must be an MP3 or a WAV file; this one is neither. Convert it and attach it again."
        )
    fmt = cast(AudioFormat, kind)
    seconds = audio_seconds(data, fmt)
    if seconds is None:
        raise IntakeError(f"I couldn't read the {name} as {fmt.upper()}; it may be damaged. Export it again and retry.")
    low, high = AUDIO_SECONDS
    if not low <= seconds <= high:
        fix = "Use a longer clip" if seconds < low else "Cut it shorter"
        raise IntakeError(
            f"The {name} lasts {seconds:.1f} s; lip sync takes {low:g}–{high:g} seconds of sound. "
            f"{fix} and attach it again."
        )
    return PreparedAudio(data, fmt, seconds)


def check_audio_size(name: str, size: int) -> None:
    """Refuse a file over Kling's 5 MB (callers check the attachment's size before downloading it)."""
    if size > MAX_AUDIO_BYTES:
        raise IntakeError(
            f"The {name} is {math.ceil(size * 10 / MEGABYTE) / 10:.1f} MB; lip sync takes files up to "
            f"{MAX_AUDIO_BYTES // MEGABYTE} MB. "
            "Shorten it or send an MP3 (much smaller than a WAV)."
        )


def audio_seconds(data: bytes, fmt: AudioFormat) -> float | None:
    """Return the length of the first audio stream in seconds, or None when it can't be decoded."""
    try:
        with av.open(io.BytesIO(data), "r", format=fmt) as container:
            if not container.streams.audio:
                return None
            stream = container.streams.audio[0]
            samples, rate = 0, 0
            for frame in container.decode(stream):
                samples += frame.samples
                rate = frame.sample_rate or rate
            return samples / rate if samples and rate else None
    except (av.FFmpegError, ValueError, EOFError):
        return None
