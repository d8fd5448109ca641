"""Kling's documented limits on input images and audio (kling-api.md): one definition for the bot's
intake (which fixes what it can) and the client's last check before sending.
"""

from __future__ import annotations

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MIN_IMAGE_SIDE = 300
# 2.5:1 as integers, so 750×300 is exactly allowed and no float rounding decides a refusal.
ASPECT_LONG, ASPECT_SHORT = 5, 2
ACCEPTED_FORMATS = frozenset({"PNG", "JPEG"})
PROMPT_MAX = 2500  # characters: the longest prompt (or negative prompt) any model takes (the catalogue's prompt_max)


def aspect_ratio_allowed(width: int, height: int) -> bool:
    """Return True when the image is no longer than 2.5:1 either way."""
    return max(width, height) * ASPECT_SHORT <= min(width, height) * ASPECT_LONG


# Lip sync's sound file (kling-api.md, "Follow-ups on a finished video"): mp3 or wav, 2–60 s, at most 5 MB.
AUDIO_FORMATS = ("mp3", "wav")
MAX_AUDIO_BYTES = 5 * 1024 * 1024
AUDIO_SECONDS = (2.0, 60.0)


def audio_format(data: bytes) -> str | None:
    """Return "wav" or "mp3" from the file's first bytes, or None when it is neither."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"
    return None
