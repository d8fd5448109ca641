"""Render the simulator's lip sync: the source video's frames with a mouth that opens with the member's audio.

The result lasts as long as the shorter of the audio and the video, and carries the audio as its sound.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from functools import partial
from pathlib import Path

import av
from PIL import Image, ImageDraw

from bot.simulator._output import encode_video, replace_atomically
from bot.simulator._sound import Pcm, decode_audio, loudness

__all__ = ["render_lip_sync", "video_seconds"]

MOUTH_CENTRE = (0.5, 0.56)  # where the simulator pretends the face's mouth is, as shares of the frame
MOUTH_WIDTH = 0.12  # of the frame's short side
LIPS = (170, 40, 60)
INSIDE = (40, 10, 15)
FALLBACK_FPS = 12


def render_lip_sync(source: Path, audio: bytes, audio_format: str, *, dest: Path) -> Path:
    """Write the lip-synced MP4 of `source` speaking `audio` (an MP3 or WAV) to `dest` and return it."""
    seconds, fps = video_seconds(source)
    sound = decode_audio(audio, audio_format, max_seconds=seconds)
    count = int(min(seconds, sound.seconds) * fps)
    if count < 1:
        raise ValueError("the audio or the video is too short to lip-sync")
    length = count / fps
    sound = Pcm(sound.rate, sound.data[: int(sound.rate * length) * 2])
    levels = loudness(sound, fps, count)
    with av.open(str(source)) as probe:
        stream = probe.streams.video[0]
        size = (stream.codec_context.width, stream.codec_context.height)
    frames = _speaking(source, levels)
    return replace_atomically(dest, partial(encode_video, frames, size=size, fps=round(fps), audio=sound))


def video_seconds(source: Path) -> tuple[float, Fraction]:
    """Return how long the video at `source` lasts and its frame rate."""
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        fps = Fraction(stream.average_rate) if stream.average_rate else Fraction(FALLBACK_FPS)
        if stream.frames:
            return float(stream.frames / fps), fps
        if container.duration:
            return container.duration / av.time_base, fps
        raise ValueError(f"{source.name} does not say how long it is")


def _speaking(source: Path, levels: list[float]) -> Iterator[Image.Image]:
    """Yield the source's first `len(levels)` frames, each with the mouth opened as wide as its level."""
    with av.open(str(source)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index >= len(levels):
                break
            image = frame.to_image()  # type: ignore[no-untyped-call]
            _mouth(image, levels[index])
            yield image


def _mouth(image: Image.Image, level: float) -> None:
    width, height = image.size
    short = min(width, height)
    x, y = width * MOUTH_CENTRE[0], height * MOUTH_CENTRE[1]
    half_width = short * MOUTH_WIDTH / 2
    half_open = short * (0.006 + 0.045 * level)
    lip = max(2, round(short * 0.012))
    draw = ImageDraw.Draw(image)
    draw.ellipse((x - half_width, y - half_open - lip, x + half_width, y + half_open + lip), fill=LIPS)
    draw.ellipse((x - half_width + lip, y - half_open, x + half_width - lip, y + half_open), fill=INSIDE)
