"""Read an untrusted image: byte and pixel caps before any pixel is decoded, then a full decode to prove it whole."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from PIL import ExifTags, Image

from bot.media.errors import IntakeError

log = logging.getLogger(__name__)

MAX_INPUT_BYTES = 25 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Only formats people actually upload: every extra parser is attack surface (EPS would even run Ghostscript).
INPUT_FORMATS = ("PNG", "JPEG", "MPO", "WEBP", "GIF", "BMP", "TIFF", "AVIF", "HEIF")
ACCEPTED_NAMES = "a PNG, JPEG, WEBP or GIF"
_SWAPPING_ORIENTATIONS = frozenset({5, 6, 7, 8})


@dataclass(frozen=True)
class DecodedImage:
    """The first frame of an image, fully decoded but not yet turned upright."""

    image: Image.Image
    format: str
    orientation: int  # EXIF 1..8; 1 means already upright
    animated: bool

    @property
    def upright_size(self) -> tuple[int, int]:
        """Return the size the user sees once the EXIF orientation is applied."""
        width, height = self.image.size
        return (height, width) if self.orientation in _SWAPPING_ORIENTATIONS else (width, height)


def decode_image(name: str, data: bytes) -> DecodedImage:
    """Decode the first frame of `data`, refusing oversized, unreadable or damaged input by content alone."""
    if len(data) > MAX_INPUT_BYTES:
        raise IntakeError(f"The {name} is {_megabytes(len(data))} MB; upload images up to 25 MB.")
    formats = readable_formats()
    try:
        image = Image.open(io.BytesIO(data), formats=formats)
        check_pixels(name, image.size)
        if image.format == "PNG":
            image.verify()  # checks every chunk's CRC, which decoding alone skips; the image is spent after it
            image = Image.open(io.BytesIO(data), formats=formats)
        animated = bool(getattr(image, "is_animated", False))  # before load(): probing seeks between frames
        image.load()
        return DecodedImage(image, image.format or "", _orientation(image), animated)
    except Image.DecompressionBombError as exc:
        # Pillow's own cap (far above ours) fired inside open(), before it told us the size.
        claimed = _claimed_size(data, formats)
        if claimed is not None:
            check_pixels(name, claimed)
        raise IntakeError(f"The {name} is too large; the limit is {MAX_PIXELS // 1_000_000} MP.") from exc
    except IntakeError:
        raise
    except Exception as exc:  # Pillow's parsers raise many types on hostile input; any of them means unusable
        log.info("Refused %s (%d bytes): %r", name, len(data), exc)
        raise _unreadable(name, data) from exc


def check_pixels(name: str, size: tuple[int, int]) -> None:
    """Refuse an image whose header claims more pixels than we are willing to decode."""
    width, height = size
    if width * height > MAX_PIXELS:
        raise IntakeError(
            f"The {name} is {width}×{height} px ({_megapixels(width * height)} MP); "
            f"the limit is {MAX_PIXELS // 1_000_000} MP."
        )


def readable_formats() -> list[str]:
    """Return the input formats this Pillow can open (HEIF only with a plugin such as pillow-heif)."""
    Image.init()
    return [fmt for fmt in INPUT_FORMATS if fmt in Image.OPEN]


def _orientation(image: Image.Image) -> int:
    value = image.getexif().get(ExifTags.Base.Orientation, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _claimed_size(data: bytes, formats: list[str]) -> tuple[int, int] | None:
    """Return the size a header claims, parsing it with the format's plugin directly (no bomb check, no decoding)."""
    for fmt in formats:
        factory, accept = Image.OPEN[fmt]
        if accept is not None and not accept(data[:16]):
            continue
        try:
            with factory(io.BytesIO(data), "") as image:
                return image.size
        except Exception:  # noqa: S112 - a header another plugin may read better; try the next
            continue
    return None


def _unreadable(name: str, data: bytes) -> IntakeError:
    if _looks_like_svg(data):
        return IntakeError(f"The {name} is an SVG; upload {ACCEPTED_NAMES}.")
    return IntakeError(f"The {name} is not an image file I can read (or it is damaged); upload {ACCEPTED_NAMES} image.")


def _looks_like_svg(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") and b"<svg" in head


def _megabytes(count: int) -> str:
    return f"{count / 1024 / 1024:.1f}"


def _megapixels(count: int) -> str:
    return f"{count / 1_000_000:.1f}".removesuffix(".0")
