"""Fixed facts the fake enforces: task kinds, models and unit prices."""

from __future__ import annotations

from typing import Literal, get_args

Kind = Literal["image2video", "multi-image2video", "text2video", "multi-image2image"]
KINDS: tuple[Kind, ...] = get_args(Kind)
VIDEO_KINDS: tuple[Kind, ...] = ("image2video", "multi-image2video", "text2video")
IMAGE_KIND: Kind = "multi-image2image"

DISCONTINUED_MODELS = frozenset({"kling-v1"})
_VIDEO_MODELS = frozenset(
    {
        "kling-v1-5",
        "kling-v1-6",
        "kling-v2-master",
        "kling-v2-1",
        "kling-v2-1-master",
        "kling-v2-5-turbo",
        "kling-v2-6",
        "kling-v3",
    }
)
# Video models per kind; the image model depends on the dialect (see dialects.py).
VIDEO_MODELS: dict[Kind, frozenset[str]] = {
    "image2video": _VIDEO_MODELS,
    "text2video": _VIDEO_MODELS - {"kling-v1-5"},
    "multi-image2video": frozenset({"kling-v1-6"}),
}
DEFAULT_VIDEO_MODEL = "kling-v1-6"

# (std, pro) units for a 5 s video; 10 s costs double. Masters take no mode.
_UNITS_5S: dict[str, tuple[float, float]] = {
    "kling-v1-5": (2, 3.5),
    "kling-v1-6": (2, 3.5),
    "kling-v2-1": (2, 3.5),
    "kling-v2-master": (10, 10),
    "kling-v2-1-master": (10, 10),
    "kling-v2-5-turbo": (1.5, 2.5),
    "kling-v2-6": (1.5, 2.5),
    "kling-v3": (3, 5),
}
UNITS_PER_IMAGE = 16
# kling-api.md: "End frame (image_tail) is pro-only on kling-v1-5, v1-6, v2-1, v2-5-turbo and v2-6 (5 and 10 s);
# kling-v1 takes it in std and pro (5 s only); the *-master models not at all; kling-v3 in std and pro."
END_FRAME_PRO_ONLY = frozenset({"kling-v1-5", "kling-v1-6", "kling-v2-1", "kling-v2-5-turbo", "kling-v2-6"})
END_FRAME_NEVER = frozenset({"kling-v2-master", "kling-v2-1-master"})


def family(kind: Kind) -> Literal["videos", "images"]:
    """Return the URL family ("videos" or "images") of a task kind."""
    return "images" if kind == IMAGE_KIND else "videos"


def video_units(model: str, mode: str, duration: str) -> float:
    """Return the units a succeeded video task costs."""
    std, pro = _UNITS_5S.get(model, (2, 3.5))
    per_5s = pro if mode == "pro" else std
    return per_5s * (2 if duration == "10" else 1)


def format_units(units: float) -> str:
    """Format units the way Kling does: a string without a trailing ".0"."""
    return f"{units:g}"
