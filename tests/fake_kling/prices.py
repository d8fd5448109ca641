"""Units a succeeded task costs (`final_unit_deduction`), per kind and option.

Video figures are kling-api.md's "Models and cost" and "Kling in late 2026" tables (the same as
inference-sh/grid `api/klingai/pricing.md`, "GRID"); image figures are GRID's image table. Where no copy
gives a figure (effects templates, try-on) the constant says so: treat it as the fake's choice.
"""

from __future__ import annotations

import math

# (std, pro) units for a 5 s video; 10 s costs double. Masters take no mode.
_UNITS_5S: dict[str, tuple[float, float]] = {
    "kling-v1": (1, 3.5),  # GRID "Kling V1.0"; only reachable through dual-character effects
    "kling-v1-5": (2, 3.5),
    "kling-v1-6": (2, 3.5),
    "kling-v2-1": (2, 3.5),
    "kling-v2-master": (10, 10),
    "kling-v2-1-master": (10, 10),
    "kling-v2-5-turbo": (1.5, 2.5),
    "kling-v2-6": (1.5, 2.5),
}
# kling-api.md, kling-v3: "Price per second (units): std 0.6 (0.9 with sound), pro 0.8 (1.2 with sound)."
_V3_PER_SECOND = {("std", False): 0.6, ("std", True): 0.9, ("pro", False): 0.8, ("pro", True): 1.2}
# kling-api.md, "kling-v2-6 sound": "Units per clip 5 s / 10 s: ... pro with sound 5/10."
_V2_6_PRO_SOUND_5S = 5.0

UNITS_PER_IMAGE = 16  # multi-image2image (kling-api.md: "16 image units per output image")
# images/generations per output image. kling-api.md: "kling-v3 images: 8 units each"; the rest from GRID
# ("Kolors V2.1 t2i 4, i2i 8; V2.0 t2i 4, i2i / restyle 8; V1.5 t2i 4, i2i 8; V1.0 t2i/i2i 1").
_GENERATION_UNITS: dict[str, tuple[float, float]] = {  # (text to image, with a reference image)
    "kling-v1": (1, 1),
    "kling-v1-5": (4, 8),
    "kling-v2": (4, 8),
    "kling-v2-new": (8, 8),
    "kling-v2-1": (4, 8),
    "kling-v3": (8, 8),
}
# GRID: "Kolors Virtual-Try-on V1.0 / V1.5: $0.07" at its "1 unit = $0.14": 0.5 units. No copy gives units.
TRY_ON_UNITS = 0.5
# Effects are priced per template ("Video Effects Center"), which no copy lists: the fake charges a
# single-image or *_pro two-person template like a 5 s kling-v1-6 std clip. Classic two-person scenes
# (hug, kiss, heart_gesture, fight) are charged like a video of their model, mode and duration.
EFFECT_UNITS_PER_5S = 2.0
# GRID: "Lip-sync (min 5s) 0.5/5sec"; kling-api.md: "About 0.5 units per 5 s."
LIP_SYNC_UNITS_PER_5S = 0.5
# GRID: "Identify face 0.05"; FULL shows `final_unit_deduction` in the identify-face answer.
IDENTIFY_FACE_UNITS = 0.05


def video_units(model: str, mode: str, duration: str, sound: bool = False) -> float:
    """Return the units a succeeded text2video / image2video / multi-image2video task costs."""
    if model == "kling-v3":
        return round(_V3_PER_SECOND[(mode, sound)] * int(duration), 4)
    if model == "kling-v2-6" and sound:
        return _V2_6_PRO_SOUND_5S * (2 if duration == "10" else 1)
    std, pro = _UNITS_5S.get(model, (2, 3.5))
    per_5s = pro if mode == "pro" else std
    return per_5s * (2 if duration == "10" else 1)


def generation_units(model: str, with_image: bool, n: int) -> float:
    """Return the units an images/generations task of `n` images costs."""
    text_only, edited = _GENERATION_UNITS[model]
    return (edited if with_image else text_only) * n


def lip_sync_units(audio_ms: int) -> float:
    """Return the units of a lip-sync task for `audio_ms` of (cropped) sound: 0.5 per started 5 s."""
    return LIP_SYNC_UNITS_PER_5S * max(1, math.ceil(audio_ms / 5000))


def format_units(units: float) -> str:
    """Format units the way Kling does: a string without a trailing ".0"."""
    return f"{units:g}"
