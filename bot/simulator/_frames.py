"""Pillow building blocks of the simulated results: decoding, sizes, gradients, the caption overlay and camera moves."""

from __future__ import annotations

import colorsys
import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont, ImageOps

# The provider only ever receives intake's output; refusing other parsers keeps the attack surface small.
INPUT_FORMATS = ["PNG", "JPEG", "MPO"]
CAPTION_LINES = 2
ELLIPSIS = "…"
BADGE_TEXT = "SIMULATED"
BADGE_FILL = (200, 30, 40, 220)
BAR_FILL = (0, 0, 0, 150)
TEXT_FILL = (255, 255, 255, 255)
BILINEAR = Image.Resampling.BILINEAR

Size = tuple[int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def frame_size(aspect_ratio: str, short_side: int, *, even: bool) -> Size:
    """Return the width and height of `aspect_ratio` ("W:H") at `short_side`, rounded to even sides if asked."""
    width_part, _, height_part = aspect_ratio.partition(":")
    ratio = int(width_part) / int(height_part)
    long_side = short_side * max(ratio, 1 / ratio)
    rounded = round(long_side / 2) * 2 if even else round(long_side)
    return (rounded, short_side) if ratio >= 1 else (short_side, rounded)


def open_image(data: bytes, mode: str, fit: Size) -> Image.Image:
    """Decode a PNG or JPEG upright in `mode`, letting JPEG decode at a reduced scale that still covers `fit`."""
    with Image.open(io.BytesIO(data), formats=INPUT_FORMATS) as image:
        side = max(fit)  # square, because the EXIF rotation below may swap which side needs to cover which
        image.draft("RGB", (side, side))  # JPEG only: decoding a 12 MP photo at 1/4 scale is most of the speed-up
        upright = ImageOps.exif_transpose(image)
        return upright.convert(mode)


def cover(image: Image.Image, size: Size, centering: tuple[float, float] = (0.5, 0.5)) -> Image.Image:
    """Return `image` scaled and cropped to fill `size` exactly."""
    return ImageOps.fit(image, size, BILINEAR, centering=centering)


def prompt_hue(prompt: str) -> float:
    """Return a hue in [0, 1) that is stable for a prompt."""
    digest = hashlib.sha256(prompt.encode()).digest()
    return int.from_bytes(digest[:2]) / 65_536


def hue_colour(hue: float, saturation: float = 0.65, value: float = 0.85) -> tuple[int, int, int]:
    """Return an RGB colour for an HSV triple in [0, 1]."""
    red, green, blue = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return round(red * 255), round(green * 255), round(blue * 255)


def gradient(prompt: str, size: Size) -> Image.Image:
    """Return a soft multi-colour gradient of `size` around the prompt's hue."""
    digest = hashlib.sha256(prompt.encode()).digest()
    hue = prompt_hue(prompt)
    columns, rows = 4, 3
    grid = Image.new("RGB", (columns, rows))
    # Neighbouring hues (±0.12) and varied brightness read as one palette rather than a rainbow.
    grid.putdata(
        [
            hue_colour(hue + (digest[2 + cell] - 128) / 1_066, 0.45 + digest[14 + cell] / 640, 0.5 + cell % 3 * 0.2)
            for cell in range(columns * rows)
        ]
    )
    return grid.resize(size, BILINEAR)


def load_font(size: int) -> Font:
    """Return Pillow's bundled font at `size` px: nothing to download or install."""
    return ImageFont.load_default(size=size)


def wrap(text: str, font: Font, width: float, max_lines: int = CAPTION_LINES) -> list[str]:
    """Return `text` broken into lines no wider than `width`, at most `max_lines`, the last ellipsised if cut."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while font.getlength(current) > width and len(current) > 1:  # a word wider than a line is cut anywhere
            head = _longest_prefix(current, font, width)
            lines.append(head)
            current = current[len(head) :]
        if len(lines) > max_lines:
            break
    if current:
        lines.append(current)
    if len(lines) <= max_lines:
        return lines
    return [*lines[: max_lines - 1], _ellipsise(lines[max_lines - 1], font, width)]


def _longest_prefix(word: str, font: Font, width: float) -> str:
    end = len(word) - 1
    while end > 1 and font.getlength(word[:end]) > width:
        end -= 1
    return word[:end]


def _ellipsise(line: str, font: Font, width: float) -> str:
    while line and font.getlength(line + ELLIPSIS) > width:
        line = line[:-1]
    return line.rstrip() + ELLIPSIS


@dataclass(frozen=True)
class Overlay:
    """Translucent tiles (caption bar, badge) rendered once and composited onto every frame."""

    tiles: tuple[tuple[tuple[int, int], Image.Image], ...]

    def apply(self, frame: Image.Image) -> Image.Image:
        """Composite the tiles onto the RGB `frame` in place and return it."""
        for position, tile in self.tiles:
            frame.paste(tile, position, tile)  # the tile's alpha as the mask: "over" onto an opaque frame
        return frame


def overlay(size: Size, prompt: str) -> Overlay:
    """Render the prompt caption at the bottom and the SIMULATED badge at the top right of a `size` frame."""
    width, height = size
    short = min(size)
    badge = _badge(load_font(max(10, short // 30)), short // 60)
    tiles = [((width - badge.width - short // 40, short // 40), badge)]
    bar = _caption_bar(prompt, width, load_font(max(12, short // 22)), short // 40)
    if bar is not None:
        tiles.append(((0, height - bar.height), bar))
    return Overlay(tuple(tiles))


def _badge(font: Font, pad: int) -> Image.Image:
    left, top, right, bottom = font.getbbox(BADGE_TEXT)
    tile = Image.new("RGBA", (int(right - left) + 2 * pad, int(bottom - top) + 2 * pad), (0, 0, 0, 0))
    draw = ImageDraw.Draw(tile)
    draw.rounded_rectangle((0, 0, tile.width - 1, tile.height - 1), radius=pad, fill=BADGE_FILL)
    draw.text((pad - left, pad - top), BADGE_TEXT, font=font, fill=TEXT_FILL)
    return tile


def _caption_bar(prompt: str, width: int, font: Font, pad: int) -> Image.Image | None:
    lines = wrap(prompt, font, width - 2 * pad)
    if not lines:
        return None
    line_height = round(font.getbbox("Hg")[3] * 1.2)
    tile = Image.new("RGBA", (width, line_height * len(lines) + 2 * pad), BAR_FILL)
    draw = ImageDraw.Draw(tile)
    for index, line in enumerate(lines):
        draw.text((width / 2, pad + index * line_height), line, font=font, fill=TEXT_FILL, anchor="ma")
    return tile


@dataclass(frozen=True)
class Shot:
    """A source image and a slow camera move across it: zoom and drift of the view centre over the shot."""

    source: Image.Image
    zoom: tuple[float, float]
    # Centre offsets at the start and end, in units of the free margin around the view: -1 left/top, 1 right/bottom.
    drift: tuple[tuple[float, float], tuple[float, float]]

    def frame(self, size: Size, progress: float) -> Image.Image:
        """Return the view of the shot at `progress` (0 start, 1 end) rendered at `size`."""
        width, height = size
        zoom = _lerp(*self.zoom, progress)
        scale = min(self.source.width / width, self.source.height / height) / zoom  # source px per output px
        view_width, view_height = width * scale, height * scale
        (start_x, start_y), (end_x, end_y) = self.drift
        left = (self.source.width - view_width) * (1 + _lerp(start_x, end_x, progress)) / 2
        top = (self.source.height - view_height) * (1 + _lerp(start_y, end_y, progress)) / 2
        # A boxed resize is separable and about twice as fast here as an affine `transform`.
        right, bottom = min(left + view_width, self.source.width), min(top + view_height, self.source.height)
        return self.source.resize(size, BILINEAR, box=(max(left, 0), max(top, 0), right, bottom))


def _lerp(start: float, end: float, progress: float) -> float:
    return start + (end - start) * progress
