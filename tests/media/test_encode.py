"""Encoding under a byte limit: PNG when it fits, then JPEG at falling quality, then fewer pixels."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.media.encode import CannotFitError, encode_within
from tests.media.makers import noise


def test_png_is_kept_when_it_fits() -> None:
    """A lossless image under the limit stays PNG, with nothing to report."""
    result = encode_within(Image.new("RGB", (400, 300), "red"), 1024 * 1024, lossless=True)
    assert (result.format, result.width, result.height, result.notes) == ("PNG", 400, 300, ())


def test_transparent_image_over_the_limit_is_flattened_to_jpeg() -> None:
    """When a transparent PNG can't fit, the JPEG gets a white background and a note saying so."""
    image = Image.merge("RGBA", (*noise(500, 400).split(), Image.new("L", (500, 400), 0)))
    result = encode_within(image, 300_000, lossless=True)
    assert result.format == "JPEG"
    assert len(result.data) <= 300_000
    assert result.notes[:2] == ("re-encoded to fit 0.286 MB", "filled transparent areas with white")
    assert Image.open(io.BytesIO(result.data)).getpixel((0, 0)) == (255, 255, 255)


def test_jpeg_is_scaled_down_until_it_fits_but_not_below_the_short_side_floor() -> None:
    """Noise that no JPEG quality saves is scaled down step by step, keeping its proportions."""
    result = encode_within(noise(1200, 900), 150_000, lossless=False)
    assert result.format == "JPEG"
    assert len(result.data) <= 150_000
    assert 300 <= result.height < 900
    assert abs(result.width / result.height - 4 / 3) < 0.01
    assert result.notes == (f"scaled down to {result.width}×{result.height} px to fit 0.143 MB",)


def test_giving_up_at_the_short_side_floor() -> None:
    """If even the smallest allowed size is too big, encoding fails rather than shrinking further."""
    with pytest.raises(CannotFitError):
        encode_within(noise(400, 320), 2_000, lossless=False)
