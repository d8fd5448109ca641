"""Turn a user's image into one Kling takes (PNG or JPEG, ≤ 10 MB, sides ≥ 300 px, 1:2.5..2.5:1), or say why not.

Small fixes (format, orientation, colour mode, size) happen silently and are listed in `notes`;
anything that would change what the picture shows, such as cropping, is refused instead.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image, ImageOps

from bot.kling.limits import MAX_IMAGE_BYTES, MIN_IMAGE_SIDE, aspect_ratio_allowed
from bot.media.decode import DecodedImage, decode_image
from bot.media.encode import CannotFitError, OutputFormat, encode_within
from bot.media.errors import IntakeError

log = logging.getLogger(__name__)

__all__ = ["IntakeError", "PreparedImage", "check_dimensions", "prepare_image", "prepare_image_sync"]

_PASS_THROUGH_MODES = {"PNG": {"RGB", "RGBA", "L", "LA", "P"}, "JPEG": {"RGB", "L"}}
_JPEG_FAMILY = {"JPEG", "MPO"}  # MPO is the multi-picture JPEG many phones save
_ICC_SPACE = {"RGB": b"RGB ", "RGBA": b"RGB ", "L": b"GRAY"}
# An MPO's extra pictures (depth map, preview) are not frames the user thinks of: no note for those.
_FIRST_FRAME_NOTES = {
    "GIF": "used the first frame of the animated GIF",
    "PNG": "used the first frame of the animated PNG",
    "WEBP": "used the first frame of the animated WEBP",
    "TIFF": "used the first page of the TIFF",
}


@dataclass(frozen=True)
class PreparedImage:
    """Image bytes ready for Kling, and what was fixed on the way."""

    data: bytes
    format: OutputFormat
    width: int
    height: int
    notes: tuple[str, ...]


# A 40 MP image can take a few hundred MB while it is processed: at most two are, each in a thread of this pool
# (a pool rather than an asyncio.Semaphore, which binds to the first event loop that waits on it).
MEDIA_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="media")


async def prepare_image(name: str, data: bytes) -> PreparedImage:
    """Check and normalise one image in a media thread (never on the event loop), with the caller's log context."""
    context = contextvars.copy_context()
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(MEDIA_THREADS, context.run, prepare_image_sync, name, data)


def prepare_image_sync(name: str, data: bytes) -> PreparedImage:
    """Validate and normalise an image; pass it through byte for byte when Kling takes it as it is."""
    decoded = decode_image(name, data)
    check_dimensions(name, *decoded.upright_size)
    if _passes_through(decoded, len(data)):
        width, height = decoded.image.size
        fmt: OutputFormat = "PNG" if decoded.format == "PNG" else "JPEG"
        return PreparedImage(data, fmt, width, height, ())
    prepared = _reencode(name, decoded, len(data))
    fixes = "; ".join(prepared.notes) or "metadata removed"
    log.info("Re-encoded the %s from %s (%d bytes) to %s (%d bytes): %s",
             name, decoded.format, len(data), prepared.format, len(prepared.data), fixes)  # fmt: skip
    return prepared


def check_dimensions(name: str, width: int, height: int) -> None:
    """Refuse sizes Kling refuses: a side under 300 px or an aspect ratio beyond 2.5:1 either way."""
    # Shape first: a 10000×100 strip is a cropping problem before it is a size problem.
    if not aspect_ratio_allowed(width, height):
        raise IntakeError(
            f"The {name} is {width}×{height} px ({_ratio(width, height)}); "
            "Kling needs an aspect ratio between 1:2.5 and 2.5:1 — crop it first."
        )
    if min(width, height) < MIN_IMAGE_SIDE:
        raise IntakeError(f"The {name} is {width}×{height} px; each side must be at least {MIN_IMAGE_SIDE} px.")


def _passes_through(decoded: DecodedImage, size: int) -> bool:
    modes = _PASS_THROUGH_MODES.get(decoded.format, set())
    upright = decoded.orientation == 1
    return decoded.image.mode in modes and upright and not decoded.animated and size <= MAX_IMAGE_BYTES


def _reencode(name: str, decoded: DecodedImage, size: int) -> PreparedImage:
    notes: list[str] = []
    image = decoded.image
    if decoded.orientation != 1:
        image = ImageOps.exif_transpose(image)
        notes.append("turned upright the way the camera recorded it")
    if decoded.animated and decoded.format in _FIRST_FRAME_NOTES:
        notes.append(_FIRST_FRAME_NOTES[decoded.format])
    image, mode_note = _normalise_mode(image)
    notes.extend([mode_note] if mode_note else [])
    _strip_metadata(image)
    lossless = decoded.format not in _JPEG_FAMILY or image.mode == "RGBA"
    try:
        encoded = encode_within(image, MAX_IMAGE_BYTES, lossless=lossless, min_side=MIN_IMAGE_SIDE)
    except CannotFitError as exc:
        raise IntakeError(f"The {name} can't be made smaller than 10 MB without shrinking it too much.") from exc
    source = "JPEG" if decoded.format in _JPEG_FAMILY else decoded.format
    if source != encoded.format:
        notes.insert(0, f"converted {source} to {encoded.format}")
    notes.extend(encoded.notes)
    if size > MAX_IMAGE_BYTES and not encoded.notes:
        notes.append("re-encoded to fit 10 MB")  # a big JPEG that fit at the first quality step
    return PreparedImage(encoded.data, encoded.format, encoded.width, encoded.height, tuple(notes))


def _normalise_mode(image: Image.Image) -> tuple[Image.Image, str | None]:
    """Return the image as RGB, RGBA or L: the modes both PNG and (but for RGBA) JPEG store plainly."""
    mode = image.mode
    if mode in ("RGB", "RGBA", "L"):
        return image, None
    if mode == "CMYK":
        return image.convert("RGB"), "converted CMYK colours to RGB"
    if mode in ("I", "F") or mode.startswith("I;16"):
        # 16-bit greys: keep the top 8 bits rather than letting convert() clip everything bright to white.
        return image.convert("I").point(lambda value: value / 256).convert("L"), None
    if mode == "1":
        return image.convert("L"), None
    return image.convert("RGBA" if image.has_transparency_data else "RGB"), None


def _strip_metadata(image: Image.Image) -> None:
    """Drop EXIF, XMP and text (GPS must not reach the provider); keep a colour profile that still fits."""
    icc = image.info.get("icc_profile")
    fits = isinstance(icc, bytes) and icc[16:20] == _ICC_SPACE.get(image.mode)
    image.info = {"icc_profile": icc} if fits else {}


def _ratio(width: int, height: int) -> str:
    ratio = f"{max(width, height) / min(width, height):.2f}".rstrip("0").rstrip(".")
    return f"{ratio}:1" if width >= height else f"1:{ratio}"
