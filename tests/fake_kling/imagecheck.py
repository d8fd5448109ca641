"""The documented rules for input images: URL or raw base64 PNG/JPEG of sane size."""

from __future__ import annotations

import base64
import binascii
import io
from typing import Any

from PIL import Image, UnidentifiedImageError

from .errors import bad_request

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MIN_SIDE = 300
MAX_RATIO = 2.5
_MAGIC = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}


def check_image(field: str, value: Any) -> None:
    """Raise a 400 KlingError unless `value` is an acceptable image for `field`."""
    if not isinstance(value, str) or not value:
        raise bad_request(f"{field} must be a non-empty string (URL or Base64)")
    if value.startswith(("http://", "https://")):
        return  # The real API fetches URLs; the fake accepts them unseen.
    if value.startswith("data:"):
        raise bad_request(f"{field}: Base64 must not include the data: prefix")
    raw = _decode(field, value)
    if len(raw) > MAX_IMAGE_BYTES:
        raise bad_request(f"{field}: image must not exceed 10MB")
    if not raw.startswith(tuple(_MAGIC)):
        raise bad_request(f"{field}: only JPG/JPEG/PNG images are supported")
    _check_size(field, *_dimensions(field, raw))


def _decode(field: str, value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(f"{field} is neither an http(s) URL nor valid Base64") from None


def _dimensions(field: str, raw: bytes) -> tuple[int, int]:
    try:
        # Image.open reads only the header, which is all we need.
        with Image.open(io.BytesIO(raw)) as image:
            return image.size
    except (UnidentifiedImageError, OSError, ValueError):
        raise bad_request(f"{field}: image could not be decoded") from None


def _check_size(field: str, width: int, height: int) -> None:
    if min(width, height) < MIN_SIDE:
        raise bad_request(f"{field}: image must be at least {MIN_SIDE}px on each side (got {width}x{height})")
    if width / height > MAX_RATIO or height / width > MAX_RATIO:
        raise bad_request(f"{field}: aspect ratio must be between 1:2.5 and 2.5:1 (got {width}x{height})")
