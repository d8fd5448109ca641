"""Render the simulator's text → image and virtual try-on stills: PNGs marked SIMULATED, like the other results."""

from __future__ import annotations

import hashlib
from functools import partial
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps, ImageStat

from bot.simulator._frames import (
    BILINEAR,
    Size,
    cover,
    frame_size,
    gradient,
    hue_colour,
    open_image,
    overlay,
    prompt_hue,
)
from bot.simulator._output import replace_atomically, save_png

__all__ = ["RESOLUTION_SHORT_SIDES", "render_text_images", "render_try_on"]

# Kling's 1k and 2k, scaled down (the simulator proves shape and count, not detail); 2k stays the larger.
RESOLUTION_SHORT_SIDES = {"1k": 512, "2k": 768}
IMAGE_ASPECT_RATIOS = frozenset({"16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9"})
MAX_COUNT = 9
MARGIN = 1.2  # the backdrop is this much larger than the image, so each variation crops it differently
DEFAULT_FIDELITY = 0.5
SPOTS = 7  # soft light spots per text → image variation
TRY_ON_SHORT_SIDE = 512
TRY_ON_CAPTION = "Virtual try-on"
GARMENT_WIDTH = 0.56  # of the person image's width
GARMENT_TOP = 0.3  # where the garment's top edge sits, as a share of the height
WHITE_CUTOFF = 236  # garment pixels brighter than this (a product photo's white backdrop) are left out
FILLED = 0.9  # a garment photo covering more of its frame than this has no cut-out: a shirt shape is cut for it
# A T-shirt's outline in shares of its box: neckline, shoulders, sleeves, body.
SHIRT = (
    (0.30, 0.02), (0.40, 0.0), (0.50, 0.08), (0.60, 0.0), (0.70, 0.02), (1.0, 0.22), (0.86, 0.40), (0.76, 0.32),
    (0.76, 1.0), (0.24, 1.0), (0.24, 0.32), (0.14, 0.40), (0.0, 0.22),
)  # fmt: skip


def render_text_images(
    prompt: str,
    reference: bytes | None,
    *,
    count: int,
    aspect_ratio: str,
    resolution: str,
    dest_dir: Path,
    fidelity: float | None = None,
) -> list[Path]:
    """Write `count` variations of the prompt (over the reference image, when given) as `dest_dir`/0.png…

    Each is a prompt-coloured gradient with its own crop, tint and light spots; a reference image shows
    through it, the more strongly the higher `fidelity` (0–1, default 0.5).
    """
    if aspect_ratio not in IMAGE_ASPECT_RATIOS:
        raise ValueError(f"unsupported image aspect ratio {aspect_ratio!r}")
    if resolution not in RESOLUTION_SHORT_SIDES:
        raise ValueError(f"unsupported resolution {resolution!r}")
    if not 1 <= count <= MAX_COUNT:
        raise ValueError(f"count must be 1 to {MAX_COUNT}, got {count}")
    size = frame_size(aspect_ratio, RESOLUTION_SHORT_SIDES[resolution], even=False)
    margin = (round(size[0] * MARGIN), round(size[1] * MARGIN))
    backdrop = gradient(prompt, margin)
    if reference is not None:
        picture = cover(open_image(reference, "RGB", margin), margin)
        strength = DEFAULT_FIDELITY if fidelity is None else fidelity
        backdrop = Image.blend(backdrop, picture, 0.35 + 0.55 * strength)
    caption = overlay(size, prompt)
    dest_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for variation in range(count):
        still = caption.apply(_variation(backdrop, prompt, size, variation))
        paths.append(replace_atomically(dest_dir / f"{variation}.png", partial(save_png, still)))
    return paths


def _variation(backdrop: Image.Image, prompt: str, size: Size, variation: int) -> Image.Image:
    """Return one take: its own crop of the backdrop, soft light spots and a tint a little further round the hue."""
    centering = ((0.5 + 0.37 * variation) % 1, (0.5 + 0.61 * variation) % 1)
    canvas = cover(backdrop, size, centering)
    digest = hashlib.sha256(f"{variation}:{prompt}".encode()).digest()
    hue = prompt_hue(prompt) + 0.07 * variation
    spots = Image.new("RGB", size, (0, 0, 0))
    draw = ImageDraw.Draw(spots)
    short = min(size)
    for index in range(SPOTS):
        x, y = digest[3 * index] / 255 * size[0], digest[3 * index + 1] / 255 * size[1]
        radius = short * (0.06 + digest[3 * index + 2] / 255 * 0.16)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=hue_colour(hue + index * 0.05, 0.35, 0.9))
    spots = spots.filter(ImageFilter.BoxBlur(short / 25))
    canvas = ImageChops.screen(canvas, Image.blend(Image.new("RGB", size, (0, 0, 0)), spots, 0.6))
    return Image.blend(canvas, Image.new("RGB", size, hue_colour(hue)), 0.1)


def render_try_on(person: bytes, garment: bytes, *, dest: Path) -> Path:
    """Write one PNG of the person with the garment laid over their torso to `dest` and return it."""
    with_person = open_image(person, "RGB", (TRY_ON_SHORT_SIDE, TRY_ON_SHORT_SIDE))
    scale = TRY_ON_SHORT_SIDE / min(with_person.size)
    size = (round(with_person.width * scale), round(with_person.height * scale))
    canvas = with_person.resize(size, BILINEAR)
    clothes = open_image(garment, "RGBA", size)
    fitted = ImageOps.contain(clothes, (round(size[0] * GARMENT_WIDTH), round(size[1] * (0.92 - GARMENT_TOP))))
    mask = _garment_mask(fitted)
    position = ((size[0] - fitted.width) // 2, round(size[1] * GARMENT_TOP))
    shadow_offset = max(2, min(size) // 80)
    shadow = mask.filter(ImageFilter.GaussianBlur(min(size) / 60)).point(lambda value: value * 45 // 100)
    canvas.paste((0, 0, 0), (position[0] + shadow_offset, position[1] + shadow_offset), shadow)
    canvas.paste(fitted.convert("RGB"), position, mask)
    still = overlay(size, TRY_ON_CAPTION).apply(canvas)
    return replace_atomically(dest, partial(save_png, still))


def _garment_mask(garment: Image.Image) -> Image.Image:
    """Return where the garment is: its own transparency, less a white product-photo backdrop, edges softened.

    A photo that is garment edge to edge (nothing transparent or white to cut away) is cut to a T-shirt shape.
    """
    alpha = garment.getchannel("A")
    red, green, blue = (garment.getchannel(band) for band in "RGB")
    darkest = ImageChops.darker(ImageChops.darker(red, green), blue)
    not_white = darkest.point(lambda value: 0 if value > WHITE_CUTOFF else 255)
    mask = ImageChops.multiply(alpha, not_white)
    if ImageStat.Stat(mask).mean[0] > 255 * FILLED:
        width, height = garment.size
        shirt = Image.new("L", garment.size, 0)
        ImageDraw.Draw(shirt).polygon([(x * (width - 1), y * (height - 1)) for x, y in SHIRT], fill=255)
        mask = ImageChops.multiply(mask, shirt)
    return mask.filter(ImageFilter.GaussianBlur(1.2))
