"""Small field checks every create endpoint shares; each raises the API's 400 with a readable message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .errors import KlingError, bad_request
from .imagecheck import check_image

Body = dict[str, Any]
POLICY_MARKER = "[policy]"


@dataclass(frozen=True)
class Accepted:
    """What the fake keeps from a valid create request: model, outputs, price and result length."""

    model_name: str
    n_outputs: int = 1
    units: float = 0.0
    seconds: float = 5.0  # length of the result video, for `task_result.videos[].duration`
    parent_video: dict[str, str] | None = None  # lip-sync: the video it was made from (task_info.parent_video)


def check_text(body: Body, prompt_max: int, negative_max: int) -> None:
    """Check `prompt` and `negative_prompt` are strings within their limits."""
    for field, limit in (("prompt", prompt_max), ("negative_prompt", negative_max)):
        value = body.get(field)
        if value is None:
            continue
        if not isinstance(value, str):
            raise bad_request(f"{field} must be a string")
        if len(value) > limit:
            raise bad_request(f"{field} cannot exceed {limit} characters (got {len(value)})")


def check_common(body: Body) -> None:
    """Check callback_url, external_task_id and watermark_info, taken by every create."""
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


def check_policy(body: Body) -> None:
    """Refuse prompts carrying the "[policy]" marker the way content safety does (1301)."""
    if POLICY_MARKER in str(body.get("prompt") or ""):
        raise KlingError(400, 1301, "Prompt triggered content safety: restricted content")


def require_prompt(body: Body, why: str = "") -> None:
    """Refuse a missing or blank prompt."""
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise bad_request(f"prompt is required{why}")


def check_image_list(body: Body, field: str, key: str, bounds: tuple[int, int]) -> None:
    """Check a `[{key: image}, ...]` list holds `bounds` images, each acceptable."""
    items = body.get(field)
    low, high = bounds
    if not isinstance(items, list) or not low <= len(items) <= high:
        raise bad_request(f"{field} must hold {low} to {high} images")
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not item.get(key):
            raise bad_request(f'{field}[{index}] must look like {{"{key}": "<url or base64>"}}')
        check_image(f"{field}[{index}].{key}", item[key])


def check_enum(body: Body, field: str, allowed: Sequence[str]) -> None:
    """Refuse a value of `field` outside `allowed` (absent is fine)."""
    value = body.get(field)
    if value is not None and value not in allowed:
        choices = ", ".join(f'"{choice}"' for choice in allowed)
        raise bad_request(f"{field} must be one of {choices} (a string), got {value!r}")


def check_fraction(body: Body, field: str, high: float = 1.0) -> None:
    """Refuse a value of `field` that is not a number in [0, high] (absent is fine)."""
    value = body.get(field)
    if value is not None and (not is_number(value) or not 0 <= value <= high):
        raise bad_request(f"{field} must be a number between 0 and {high:g}, got {value!r}")


def check_count(body: Body, field: str, high: int) -> int:
    """Return the integer `field` (default 1), refusing anything outside 1..high."""
    value = body.get(field, 1)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= high:
        raise bad_request(f"{field} must be an integer between 1 and {high}, got {value!r}")
    return value


def is_number(value: Any) -> bool:
    """Tell whether `value` is a JSON number (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool)
