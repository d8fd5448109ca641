"""Create-request validation: the documented field rules, per kind and dialect."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .catalog import (
    DEFAULT_VIDEO_MODEL,
    DISCONTINUED_MODELS,
    END_FRAME_NEVER,
    END_FRAME_PRO_ONLY,
    IMAGE_KIND,
    VIDEO_MODELS,
    Kind,
)
from .dialects import Dialect
from .errors import KlingError, bad_request, not_found
from .imagecheck import check_image

Body = dict[str, Any]
VIDEO_RATIOS = ("16:9", "9:16", "1:1")
IMAGE_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9")
POLICY_MARKER = "[policy]"
MAX_DYNAMIC_MASKS = 6
MAX_OUTPUTS = 9


@dataclass(frozen=True)
class Accepted:
    """What the fake keeps from a valid create request."""

    model_name: str
    n_outputs: int


def validate_create(kind: Kind, dialect: Dialect, body: Any) -> Accepted:
    """Return what a valid create body asks for, or raise the API's 400/404."""
    if not isinstance(body, dict):
        raise bad_request("Request body must be a JSON object")
    model = _model(kind, dialect, body)
    _check_text(body, *dialect.text_limits(kind))
    _check_common(body)
    if kind == IMAGE_KIND:
        _check_image_task(dialect, body)
    else:
        _check_video_options(body, model)
        _KIND_CHECKS[kind](dialect, body)
    if POLICY_MARKER in str(body.get("prompt") or ""):
        raise KlingError(400, 1301, "Prompt triggered content safety: restricted content")
    return Accepted(model_name=model, n_outputs=body.get("n", 1) if kind == IMAGE_KIND else 1)


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


def _check_text(body: Body, prompt_max: int, negative_max: int) -> None:
    for field, limit in (("prompt", prompt_max), ("negative_prompt", negative_max)):
        value = body.get(field)
        if value is None:
            continue
        if not isinstance(value, str):
            raise bad_request(f"{field} must be a string")
        if len(value) > limit:
            raise bad_request(f"{field} cannot exceed {limit} characters (got {len(value)})")


def _check_common(body: Body) -> None:
    for field in ("callback_url", "external_task_id"):
        if body.get(field) is not None and not isinstance(body[field], str):
            raise bad_request(f"{field} must be a string")
    url = body.get("callback_url")
    if url and not url.startswith(("http://", "https://")):
        raise bad_request("callback_url must be an http(s) URL")
    watermark = body.get("watermark_info")
    if watermark is not None and not (
        isinstance(watermark, dict) and isinstance(watermark.get("enabled", False), bool)
    ):
        raise bad_request('watermark_info must look like {"enabled": true|false}')


def _check_video_options(body: Body, model: str) -> None:
    _check_enum(body, "mode", ("std", "pro"))
    if body.get("mode") is not None and model.endswith("-master"):
        raise bad_request(f"mode is not supported by {model}")
    _check_enum(body, "duration", ("5", "10"))
    _check_enum(body, "aspect_ratio", VIDEO_RATIOS)
    cfg = body.get("cfg_scale")
    if cfg is None:
        return
    if not _is_number(cfg) or not 0 <= cfg <= 1:
        raise bad_request("cfg_scale must be a number between 0 and 1")
    if model.startswith("kling-v2"):
        raise bad_request(f"cfg_scale is not supported by {model}")


def _check_image2video(dialect: Dialect, body: Body) -> None:
    if not body.get("image"):
        raise bad_request("image is required")
    check_image("image", body["image"])
    if body.get("image_tail") is not None:
        check_image("image_tail", body["image_tail"])
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


def _check_end_frame(body: Body) -> None:
    """End frames are pro-only on v1-5 to v2-6, and not taken by the master models (kling-api.md)."""
    model, mode = body.get("model_name") or DEFAULT_VIDEO_MODEL, body.get("mode") or "std"
    if model in END_FRAME_NEVER:
        raise bad_request(f"image_tail is not supported by {model}")
    if model in END_FRAME_PRO_ONLY and mode != "pro":
        raise bad_request(f"image_tail is only supported in pro mode for {model}")


def _check_multi_image2video(dialect: Dialect, body: Body) -> None:
    _require_prompt(body)
    _check_image_list(body, "image_list", "image", dialect.multi_video_images)


def _check_text2video(dialect: Dialect, body: Body) -> None:
    _require_prompt(body)


def _check_image_task(dialect: Dialect, body: Body) -> None:
    _check_image_list(body, "subject_image_list", "subject_image", dialect.image_subjects)
    for field in (dialect.scene_field, "style_image"):
        if body.get(field) is not None:
            check_image(field, body[field])
    _check_enum(body, "aspect_ratio", IMAGE_RATIOS)
    n = body.get("n", 1)
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_OUTPUTS:
        raise bad_request(f"n must be an integer between 1 and {MAX_OUTPUTS}")


def _require_prompt(body: Body) -> None:
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise bad_request("prompt is required")


def _check_image_list(body: Body, field: str, key: str, bounds: tuple[int, int]) -> None:
    items = body.get(field)
    low, high = bounds
    if not isinstance(items, list) or not low <= len(items) <= high:
        raise bad_request(f"{field} must hold {low} to {high} images")
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not item.get(key):
            raise bad_request(f'{field}[{index}] must look like {{"{key}": "<url or base64>"}}')
        check_image(f"{field}[{index}].{key}", item[key])


def _check_enum(body: Body, field: str, allowed: Sequence[str]) -> None:
    value = body.get(field)
    if value is not None and value not in allowed:
        choices = ", ".join(f'"{choice}"' for choice in allowed)
        raise bad_request(f"{field} must be one of {choices} (a string), got {value!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_KIND_CHECKS: dict[Kind, Callable[[Dialect, Body], None]] = {
    "image2video": _check_image2video,
    "multi-image2video": _check_multi_image2video,
    "text2video": _check_text2video,
}
