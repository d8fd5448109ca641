"""Write the simulator's files: H.264 MP4s (with an AAC track when there is sound) and PNGs, never half-written."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

from bot.simulator._frames import Size
from bot.simulator._sound import Pcm

X264_PRESET = "veryfast"
X264_CRF = "23"
AAC_BITRATE = 64_000
PNG_COMPRESS_LEVEL = 3  # much faster than Pillow's default 6, and the files are barely larger


def encode_video(frames: Iterator[Image.Image], dest: Path, *, size: Size, fps: int, audio: Pcm | None = None) -> None:
    """Encode `frames` as H.264 in an MP4 whose index comes first, so Discord can play it while it loads.

    With `audio`, its samples play alongside: the slice of each frame's span is muxed right after the frame,
    so the two streams interleave; samples past the last frame are dropped, and a short track just ends early.
    """
    time_base = Fraction(1, fps)
    with av.open(str(dest), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        # threads=0 lets x264 pick; FFmpeg's library default (unlike its CLI) is a single thread.
        options = {"preset": X264_PRESET, "crf": X264_CRF, "threads": "0"}
        stream = out.add_stream("libx264", rate=fps, options=options)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = time_base
        sound = None
        if audio is not None:
            sound = out.add_stream("aac", rate=audio.rate)
            sound.layout = "mono"
            sound.bit_rate = AAC_BITRATE
        for index, image in enumerate(frames):
            frame = av.VideoFrame.from_image(image).reformat(format="yuv420p")  # type: ignore[no-untyped-call]
            frame.pts, frame.time_base = index, time_base
            out.mux(stream.encode(frame))
            if sound is not None and audio is not None:
                start, end = (audio.rate * i // fps for i in (index, index + 1))
                chunk = audio.frame(start, end)
                if chunk is not None:
                    out.mux(sound.encode(chunk))
        out.mux(stream.encode(None))
        if sound is not None:
            out.mux(sound.encode(None))


def save_png(image: Image.Image, dest: Path) -> None:
    """Write `image` to `dest` as a PNG."""
    image.save(dest, format="PNG", compress_level=PNG_COMPRESS_LEVEL)


def replace_atomically(dest: Path, write: Callable[[Path], None]) -> Path:
    """Let `write` fill a temporary file beside `dest`, then rename it over `dest`: readers never see half a file."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    os.close(handle)
    temp = Path(name)
    try:
        write(temp)
        os.replace(temp, dest)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return dest
