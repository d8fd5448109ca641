"""Image makers for tests and the result files the fake serves."""

from __future__ import annotations

import base64
import functools
import io
import wave

import av
from PIL import Image

VIDEO_SIZE = (320, 240)
VIDEO_FPS = 10
RESULT_PNG_SIZE = (64, 64)
AUDIO_RATE = 16_000


def make_png(width: int = 512, height: int = 512, color: tuple[int, int, int] = (40, 120, 200)) -> bytes:
    """Return a solid-colour PNG of the given size."""
    return _encode(Image.new("RGB", (width, height), color), "PNG")


def make_jpeg(width: int = 512, height: int = 512, color: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    """Return a solid-colour JPEG of the given size."""
    return _encode(Image.new("RGB", (width, height), color), "JPEG")


def make_wav(seconds: float, rate: int = AUDIO_RATE) -> bytes:
    """Return a silent 16-bit mono WAV lasting `seconds`."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(2 * round(seconds * rate)))
    return buffer.getvalue()


def make_mp3(seconds: float, rate: int = AUDIO_RATE, id3: bool = True) -> bytes:
    """Return a silent mono MP3 lasting `seconds` (with an ID3 tag, or starting at a frame sync)."""
    buffer = io.BytesIO()
    options = {} if id3 else {"id3v2_version": "0", "write_xing": "0"}
    with av.open(buffer, mode="w", format="mp3", options=options) as container:
        stream = container.add_stream("libmp3lame", rate=rate)
        stream.layout = "mono"
        frame = av.AudioFrame(format="s16", layout="mono", samples=round(seconds * rate))
        frame.planes[0].update(bytes(frame.planes[0].buffer_size))
        frame.sample_rate, frame.pts = rate, 0
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    return buffer.getvalue()


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
