"""Render the simulator's videos and composites: captioned pan-and-zoom MP4s (storyboards cut per shot, a chord
when there is sound) and composite stills, all marked SIMULATED."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path

from PIL import Image, ImageFilter, ImageOps, ImageStat

from bot.simulator._frames import (
    BILINEAR,
    Overlay,
    Shot,
    Size,
    cover,
    frame_size,
    gradient,
    hue_colour,
    open_image,
    overlay,
    prompt_hue,
)
from bot.simulator._output import encode_video, replace_atomically, save_png
from bot.simulator._sound import chord_track

__all__ = [
    "IMAGE_ASPECT_RATIOS",
    "VIDEO_ASPECT_RATIOS",
    "render_images",
    "render_storyboard",
    "render_video",
    "video_size",
]

VIDEO_ASPECT_RATIOS = frozenset({"16:9", "9:16", "1:1"})
IMAGE_ASPECT_RATIOS = frozenset({"16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9"})
MAX_VIDEO_IMAGES = 4
MAX_SUBJECTS = 4
MAX_COUNT = 9
MAX_ZOOM = 1.15
FADE_SECONDS = 0.6
# Clips longer than this are drawn smaller, so a 15 s clip costs about what a 10 s one does at full size.
FULL_SIZE_SECONDS = 10
SHOT_CAPTION = "Shot {number}/{count} · {prompt}"
# Start and end of each image's drift, cycled; directions differ so consecutive shots don't feel like one long pan.
DRIFTS = (
    ((-0.7, -0.5), (0.7, 0.5)),
    ((0.7, -0.4), (-0.7, 0.4)),
    ((0.0, 0.8), (0.0, -0.8)),
    ((-0.6, 0.6), (0.6, -0.6)),
)
SHADOW_LUT = [value * 55 // 100 for value in range(256)]  # a shadow at 55 % opacity


def render_video(
    images: Sequence[bytes],
    prompt: str,
    *,
    seconds: int,
    aspect_ratio: str,
    dest: Path,
    sound: bool = False,
    fps: int = 12,
    short_side: int = 480,
) -> Path:
    """Write a `seconds`-long MP4 panning across `images` (or a prompt-coloured gradient) to `dest` and return it.

    With `sound`, the MP4 carries an AAC track: a chord whose pitch follows the prompt.
    """
    _require(aspect_ratio in VIDEO_ASPECT_RATIOS, f"unsupported video aspect ratio {aspect_ratio!r}")
    _require(len(images) <= MAX_VIDEO_IMAGES, f"at most {MAX_VIDEO_IMAGES} images, got {len(images)}")
    _require(seconds > 0 and fps > 0 and short_side > 0, "seconds, fps and short_side must be positive")
    size = video_size(aspect_ratio, seconds, short_side)
    total = seconds * fps
    shots = _shots(images, size) if images else [_gradient_shot(prompt, size)]
    fade = min(round(FADE_SECONDS * fps), total // (len(shots) + 1)) if len(shots) > 1 else 0
    frames = _frames(shots, size, total, fade, overlay(size, prompt))
    audio = chord_track([(prompt, seconds)]) if sound else None
    return replace_atomically(dest, partial(encode_video, frames, size=size, fps=fps, audio=audio))


def render_storyboard(
    shots: Sequence[tuple[str, int]],
    *,
    aspect_ratio: str,
    dest: Path,
    sound: bool = False,
    fps: int = 12,
    short_side: int = 480,
) -> Path:
    """Write an MP4 of one hard cut per (prompt, seconds) shot, captioned "Shot 2/4 · prompt", and return it.

    Each shot pans its own gradient in its own direction; with `sound`, each has its own chord.
    """
    _require(aspect_ratio in VIDEO_ASPECT_RATIOS, f"unsupported video aspect ratio {aspect_ratio!r}")
    _require(bool(shots) and all(seconds > 0 for _, seconds in shots), "a storyboard needs shots of 1 s or more")
    seconds = sum(length for _, length in shots)
    size = video_size(aspect_ratio, seconds, short_side)
    captions = [
        overlay(size, SHOT_CAPTION.format(number=number, count=len(shots), prompt=prompt))
        for number, (prompt, _) in enumerate(shots, start=1)
    ]

    def frames() -> Iterator[Image.Image]:
        for index, (prompt, length) in enumerate(shots):
            shot = _gradient_shot(prompt, size, DRIFTS[index % len(DRIFTS)])
            frames_in_shot = length * fps
            for frame in range(frames_in_shot):
                yield captions[index].apply(shot.frame(size, _progress(frame, frames_in_shot)))

    audio = chord_track(shots) if sound else None
    return replace_atomically(dest, partial(encode_video, frames(), size=size, fps=fps, audio=audio))


def video_size(aspect_ratio: str, seconds: float, short_side: int = 480) -> Size:
    """Return the frame size of a clip: `short_side` up to 10 s, then smaller so the pixels drawn stay the same."""
    if seconds > FULL_SIZE_SECONDS:
        short_side = round(short_side * math.sqrt(FULL_SIZE_SECONDS / seconds) / 2) * 2
    return frame_size(aspect_ratio, short_side, even=True)


def render_images(
    subjects: Sequence[bytes],
    scene: bytes | None,
    style: bytes | None,
    prompt: str,
    *,
    count: int,
    aspect_ratio: str,
    dest_dir: Path,
    short_side: int = 512,
) -> list[Path]:
    """Write `count` varied composites of the subjects over the scene as `dest_dir`/0.png… and return their paths."""
    _require(aspect_ratio in IMAGE_ASPECT_RATIOS, f"unsupported image aspect ratio {aspect_ratio!r}")
    _require(1 <= len(subjects) <= MAX_SUBJECTS, f"1 to {MAX_SUBJECTS} subjects, got {len(subjects)}")
    _require(1 <= count <= MAX_COUNT, f"count must be 1 to {MAX_COUNT}, got {count}")
    size = frame_size(aspect_ratio, short_side, even=False)
    people = [open_image(data, "RGBA", size) for data in subjects]  # RGBA keeps cut-out subjects cut out
    margin = (round(size[0] * MAX_ZOOM), round(size[1] * MAX_ZOOM))  # room to vary the crop per variation
    backdrop = open_image(scene, "RGB", margin) if scene is not None else gradient(prompt, margin)
    tint = _average_colour(open_image(style, "RGB", (64, 64))) if style is not None else hue_colour(prompt_hue(prompt))
    caption = overlay(size, prompt)
    dest_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for variation in range(count):
        still = caption.apply(_composite(people, backdrop, tint, size, variation))
        paths.append(replace_atomically(dest_dir / f"{variation}.png", partial(save_png, still)))
    return paths


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _shots(images: Sequence[bytes], size: Size) -> list[Shot]:
    """Cover-fit each image once, with room to zoom in without upscaling, and give it its own camera move."""
    source_size = (round(size[0] * MAX_ZOOM), round(size[1] * MAX_ZOOM))
    shots = []
    for index, data in enumerate(images):
        source = cover(open_image(data, "RGB", source_size), source_size)
        zoom = (1.0, MAX_ZOOM) if index % 2 == 0 else (MAX_ZOOM, 1.0)
        shots.append(Shot(source, zoom, DRIFTS[index % len(DRIFTS)]))
    return shots


def _gradient_shot(
    prompt: str, size: Size, drift: tuple[tuple[float, float], tuple[float, float]] = ((-1.0, -0.5), (1.0, 0.5))
) -> Shot:
    """Return a pan across a gradient twice the frame's width: text-to-video has no picture to move over."""
    source = gradient(prompt, (size[0] * 2, round(size[1] * MAX_ZOOM)))
    return Shot(source, (1.0, 1.08), drift)


def _frames(shots: list[Shot], size: Size, total: int, fade: int, caption: Overlay) -> Iterator[Image.Image]:
    """Yield the clip's frames one at a time, crossfading over `fade` frames where one shot hands over to the next."""
    step = (total - fade) / len(shots)  # frames between shot starts; each shot lasts `step + fade`
    length = step + fade
    for index in range(total):
        current = min(int(index // step), len(shots) - 1)
        into = index - current * step
        image = shots[current].frame(size, _progress(into, length))
        if current > 0 and into < fade:
            previous = shots[current - 1].frame(size, _progress(into + step, length))
            image = Image.blend(previous, image, (into + 1) / (fade + 1))
        yield caption.apply(image)


def _progress(offset: float, length: float) -> float:
    return min(1.0, max(0.0, offset / max(length - 1, 1)))


def _composite(
    subjects: list[Image.Image], backdrop: Image.Image, tint: tuple[int, int, int], size: Size, variation: int
) -> Image.Image:
    """Return one variation: its own crop of the backdrop, subject order and offset, and tint strength."""
    centering = ((0.5 + 0.37 * variation) % 1, (0.5 + 0.61 * variation) % 1)
    canvas = cover(backdrop, size, centering)
    turn = variation % len(subjects)
    placed = _layout([*subjects[turn:], *subjects[:turn]], size, variation)
    _drop_shadows(canvas, placed)
    for position, subject in placed:
        canvas.paste(subject, position, subject)
    return Image.blend(canvas, Image.new("RGB", size, tint), 0.12 + 0.04 * variation)


def _layout(subjects: list[Image.Image], size: Size, variation: int) -> list[tuple[tuple[int, int], Image.Image]]:
    """Scale the subjects to fit side by side above the caption, standing on a shared floor line."""
    width, height = size
    gap = width * 0.03
    region_width = width * 0.86
    slot = ((region_width - gap * (len(subjects) - 1)) / len(subjects), height * (0.58 - 0.05 * (variation % 2)))
    left = (width - region_width) / 2 + (variation % 3 - 1) * 0.05 * width
    floor = height * (0.76 + (variation // 3 % 3 - 1) * 0.04)
    placed = []
    for index, subject in enumerate(subjects):
        fitted = ImageOps.contain(subject, (max(1, int(slot[0])), max(1, int(slot[1]))), BILINEAR)
        x = left + index * (slot[0] + gap) + (slot[0] - fitted.width) / 2
        placed.append(((round(x), round(floor - fitted.height)), fitted))
    return placed


def _drop_shadows(canvas: Image.Image, placed: list[tuple[tuple[int, int], Image.Image]]) -> None:
    """Darken `canvas` under a blurred, offset copy of each subject's silhouette."""
    short = min(canvas.size)
    offset = max(2, short // 60)
    mask = Image.new("L", canvas.size, 0)
    for (x, y), subject in placed:
        mask.paste(subject.getchannel("A"), (x + offset, y + offset))
    mask = mask.filter(ImageFilter.GaussianBlur(short / 50)).point(SHADOW_LUT)
    canvas.paste((0, 0, 0), (0, 0, *canvas.size), mask)


def _average_colour(image: Image.Image) -> tuple[int, int, int]:
    red, green, blue = (round(channel) for channel in ImageStat.Stat(image).mean[:3])
    return red, green, blue
