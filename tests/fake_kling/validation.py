"""Create-request validation: the documented field rules, per kind and dialect."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .catalog import (
    DEFAULT_VIDEO_MODEL,
    DISCONTINUED_MODELS,
    END_FRAME_NEVER,
    END_FRAME_PRO_ONLY,
    IMAGE_KIND,
    V3,
    VIDEO_MODELS,
    Kind,
)
from .dialects import Dialect
from .effects import validate_effects
from .errors import bad_request, not_found
from .fields import (
    Accepted,
    Body,
    check_common,
    check_count,
    check_enum,
    check_image_list,
    check_policy,
    check_text,
    is_number,
    require_prompt,
)
from .image_rules import validate_generation, validate_try_on
from .imagecheck import check_image
from .lipsync import validate_lip_sync
from .prices import UNITS_PER_IMAGE, video_units
from .video_rules import check_duration, check_sound, check_storyboard

if TYPE_CHECKING:
    from .state import TaskStore

VIDEO_RATIOS = ("16:9", "9:16", "1:1")
IMAGE_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9")
MAX_DYNAMIC_MASKS = 6
MAX_OUTPUTS = 9


def validate_create(kind: Kind, dialect: Dialect, body: Any, store: TaskStore) -> Accepted:
    """Return what a valid create body asks for, or raise the API's 400/404."""
    if not isinstance(body, dict):
        raise bad_request("Request body must be a JSON object")
    check_common(body)
    if kind == IMAGE_KIND:
        accepted = _validate_multi_image2image(dialect, body)
    elif kind == "generations":
        accepted = validate_generation(body, *dialect.text_limits(kind))
    elif kind == "kolors-virtual-try-on":
        accepted = validate_try_on(body)
    elif kind == "effects":
        accepted = validate_effects(body)
    elif kind == "advanced-lip-sync":
        accepted = validate_lip_sync(body, store)
    else:
        accepted = _validate_video(kind, dialect, body)
    check_policy(body)
    return accepted


def _validate_video(kind: Kind, dialect: Dialect, body: Body) -> Accepted:
    model = _model(kind, dialect, body)
    check_text(body, *dialect.text_limits(kind))
    mode = _check_video_options(kind, body, model)
    duration = check_duration(body, model)
    shot_type = check_storyboard(body, model, duration)
    sound = check_sound(body, model, mode)
    _KIND_CHECKS[kind](dialect, body, model, shot_type)
    return Accepted(model_name=model, units=video_units(model, mode, duration, sound), seconds=int(duration))


def _validate_multi_image2image(dialect: Dialect, body: Body) -> Accepted:
    model = _model(IMAGE_KIND, dialect, body)
    check_text(body, *dialect.text_limits(IMAGE_KIND))
    check_image_list(body, "subject_image_list", "subject_image", dialect.image_subjects)
    for field in (dialect.scene_field, "style_image"):
        if body.get(field) is not None:
            check_image(field, body[field])
    check_enum(body, "aspect_ratio", IMAGE_RATIOS)
    n = check_count(body, "n", MAX_OUTPUTS)
    return Accepted(model_name=model, n_outputs=n, units=float(UNITS_PER_IMAGE * n))


def _model(kind: Kind, dialect: Dialect, body: Body) -> str:
    model = body.get("model_name")
    if model is None:
        return dialect.image_model if kind == IMAGE_KIND else DEFAULT_VIDEO_MODEL
    if not isinstance(model, str) or not model:
        raise bad_request("model_name must be a non-empty string")
    if model in DISCONTINUED_MODELS:
        raise not_found(f"model {model} has been discontinued", code=1203)
    allowed = {dialect.image_model} if kind == IMAGE_KIND else VIDEO_MODELS[kind]
    if model not in allowed:
        raise bad_request(f"model_name {model} is not supported by {kind}; supported: {', '.join(sorted(allowed))}")
    return model


def _check_video_options(kind: Kind, body: Body, model: str) -> str:
    """Check mode, aspect_ratio and cfg_scale; return the mode ("std" by default)."""
    check_enum(body, "mode", ("std", "pro"))
    if body.get("mode") is not None and model.endswith("-master"):
        raise bad_request(f"mode is not supported by {model}")
    check_enum(body, "aspect_ratio", VIDEO_RATIOS)
    if kind == "image2video" and model == V3 and body.get("aspect_ratio") is not None:
        # kling-api.md, kling-v3: "`aspect_ratio` on text2video only" (FULL's image2video page has no such field).
        raise bad_request(f"aspect_ratio is only supported by text2video on {V3}, not image2video")
    cfg = body.get("cfg_scale")
    if cfg is not None:
        if not is_number(cfg) or not 0 <= cfg <= 1:
            raise bad_request("cfg_scale must be a number between 0 and 1")
        if model.startswith("kling-v2"):  # FULL, cfg_scale: "kling-v2.x models do not support this parameter"
            raise bad_request(f"cfg_scale is not supported by {model}")
    return str(body.get("mode") or "std")


def _check_image2video(dialect: Dialect, body: Body, model: str, shot_type: str | None) -> None:
    # FULL, image2video image/image_tail: "At least one of image or image_tail must be provided".
    if not body.get("image") and not body.get("image_tail"):
        raise bad_request("image or image_tail is required")
    for field in ("image", "image_tail"):
        if body.get(field) is not None:
            check_image(field, body[field])
    groups = [
        bool(body.get("image_tail")),
        bool(body.get("camera_control")),
        bool(body.get("static_mask") or body.get("dynamic_masks")),
    ]
    if sum(groups) > 1:
        raise bad_request("image_tail, camera_control and static_mask/dynamic_masks are mutually exclusive")
    if body.get("image_tail"):
        _check_end_frame(body)
    masks = body.get("dynamic_masks")
    if masks is not None and (not isinstance(masks, list) or len(masks) > MAX_DYNAMIC_MASKS):
        raise bad_request(f"dynamic_masks must be a list of at most {MAX_DYNAMIC_MASKS} groups")
    if model == V3 and shot_type != "customize":
        # FULL, prompt: "When multi_shot is false or shot_type is intelligence, this parameter must not be empty."
        # Enforced on kling-v3 only: older image2video models have always taken an empty prompt.
        require_prompt(body, f" on {V3} unless multi_shot uses shot_type customize")


def _check_end_frame(body: Body) -> None:
    """End frames are pro-only on v1-5 to v2-6, and not taken by the master models (kling-api.md)."""
    model, mode = body.get("model_name") or DEFAULT_VIDEO_MODEL, body.get("mode") or "std"
    if model in END_FRAME_NEVER:
        raise bad_request(f"image_tail is not supported by {model}")
    if model in END_FRAME_PRO_ONLY and mode != "pro":
        raise bad_request(f"image_tail is only supported in pro mode for {model}")


def _check_multi_image2video(dialect: Dialect, body: Body, model: str, shot_type: str | None) -> None:
    require_prompt(body)
    check_image_list(body, "image_list", "image", dialect.multi_video_images)


def _check_text2video(dialect: Dialect, body: Body, model: str, shot_type: str | None) -> None:
    if shot_type != "customize":  # FULL: with multi_shot customize "the prompt parameter is invalid"
        require_prompt(body)


_KIND_CHECKS: dict[Kind, Callable[[Dialect, Body, str, str | None], None]] = {
    "image2video": _check_image2video,
    "multi-image2video": _check_multi_image2video,
    "text2video": _check_text2video,
}
