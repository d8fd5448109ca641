"""Image intake: what passes untouched, what is fixed silently, and what is refused with which words."""

from __future__ import annotations

import io
import struct
import time

import pytest
from PIL import ExifTags, Image, ImageCms, features

from bot.media.encode import OutputFormat
from bot.media.intake import IntakeError, PreparedImage, prepare_image, prepare_image_sync
from tests.media.makers import bomb_png, encoded, noise, solid

RED, BLUE = (255, 0, 0), (0, 0, 255)
TEN_MB = 10 * 1024 * 1024


def opened(prepared: PreparedImage) -> Image.Image:
    image = Image.open(io.BytesIO(prepared.data))
    assert image.format == prepared.format
    assert image.size == (prepared.width, prepared.height)
    return image


def halves(width: int, height: int, left: tuple[int, int, int], right: tuple[int, int, int]) -> Image.Image:
    image = Image.new("RGB", (width, height), left)
    image.paste(right, (width // 2, 0, width, height))
    return image


def rotated_jpeg(width: int, height: int, *, gps: bool = False) -> bytes:
    """Return a JPEG stored sideways with EXIF orientation 6 (turn 90° clockwise to view)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    if gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    return encoded(halves(width, height, RED, BLUE), "JPEG", exif=exif, quality=95)


def mpo(width: int, height: int) -> bytes:
    """Return a two-picture MPO, the JPEG variant phones save (primary image plus, say, a depth map)."""
    pictures = [Image.new("RGB", (width, height), colour) for colour in (RED, BLUE)]
    return encoded(pictures[0], "MPO", save_all=True, append_images=pictures[1:])


def jpeg_claiming(width: int, height: int) -> bytes:
    """Return a small JPEG whose header claims `width`×`height`."""
    data = bytearray(solid(400, 400, "JPEG"))
    start_of_frame = data.index(b"\xff\xc0")
    data[start_of_frame + 5 : start_of_frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.mark.parametrize(
    ("fmt", "mode"),
    [("PNG", "RGB"), ("PNG", "RGBA"), ("PNG", "L"), ("PNG", "LA"), ("PNG", "P"), ("JPEG", "RGB"), ("JPEG", "L")],
)
async def test_png_and_jpeg_within_limits_pass_through_byte_for_byte(fmt: OutputFormat, mode: str) -> None:
    """A PNG or JPEG Kling takes as it is comes back as the very same bytes, with no notes."""
    data = solid(640, 480, fmt, mode)
    prepared = await prepare_image("image", data)
    assert prepared == PreparedImage(data, fmt, 640, 480, ())


def test_exif_rotated_jpeg_is_turned_upright_without_metadata() -> None:
    """Orientation 6 is applied (sides swap, left half ends on top) and EXIF, GPS included, is dropped."""
    prepared = prepare_image_sync("image", rotated_jpeg(800, 400, gps=True))
    assert (prepared.format, prepared.width, prepared.height) == ("JPEG", 400, 800)
    assert prepared.notes == ("turned upright the way the camera recorded it",)
    image = opened(prepared)
    assert not image.getexif()
    top, bottom = image.convert("RGB").getpixel((200, 100)), image.convert("RGB").getpixel((200, 700))
    assert isinstance(top, tuple)
    assert isinstance(bottom, tuple)
    assert top[0] > 200 > top[2]
    assert bottom[2] > 200 > bottom[0]


def test_refusal_reports_the_upright_size() -> None:
    """A sideways-stored 600×250 photo is refused as the 250×600 image the user sees."""
    with pytest.raises(IntakeError) as caught:
        prepare_image_sync("end image", rotated_jpeg(600, 250))
    assert caught.value.user_message == "The end image is 250×600 px; each side must be at least 300 px."


@pytest.mark.parametrize(
    ("data", "fmt", "mode", "notes"),
    [
        (solid(500, 400, "WEBP", lossless=True), "PNG", "RGB", ("converted WEBP to PNG",)),
        (solid(500, 400, "WEBP", "RGBA", (0, 0, 0, 0), lossless=True), "PNG", "RGBA", ("converted WEBP to PNG",)),
        (solid(500, 400, "BMP"), "PNG", "RGB", ("converted BMP to PNG",)),
        (solid(500, 400, "JPEG", "CMYK", (0, 255, 255, 0)), "JPEG", "RGB", ("converted CMYK colours to RGB",)),
        (solid(500, 400, "TIFF", "CMYK"), "PNG", "RGB", ("converted TIFF to PNG", "converted CMYK colours to RGB")),
        (solid(500, 400, "PNG", "1", 1), "PNG", "L", ()),
        (solid(500, 400, "PNG", "I;16", 40_000), "PNG", "L", ()),
        (solid(500, 400, "GIF", "P", 3, transparency=3), "PNG", "RGBA", ("converted GIF to PNG",)),
        (mpo(500, 400), "JPEG", "RGB", ()),
    ],
    ids=["webp", "webp-alpha", "bmp", "cmyk-jpeg", "cmyk-tiff", "1-bit-png", "16-bit-png", "gif-transparent", "mpo"],
)
def test_other_formats_and_modes_are_converted(data: bytes, fmt: str, mode: str, notes: tuple[str, ...]) -> None:
    """Formats Kling refuses become PNG (JPEG stays JPEG), and odd colour modes become RGB, RGBA or L."""
    prepared = prepare_image_sync("image", data)
    assert (prepared.format, prepared.width, prepared.height, prepared.notes) == (fmt, 500, 400, notes)
    assert opened(prepared).mode == mode


def test_sixteen_bit_grey_keeps_its_brightness() -> None:
    """16-bit greys are scaled to 8 bits, not clipped to white."""
    prepared = prepare_image_sync("image", solid(400, 400, "PNG", "I;16", 40_000))
    assert opened(prepared).getpixel((0, 0)) == 40_000 // 256


def test_colour_profile_survives_conversion() -> None:
    """The ICC profile is kept (colours stay right) while the rest of the metadata goes."""
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    prepared = prepare_image_sync("image", solid(400, 400, "WEBP", icc_profile=srgb, lossless=True))
    assert opened(prepared).info.get("icc_profile") == srgb


def test_animated_gif_becomes_its_first_frame() -> None:
    """Only the first frame of an animated GIF is used, and the note says so."""
    frames = [Image.new("RGB", (400, 320), colour) for colour in (RED, (0, 255, 0), BLUE)]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    prepared = prepare_image_sync("image 2", data)
    assert prepared.notes == ("converted GIF to PNG", "used the first frame of the animated GIF")
    assert opened(prepared).convert("RGB").getpixel((10, 10)) == RED


def test_oversized_png_becomes_a_jpeg_under_ten_mb(big_noise_png: bytes) -> None:
    """A 15 MB PNG is re-encoded as a JPEG of at most 10 MB, keeping its size."""
    assert len(big_noise_png) > TEN_MB
    prepared = prepare_image_sync("image", big_noise_png)
    assert prepared.format == "JPEG"
    assert len(prepared.data) <= TEN_MB
    assert (prepared.width, prepared.height) == (2600, 2000)
    assert prepared.notes == ("converted PNG to JPEG", "re-encoded to fit 10 MB")
    opened(prepared).load()


@pytest.mark.skipif(not features.check("avif"), reason="this Pillow reads no AVIF")
def test_avif_becomes_png() -> None:
    """AVIF, which Pillow 13 reads, is converted like WEBP."""
    prepared = prepare_image_sync("image", solid(400, 400, "AVIF"))
    assert (prepared.format, prepared.notes) == ("PNG", ("converted AVIF to PNG",))


def test_big_jpeg_that_fits_at_first_quality_says_it_was_reencoded() -> None:
    """A JPEG over 10 MB re-encoded at quality 92 still tells the user it was re-encoded."""
    data = encoded(noise(3000, 2200), "JPEG", quality=100)
    assert len(data) > TEN_MB
    prepared = prepare_image_sync("image", data)
    assert prepared.format == "JPEG"
    assert len(prepared.data) <= TEN_MB
    assert prepared.notes == ("re-encoded to fit 10 MB",)


def test_decompression_bomb_is_refused_before_decoding() -> None:
    """A 20000×20000 PNG (a few KB that would decode to 400 MP) is refused from its header, at once."""
    data = bomb_png(20_000, 20_000)
    assert len(data) < 200_000
    started = time.perf_counter()
    with pytest.raises(IntakeError) as caught:
        prepare_image_sync("image", data)
    assert time.perf_counter() - started < 1
    assert caught.value.user_message == "The image is 20000×20000 px (400 MP); the limit is 40 MP."


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("image", solid(1, 1), "The image is 1×1 px; each side must be at least 300 px."),
        ("end image", solid(299, 600), "The end image is 299×600 px; each side must be at least 300 px."),
        (
            "image",
            solid(10_000, 100),
            "The image is 10000×100 px (100:1); Kling needs an aspect ratio between 1:2.5 and 2.5:1 — crop it first.",
        ),
        (
            "scene",
            solid(300, 751, "JPEG"),
            "The scene is 300×751 px (1:2.5); Kling needs an aspect ratio between 1:2.5 and 2.5:1 — crop it first.",
        ),
        ("subject 3", bomb_png(8000, 6000), "The subject 3 is 8000×6000 px (48 MP); the limit is 40 MP."),
        ("image", jpeg_claiming(30_000, 20_000), "The image is 30000×20000 px (600 MP); the limit is 40 MP."),
        ("image", bytes(30 * 1024 * 1024), "The image is 30.0 MB; upload images up to 25 MB."),
        ("style", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "The style is an SVG; "),
        ("image", b"hello", "The image is not an image file I can read (or it is damaged)"),
        ("image", b"", "The image is not an image file I can read (or it is damaged)"),
        ("image", encoded(noise(400, 400), "PNG")[:100_000], "The image is not an image file I can read"),
        ("image", encoded(noise(400, 400), "JPEG")[:20_000], "The image is not an image file I can read"),
        ("image", solid(400, 400, "ICO"), "The image is not an image file I can read"),
    ],
    ids=[
        "1x1",
        "299x600",
        "100:1",
        "just-over-2.5",
        "48-MP",
        "jpeg-600-MP",
        "30-MB",
        "svg",
        "text",
        "empty",
        "cut-png",
        "cut-jpeg",
        "ico",
    ],
)
def test_refusals_name_the_image_and_the_rule(name: str, data: bytes, message: str) -> None:
    """Each refusal starts with the image's name and says what is wrong in words a user can act on."""
    with pytest.raises(IntakeError) as caught:
        prepare_image_sync(name, data)
    assert caught.value.user_message.startswith(message)
    assert str(caught.value) == caught.value.user_message


def test_png_with_a_damaged_chunk_is_refused() -> None:
    """A flipped byte inside the pixel data fails the PNG checksum and is refused, not decoded as garbage."""
    data = bytearray(solid(400, 400, "PNG", "RGB", (10, 20, 30)))
    data[data.index(b"IDAT") + 10] ^= 0xFF
    with pytest.raises(IntakeError, match="damaged"):
        prepare_image_sync("image", bytes(data))


@pytest.mark.parametrize(("width", "height"), [(300, 300), (750, 300), (300, 750), (6000, 6000)])
def test_sizes_at_the_limits_are_accepted(width: int, height: int) -> None:
    """300 px sides, exactly 2.5:1 and 36 MP (under the 40 MP cap) are all fine."""
    prepared = prepare_image_sync("image", solid(width, height, "JPEG"))
    assert (prepared.width, prepared.height) == (width, height)
