"""Render the simulator's effect scenes: the photo (or two) with a visible, scene-specific animation.

Single-photo scenes transform the photo itself (squish, expansion, a spin for dizzy, a plush blur for fuzzy,
a burst of colour for bloom); two-person scenes slide the two photos towards each other (a heart for the
tender ones, a shake for fight). A scene the simulator doesn't know gets a gentle pulse. Every frame is
captioned with the scene's label.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

from bot.simulator._frames import BILINEAR, Size, cover, gradient, hue_colour, open_image, overlay
from bot.simulator._output import encode_video, replace_atomically
from bot.simulator.render import VIDEO_ASPECT_RATIOS, video_size

__all__ = ["render_effect"]

PETAL_COLOURS = ((255, 120, 170), (255, 200, 60), (250, 90, 90), (190, 120, 255), (255, 255, 255))
PETALS = 28
CARD_SIZE = (0.4, 0.78)  # each person's card, as a share of the frame
CARD_TILT = 6  # degrees, leaning towards each other
Painter = Callable[[float, int], Image.Image]


def render_effect(
    photos: Sequence[bytes],
    scene: str,
    label: str,
    *,
    seconds: int,
    aspect_ratio: str,
    dest: Path,
    fps: int = 12,
    short_side: int = 480,
) -> Path:
    """Write a `seconds`-long MP4 of `scene` applied to one photo, or to two people, and return it."""
    if aspect_ratio not in VIDEO_ASPECT_RATIOS:
        raise ValueError(f"unsupported video aspect ratio {aspect_ratio!r}")
    if len(photos) not in (1, 2):
        raise ValueError(f"an effect takes one or two photos, got {len(photos)}")
    if seconds <= 0 or fps <= 0:
        raise ValueError("seconds and fps must be positive")
    size = video_size(aspect_ratio, seconds, short_side)
    paint = _two_people(photos, scene, size) if len(photos) == 2 else _one_photo(photos[0], scene, size)
    caption = overlay(size, label)
    total = seconds * fps

    def frames() -> Iterator[Image.Image]:
        for index in range(total):
            yield caption.apply(paint(index / max(total - 1, 1), index))

    return replace_atomically(dest, partial(encode_video, frames(), size=size, fps=fps))


def _one_photo(data: bytes, scene: str, size: Size) -> Painter:
    photo = cover(open_image(data, "RGB", size), size)
    backdrop = ImageEnhance.Brightness(photo.filter(ImageFilter.BoxBlur(min(size) / 20))).enhance(0.55)
    if scene == "squish":
        return partial(_squish, photo, backdrop)
    if scene == "expansion":
        return partial(_expansion, photo, backdrop)
    if scene == "dizzydizzy":
        return partial(_dizzy, photo, backdrop)
    if scene == "fuzzyfuzzy":
        plush = ImageOps.posterize(photo.filter(ImageFilter.BoxBlur(min(size) / 60)), 3)
        return partial(_fuzzy, photo, ImageEnhance.Color(plush).enhance(1.4))
    if scene == "bloombloom":
        return partial(_bloom, photo)
    return partial(_pulse, photo, backdrop)


def _scaled_on(backdrop: Image.Image, photo: Image.Image, scale_x: float, scale_y: float, floor: bool) -> Image.Image:
    """Return the photo scaled by (scale_x, scale_y) of the frame over the backdrop, centred or standing."""
    width, height = backdrop.size
    scaled = photo.resize((max(1, round(width * scale_x)), max(1, round(height * scale_y))), BILINEAR)
    frame = backdrop.copy()
    top = height - scaled.height if floor else (height - scaled.height) // 2
    frame.paste(scaled, ((width - scaled.width) // 2, top))
    return frame


def _squish(photo: Image.Image, backdrop: Image.Image, progress: float, _: int) -> Image.Image:
    squeeze = abs(math.sin(progress * math.pi * 3))  # three squeezes, like a toy pressed and let go
    return _scaled_on(backdrop, photo, 0.8 * (1 + 0.25 * squeeze), 0.8 * (1 - 0.4 * squeeze), floor=True)


def _expansion(photo: Image.Image, backdrop: Image.Image, progress: float, _: int) -> Image.Image:
    grow = 0.6 + 0.7 * progress * progress
    wobble = 0.04 * math.sin(progress * math.pi * 8)
    return _scaled_on(backdrop, photo, grow * (1 + wobble), grow * (1 - wobble), floor=False)


def _dizzy(photo: Image.Image, backdrop: Image.Image, progress: float, _: int) -> Image.Image:
    angle = 28 * math.sin(progress * math.pi * 6) * min(1.0, progress * 3)
    small = photo.resize((round(photo.width * 0.8), round(photo.height * 0.8)), BILINEAR)
    frame = backdrop.copy()
    turned = small.rotate(angle, BILINEAR, expand=False, fillcolor=None)
    mask = Image.new("L", small.size, 255).rotate(angle, BILINEAR, expand=False)
    frame.paste(turned, ((frame.width - small.width) // 2, (frame.height - small.height) // 2), mask)
    draw = ImageDraw.Draw(frame)
    short = min(frame.size)
    for star in range(5):  # stars circling over the head
        turn = progress * math.pi * 8 + star * 2 * math.pi / 5
        x = frame.width / 2 + math.cos(turn) * short * 0.3
        y = frame.height * 0.18 + math.sin(turn) * short * 0.06
        radius = short * 0.025
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(255, 230, 80))
    return frame


def _fuzzy(photo: Image.Image, plush: Image.Image, progress: float, _: int) -> Image.Image:
    return Image.blend(photo, plush, min(1.0, progress * 1.6))


def _bloom(photo: Image.Image, progress: float, index: int) -> Image.Image:
    frame = ImageEnhance.Color(photo).enhance(1 + progress)
    draw = ImageDraw.Draw(frame)
    width, height = frame.size
    short = min(width, height)
    for petal in range(PETALS):
        angle = petal * 2.399 + index * 0.02  # the golden angle spreads them evenly
        reach = (progress * 1.3 + petal / PETALS * 0.4) % 1.3  # waves of petals flying out from the centre
        x = width / 2 + math.cos(angle) * reach * width * 0.6
        y = height / 2 + math.sin(angle) * reach * height * 0.6
        radius = short * (0.015 + 0.035 * min(1.0, reach))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=PETAL_COLOURS[petal % len(PETAL_COLOURS)])
    return frame


def _pulse(photo: Image.Image, backdrop: Image.Image, progress: float, _: int) -> Image.Image:
    beat = 0.85 + 0.1 * math.sin(progress * math.pi * 4)
    return _scaled_on(backdrop, photo, beat, beat, floor=False)


def _two_people(photos: Sequence[bytes], scene: str, size: Size) -> Painter:
    backdrop = gradient(scene, size)
    card = (round(size[0] * CARD_SIZE[0]), round(size[1] * CARD_SIZE[1]))
    left, right = (
        _card(open_image(data, "RGB", card), card, tilt)
        for data, tilt in zip(photos, (-CARD_TILT, CARD_TILT), strict=True)
    )
    return partial(_meet, backdrop, left, right, scene)


def _card(photo: Image.Image, size: Size, tilt: float) -> Image.Image:
    """Return the photo as a white-bordered card, tilted by `tilt` degrees, on a transparent background."""
    border = max(3, min(size) // 40)
    framed = ImageOps.expand(cover(photo, (size[0] - 2 * border, size[1] - 2 * border)), border, (255, 255, 255))
    return framed.convert("RGBA").rotate(tilt, BILINEAR, expand=True)


def _meet(
    backdrop: Image.Image, left: Image.Image, right: Image.Image, scene: str, progress: float, index: int
) -> Image.Image:
    """Slide the two cards in from the sides until they touch; then a heart, or for a fight, a shake."""
    width, height = backdrop.size
    approach = min(1.0, progress / 0.6)
    approach = 1 - (1 - approach) ** 2  # ease out: they slow down as they meet
    gap = (1 - approach) * width * 0.3 - width * 0.04  # ends overlapping a little: a hug, not a handshake
    shake = 0
    if scene == "fight" and progress > 0.6:
        shake = round(math.sin(index * 2.1) * width * 0.02)
        gap += abs(math.sin(index * 0.9)) * width * 0.06  # bump apart and back
    frame = backdrop.copy()
    top = (height - left.height) // 2
    frame.paste(left, (round(width / 2 - gap / 2 - left.width) + shake, top), left)
    frame.paste(right, (round(width / 2 + gap / 2) - shake, top), right)
    if progress > 0.6:
        grown = min(1.0, (progress - 0.6) / 0.2)
        if scene == "fight":
            _burst(frame, (width / 2, height * 0.2), min(width, height) * 0.12 * grown, index)
        else:  # hug, kiss, heart gesture, and any two-person scene the simulator doesn't know
            _heart(frame, (width / 2, height * 0.2), min(width, height) * 0.09 * grown)
    return frame


def _heart(frame: Image.Image, centre: tuple[float, float], radius: float) -> None:
    if radius < 1:
        return
    x, y = centre
    draw = ImageDraw.Draw(frame)
    colour = hue_colour(0.97, 0.8, 0.95)
    draw.ellipse((x - radius, y - radius / 2, x, y + radius / 2), fill=colour)
    draw.ellipse((x, y - radius / 2, x + radius, y + radius / 2), fill=colour)
    point = [(x - radius * 0.97, y + radius * 0.12), (x + radius * 0.97, y + radius * 0.12), (x, y + radius * 1.3)]
    draw.polygon(point, fill=colour)


def _burst(frame: Image.Image, centre: tuple[float, float], radius: float, index: int) -> None:
    if radius < 1:
        return
    x, y = centre
    points = []
    for corner in range(16):
        reach = radius if corner % 2 == 0 else radius * 0.5
        angle = corner * math.pi / 8 + index * 0.3
        points.append((x + math.cos(angle) * reach, y + math.sin(angle) * reach))
    ImageDraw.Draw(frame).polygon(points, fill=(255, 210, 40), outline=(200, 40, 30), width=3)
