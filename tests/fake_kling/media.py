"""Image makers for tests and the result files the fake serves."""

from __future__ import annotations

import base64
import functools
import io

import av
from PIL import Image

VIDEO_SIZE = (320, 240)
VIDEO_FPS = 10
RESULT_PNG_SIZE = (64, 64)


def make_png(width: int = 512, height: int = 512, color: tuple[int, int, int] = (40, 120, 200)) -> bytes:
    """Return a solid-colour PNG of the given size."""
    return _encode(Image.new("RGB", (width, height), color), "PNG")


def make_jpeg(width: int = 512, height: int = 512, color: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    """Return a solid-colour JPEG of the given size."""
    return _encode(Image.new("RGB", (width, height), color), "JPEG")


def b64(data: bytes) -> str:
    """Return raw base64 (no data: prefix), the way Kling wants images."""
    return base64.b64encode(data).decode("ascii")


@functools.cache
def result_png() -> bytes:
    """Return the PNG served for every image result (built once per process)."""
    return make_png(*RESULT_PNG_SIZE, color=(255, 160, 0))


@functools.cache
def result_mp4() -> bytes:
    """Return a 1 s, 10 fps H.264 MP4 served for every video result (built once)."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=VIDEO_FPS)
        stream.width, stream.height = VIDEO_SIZE
        stream.pix_fmt = "yuv420p"
        for index in range(VIDEO_FPS):
            frame = Image.new("RGB", VIDEO_SIZE, (index * 25, 90, 220 - index * 20))
            video_frame = av.VideoFrame.from_image(frame)  # type: ignore[no-untyped-call]
            container.mux(stream.encode(video_frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()
