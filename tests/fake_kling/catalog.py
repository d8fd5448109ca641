"""Fixed facts the fake enforces: task kinds, their URL families and the models each takes.

Sources, cited by the rules: kling-api.md (/work/shared/reference), the official docs copies in
artykrd/ai-bot-misha (`docs/kling_full.md`, "FULL"; `docs/kling_api.md`, "API") and the official
Chinese copy in WHQ25/rawgenai `docs/research/kling/` ("CN"). Prices live in prices.py.
"""

from __future__ import annotations

from typing import Literal, get_args

Kind = Literal[
    "image2video",
    "multi-image2video",
    "text2video",
    "multi-image2image",
    "generations",
    "effects",
    "advanced-lip-sync",
    "kolors-virtual-try-on",
]
KINDS: tuple[Kind, ...] = get_args(Kind)
VIDEO_KINDS: tuple[Kind, ...] = ("image2video", "multi-image2video", "text2video")  # model_name + prompt videos
IMAGE_KIND: Kind = "multi-image2image"
# Kinds whose results are `task_result.images[{index, url}]`; each output image holds one concurrency slot
# (kling-api.md: "an image task with `n` images holds `n` slots").
IMAGE_KINDS: frozenset[Kind] = frozenset({"multi-image2image", "generations", "kolors-virtual-try-on"})

DISCONTINUED_MODELS = frozenset({"kling-v1"})  # kling-api.md: "kling-v1 (discontinued 2026)" (video models)
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
# Video models per kind (FULL, text2video/image2video "model_name" enums); the image model depends on the dialect.
VIDEO_MODELS: dict[Kind, frozenset[str]] = {
    "image2video": _VIDEO_MODELS,
    "text2video": _VIDEO_MODELS - {"kling-v1-5"},
    "multi-image2video": frozenset({"kling-v1-6"}),
}
DEFAULT_VIDEO_MODEL = "kling-v1-6"
V3 = "kling-v3"
# kling-api.md: "End frame (image_tail) is pro-only on kling-v1-5, v1-6, v2-1, v2-5-turbo and v2-6 (5 and 10 s);
# kling-v1 takes it in std and pro (5 s only); the *-master models not at all; kling-v3 in std and pro."
END_FRAME_PRO_ONLY = frozenset({"kling-v1-5", "kling-v1-6", "kling-v2-1", "kling-v2-5-turbo", "kling-v2-6"})
END_FRAME_NEVER = frozenset({"kling-v2-master", "kling-v2-1-master"})

# images/generations (API "Image Generation": kling-v1, kling-v1-5, kling-v2, kling-v2-new, kling-v2-1, default
# kling-v1; kling-api.md and FULL's example add kling-v3).
GENERATION_MODELS = frozenset({"kling-v1", "kling-v1-5", "kling-v2", "kling-v2-new", "kling-v2-1", "kling-v3"})
DEFAULT_GENERATION_MODEL = "kling-v1"
# API "Virtual Try-On": model_name default kolors-virtual-try-on-v1, enum v1 | v1-5.
TRY_ON_MODELS = frozenset({"kolors-virtual-try-on-v1", "kolors-virtual-try-on-v1-5"})
DEFAULT_TRY_ON_MODEL = "kolors-virtual-try-on-v1"


def family(kind: Kind) -> Literal["videos", "images"]:
    """Return the URL family ("videos" or "images") of a task kind."""
    return "images" if kind in IMAGE_KINDS else "videos"


def is_image(kind: Kind) -> bool:
    """Tell whether tasks of `kind` produce images (else one video)."""
    return kind in IMAGE_KINDS
