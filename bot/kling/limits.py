"""Kling's documented limits on input images (kling-api.md, "Image requirements"): one definition for
the bot's intake (which fixes what it can) and the client's last check before sending.
"""

from __future__ import annotations

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MIN_IMAGE_SIDE = 300
# 2.5:1 as integers, so 750×300 is exactly allowed and no float rounding decides a refusal.
ASPECT_LONG, ASPECT_SHORT = 5, 2
ACCEPTED_FORMATS = frozenset({"PNG", "JPEG"})


def aspect_ratio_allowed(width: int, height: int) -> bool:
    """Return True when the image is no longer than 2.5:1 either way."""
    return max(width, height) * ASPECT_SHORT <= min(width, height) * ASPECT_LONG
