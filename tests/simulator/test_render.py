"""The simulator's renderer: real, playable MP4s and PNGs of the requested shape, made from the inputs."""

from __future__ import annotations

import hashlib
import io
import time
from pathlib import Path
from typing import Any

import av
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from bot.media.video import probe_video
from bot.simulator._frames import ELLIPSIS, frame_size, load_font, open_image, wrap
from bot.simulator.render import render_images, render_video

PROMPT = "A corgi surfing a giant wave at sunset, cinematic lighting, shot on 35mm film"
FPS = 12
SIZES = {"16:9": (854, 480), "9:16": (480, 854), "1:1": (480, 480)}
COLOURS = [(220, 70, 50), (40, 140, 220), (90, 200, 90), (240, 200, 40)]


def picture(index: int, size: tuple[int, int] = (640, 480), fmt: str = "JPEG", **options: Any) -> bytes:
    """Return a photo-like input with structure to pan over: a gradient with a few coloured discs."""
    width, height = size
    ramp = Image.linear_gradient("L")
    bands = [ramp.resize(size), Image.new("L", size, 90 + index * 40), ramp.rotate(90).resize(size)]
    image = Image.merge("RGB", bands)
    draw = ImageDraw.Draw(image)
    for disc in range(4):
        x, y = width * (disc + 1) // 5, height * (1 + (disc + index) % 3) // 4
        draw.ellipse((x - 40, y - 40, x + 40, y + 40), fill=COLOURS[(disc + index) % 4])
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def cut_out(index: int) -> bytes:
    """Return a transparent PNG with a simple figure, like a subject with its background removed."""
    image = Image.new("RGBA", (300, 500), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((60, 0, 240, 180), fill=(*COLOURS[index % 4], 255))
    draw.rectangle((90, 180, 210, 500), fill=(*COLOURS[index % 4], 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def first_last_and_count(path: Path) -> tuple[Image.Image, Image.Image, int]:
    """Decode every frame of the first video stream; return the first, the last and how many there were."""
    first: Image.Image | None = None
    last: Image.Image | None = None
    count = 0
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            last = frame.to_image()
            if first is None:
                first = last
            count += 1
    assert first is not None
    assert last is not None
    return first, last, count


def check_video(path: Path, seconds: int, aspect_ratio: str) -> None:
    """Assert `path` is an H.264 MP4 of the right length and size whose picture moves."""
    duration, width, height = probe_video(path)
    assert abs(duration - seconds) <= 0.2
    assert (width, height) == SIZES[aspect_ratio]
    with av.open(str(path)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
    first, last, count = first_last_and_count(path)
    assert count == seconds * FPS
    assert ImageStat.Stat(ImageChops.difference(first, last)).mean[0] > 3, "the first and last frames look alike"
    assert list(path.parent.iterdir()) == [path], "a temporary file was left behind"


@pytest.mark.parametrize(
    ("image_count", "seconds", "aspect_ratio"),
    [(0, 5, "16:9"), (1, 5, "9:16"), (2, 5, "1:1"), (4, 5, "16:9"), (2, 10, "9:16")],
)
def test_video_has_the_requested_shape_and_moves(
    tmp_path: Path, image_count: int, seconds: int, aspect_ratio: str
) -> None:
    """Each input count makes an H.264 MP4 of exactly `seconds`, the frame size of the aspect ratio, that moves."""
    images = [picture(index, fmt="PNG" if index % 2 else "JPEG") for index in range(image_count)]
    dest = tmp_path / "clip.mp4"
    assert render_video(images, PROMPT, seconds=seconds, aspect_ratio=aspect_ratio, dest=dest) == dest
    check_video(dest, seconds, aspect_ratio)


def test_ten_second_video_renders_quickly(tmp_path: Path) -> None:
    """The slowest case, 10 s at 854×480 over four images, is a valid clip; its render time is printed."""
    images = [picture(index, size=(1600, 1200)) for index in range(4)]
    dest = tmp_path / "clip.mp4"
    started = time.perf_counter()
    render_video(images, PROMPT * 3, seconds=10, aspect_ratio="16:9", dest=dest)
    print(f"\n10 s 854x480 render of 4 images: {time.perf_counter() - started:.2f} s")
    check_video(dest, 10, "16:9")


@pytest.mark.parametrize(
    ("subject_count", "scene", "style", "count", "aspect_ratio"),
    [(1, False, False, 1, "1:1"), (2, True, True, 4, "21:9"), (4, True, False, 9, "3:4"), (3, False, True, 3, "3:2")],
)
def test_images_are_distinct_pngs_of_the_aspect_ratio(
    tmp_path: Path, subject_count: int, scene: bool, style: bool, count: int, aspect_ratio: str
) -> None:
    """`count` PNGs named 0.png… come out at the aspect ratio, each a visibly different variation."""
    subjects = [cut_out(index) if index % 2 == 0 else picture(index) for index in range(subject_count)]
    backdrop = picture(9, (1200, 800)) if scene else None
    look = picture(5) if style else None
    paths = render_images(
        subjects, backdrop, look, PROMPT, count=count, aspect_ratio=aspect_ratio, dest_dir=tmp_path / "out"
    )
    assert paths == [tmp_path / "out" / f"{index}.png" for index in range(count)]
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == sorted(path.name for path in paths)
    ratio_width, ratio_height = (int(part) for part in aspect_ratio.split(":"))
    digests = set()
    for path in paths:
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert min(image.size) == 512
            assert abs(image.width * ratio_height - image.height * ratio_width) <= max(ratio_width, ratio_height)
            digests.add(hashlib.sha256(image.tobytes()).hexdigest())
    assert len(digests) == count


@pytest.mark.parametrize(
    ("aspect_ratio", "short_side", "even", "size"),
    [
        ("16:9", 480, True, (854, 480)),
        ("9:16", 480, True, (480, 854)),
        ("21:9", 512, False, (1195, 512)),
        ("3:4", 512, False, (512, 683)),
        ("1:1", 512, False, (512, 512)),
    ],
)
def test_frame_size(aspect_ratio: str, short_side: int, even: bool, size: tuple[int, int]) -> None:
    """Sizes keep the short side and round the long one, to an even number for yuv420p video."""
    assert frame_size(aspect_ratio, short_side, even=even) == size


def test_caption_wraps_to_two_lines_and_ellipsises() -> None:
    """A long prompt, even one with a word longer than a line, fits in two lines ending in an ellipsis."""
    font = load_font(20)
    lines = wrap("word " * 10 + "x" * 200 + " tail " * 50, font, 300)
    assert len(lines) == 2
    assert lines[-1].endswith(ELLIPSIS)
    assert all(font.getlength(line) <= 300 for line in lines)
    assert wrap("short prompt", font, 300) == ["short prompt"]
    assert wrap("  ", font, 300) == []


def test_exif_orientation_is_applied() -> None:
    """A phone photo stored sideways with EXIF orientation 6 comes out upright."""
    exif = Image.Exif()
    exif[0x0112] = 6
    sideways = picture(0, size=(200, 100), exif=exif.tobytes())
    upright = open_image(sideways, "RGB", (40, 60))
    assert upright.height == 2 * upright.width
    assert min(upright.size) >= 60, "the reduced JPEG decode no longer covers the size asked for"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda dest: render_video([], "p", seconds=5, aspect_ratio="4:3", dest=dest / "a.mp4"), "aspect ratio"),
        (lambda dest: render_video([b""] * 5, "p", seconds=5, aspect_ratio="1:1", dest=dest / "a.mp4"), "at most 4"),
        (lambda dest: render_images([], None, None, "p", count=1, aspect_ratio="1:1", dest_dir=dest), "subjects"),
        (lambda dest: render_images([b""], None, None, "p", count=10, aspect_ratio="1:1", dest_dir=dest), "count"),
    ],
)
def test_out_of_contract_arguments_are_refused(tmp_path: Path, call: Any, message: str) -> None:
    """Arguments outside the documented ranges raise ValueError before any work is done."""
    with pytest.raises(ValueError, match=message):
        call(tmp_path)
    assert list(tmp_path.iterdir()) == []
