"""Encode an image as PNG or JPEG under a byte limit, giving up JPEG quality first and pixels last."""

from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass
from typing import Literal

from PIL import Image

from bot.kling.limits import MIN_IMAGE_SIDE

log = logging.getLogger(__name__)

OutputFormat = Literal["PNG", "JPEG"]

JPEG_QUALITIES = (92, 85, 75)
DOWNSCALE_QUALITY = 85
# Aim a little under the limit when shrinking: JPEG size only roughly follows the pixel count.
_SHRINK_MARGIN = 0.95


class CannotFitError(ValueError):
    """Even the smallest allowed JPEG is over the limit."""


@dataclass(frozen=True)
class Encoded:
    """Encoded image bytes and what was given up to fit them."""

    data: bytes
    format: OutputFormat
    width: int
    height: int
    notes: tuple[str, ...]


def encode_within(image: Image.Image, limit_bytes: int, *, lossless: bool, min_side: int = MIN_IMAGE_SIDE) -> Encoded:
    """Return `image` as PNG if `lossless` and it fits, else as the best JPEG that fits in `limit_bytes`."""
    if lossless:
        data = encode(image, "PNG")
        if len(data) <= limit_bytes:
            return Encoded(data, "PNG", image.width, image.height, ())
        log.debug("PNG of %dx%d is %d bytes; trying JPEG", image.width, image.height, len(data))
    notes = [f"re-encoded to fit {_limit_label(limit_bytes)}"] if lossless else []
    if image.mode not in ("RGB", "L"):
        image = flatten(image)
        notes.append("filled transparent areas with white")
    for quality in JPEG_QUALITIES:
        data = encode(image, "JPEG", quality=quality)
        if len(data) <= limit_bytes:
            if quality != JPEG_QUALITIES[0] and not lossless:
                notes.append(f"re-encoded to fit {_limit_label(limit_bytes)}")
            return Encoded(data, "JPEG", image.width, image.height, tuple(notes))
    return _shrink(image, limit_bytes, min_side, len(data), notes)


def encode(image: Image.Image, fmt: OutputFormat, quality: int = JPEG_QUALITIES[0]) -> bytes:
    """Return `image` encoded without metadata, keeping only its colour profile."""
    buffer = io.BytesIO()
    icc_profile = image.info.get("icc_profile")
    extra = {"icc_profile": icc_profile} if icc_profile else {}
    if fmt == "JPEG":
        image.save(buffer, format="JPEG", quality=quality, optimize=True, **extra)
    else:
        image.save(buffer, format="PNG", **extra)
    return buffer.getvalue()


def flatten(image: Image.Image) -> Image.Image:
    """Return an RGB copy of `image` with transparent areas filled with white."""
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, "white")
    background.paste(rgba, mask=rgba.getchannel("A"))
    background.info = {key: value for key, value in image.info.items() if key == "icc_profile"}
    return background


def _shrink(image: Image.Image, limit_bytes: int, min_side: int, last_size: int, notes: list[str]) -> Encoded:
    """Scale down step by step (never below `min_side` on the short side) until the JPEG fits."""
    floor = min(1.0, min_side / min(image.size))
    scale = 1.0
    while scale > floor:
        scale = max(floor, scale * min(0.9, math.sqrt(limit_bytes / last_size) * _SHRINK_MARGIN))
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        smaller = image.resize(size, Image.Resampling.LANCZOS)
        smaller.info = image.info
        data = encode(smaller, "JPEG", quality=DOWNSCALE_QUALITY)
        if len(data) <= limit_bytes:
            notes.append(f"scaled down to {size[0]}×{size[1]} px to fit {_limit_label(limit_bytes)}")
            return Encoded(data, "JPEG", size[0], size[1], tuple(notes))
        last_size = len(data)
    raise CannotFitError(f"{image.width}×{image.height} can't fit in {limit_bytes} bytes at {min_side} px")


def _limit_label(limit_bytes: int) -> str:
    return f"{limit_bytes / 1024 / 1024:.3g} MB"
