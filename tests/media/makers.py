"""Build test inputs in memory: images with Pillow, videos with PyAV, nothing read from disk."""

from __future__ import annotations

import io
import math
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import av
from PIL import Image

SAMPLE_RATE = 48_000
AUDIO_FRAME = 1024


def encoded(image: Image.Image, fmt: str, **options: Any) -> bytes:
    """Return `image` saved in `fmt` with Pillow's `options`."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def solid(width: int, height: int, fmt: str = "PNG", mode: str = "RGB", color: Any = None, **options: Any) -> bytes:
    """Return a single-colour image of the given size, mode and format."""
    return encoded(Image.new(mode, (width, height), color if color is not None else 128), fmt, **options)


def noise(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Return random noise, which no codec can squeeze."""
    bands = len(Image.new(mode, (1, 1)).getbands())
    return Image.frombytes(mode, (width, height), os.urandom(width * height * bands))


def bomb_png(width: int, height: int) -> bytes:
    """Return a valid 1-bit PNG of `width`×`height` black pixels: a few KB that would decode to gigabytes."""
    compressor = zlib.compressobj(9)
    row = b"\0" * (1 + (width + 7) // 8)  # filter byte + packed bits
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def noise_video(path: Path, size: tuple[int, int] = (640, 480), seconds: float = 3, fps: int = 15) -> Path:
    """Write an H.264 + AAC MP4 of moving block noise at a high bitrate (a few MB) and return its path."""
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "12"})
        video.width, video.height = size
        video.pix_fmt = "yuv420p"
        audio = container.add_stream("aac", rate=SAMPLE_RATE)
        audio.layout = "mono"
        for _ in range(round(seconds * fps)):
            image = noise(size[0] // 8, size[1] // 8).resize(size, Image.Resampling.NEAREST)
            container.mux(video.encode(av.VideoFrame.from_image(image)))  # type: ignore[no-untyped-call]
        for index in range(round(seconds * SAMPLE_RATE / AUDIO_FRAME)):
            container.mux(audio.encode(_tone(index)))
        container.mux(video.encode(None))
        container.mux(audio.encode(None))
    return path


def _tone(index: int) -> av.AudioFrame:
    frame = av.AudioFrame(format="s16", layout="mono", samples=AUDIO_FRAME)
    start = index * AUDIO_FRAME
    samples = (int(8000 * math.sin(2 * math.pi * 440 * (start + n) / SAMPLE_RATE)) for n in range(AUDIO_FRAME))
    frame.planes[0].update(struct.pack(f"<{AUDIO_FRAME}h", *samples))
    frame.pts = start
    frame.sample_rate = SAMPLE_RATE
    return frame
