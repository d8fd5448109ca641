"""Duration, sound and storyboard (multi-shot) rules of text2video and image2video.

FULL = the official docs copy artykrd/ai-bot-misha `docs/kling_full.md` ("Text to Video" and "Image to
Video" create pages); CN = the official capability map copied in WHQ25/rawgenai
`docs/research/kling/capability-map.md`.
"""

from __future__ import annotations

from typing import Any

from .catalog import V3
from .errors import bad_request
from .fields import Body, check_enum, require_prompt

# FULL, duration: "Enum values: 3 4 5 ... 15"; "The support range for different model versions and video modes
# varies": kling-api.md: kling-v3 takes "3" to "15", the older models "5" | "10" (a string).
V3_DURATIONS = tuple(str(seconds) for seconds in range(3, 16))
CLASSIC_DURATIONS = ("5", "10")
MAX_SHOTS = 6  # FULL, multi_prompt: "Supports up to 6 storyboards, with a minimum of 1 storyboard."
MAX_SHOT_PROMPT = 512  # FULL: "The maximum length of the prompt for each storyboard 512 characters."


def check_duration(body: Body, model: str) -> str:
    """Return the task's duration ("5" by default), refusing one the model does not take."""
    duration = body.get("duration")
    if duration is None:
        return "5"  # FULL: "Default to 5"
    if model == V3:
        if duration not in V3_DURATIONS:
            raise bad_request(f'duration must be a string from "3" to "15" for {V3}, got {duration!r}')
        return str(duration)
    check_enum(body, "duration", CLASSIC_DURATIONS)
    return str(duration)


def check_sound(body: Body, model: str, mode: str) -> bool:
    """Return whether sound is on, refusing it where the model or mode has none.

    FULL, sound: "on | off, Default to off"; kling-api.md: "kling-v2-6 sound: `sound` on is pro only (5/10 s) and
    not together with an end frame"; CN capability map, kling-v2-6: std "仅无声视频" (silent only), pro first/end
    frame "仅无声视频". kling-v3 takes sound in std and pro (kling-api.md prices both). No older model has sound.
    """
    check_enum(body, "sound", ("on", "off"))
    if body.get("sound") != "on":
        return False
    if model == V3:
        return True
    if model == "kling-v2-6":
        if mode != "pro":
            raise bad_request('sound "on" is only supported in pro mode for kling-v2-6')
        if body.get("image_tail"):
            raise bad_request('sound "on" cannot be combined with image_tail (an end frame) on kling-v2-6')
        return True
    raise bad_request(f'sound "on" is not supported by {model} (only kling-v3, and kling-v2-6 in pro mode)')


def multi_shot_of(body: Body) -> bool:
    """Return the `multi_shot` flag: a boolean (FULL's image2video example sends the string "true")."""
    value = body.get("multi_shot")
    if value is None or value is False or value == "false":
        return False
    if value is True or value == "true":
        return True
    raise bad_request(f"multi_shot must be a boolean, got {value!r}")


def check_storyboard(body: Body, model: str, duration: str) -> str | None:
    """Return the shot_type of a multi-shot request (None when multi_shot is off), or raise.

    FULL, multi_shot: "When true: the prompt parameter is invalid, and the first/end frame generation is not
    supported. When false: the shot_type and multi_prompt parameters are invalid." shot_type: "When multi_shot is
    true, this parameter is required". FULL's "Image to video with multi-shot" example sends `image` with
    multi_shot, so only the end frame (`image_tail`) is refused here. Storyboards are a kling-v3 feature.
    """
    if not multi_shot_of(body):
        return None
    if model != V3:
        raise bad_request(f"multi_shot is only supported by {V3}, not {model}")
    if body.get("image_tail"):
        raise bad_request("multi_shot does not support first/end frame generation: remove image_tail")
    shot_type = body.get("shot_type")
    if shot_type is None:
        raise bad_request("shot_type is required when multi_shot is true")
    check_enum(body, "shot_type", ("customize", "intelligence"))
    if shot_type == "intelligence":
        # FULL, prompt: "When multi_shot is false or shot_type is intelligence, this parameter must not be empty."
        require_prompt(body, ' when shot_type is "intelligence"')
    else:
        # FULL, multi_prompt: "When multi_shot is true and shot_type is customize, this parameter is required."
        _check_multi_prompt(body.get("multi_prompt"), int(duration))
    return str(shot_type)


def _check_multi_prompt(shots: Any, total: int) -> None:
    """FULL, multi_prompt: 1..6 shots `{index: int, prompt, duration}`, each prompt ≤ 512 characters, each
    duration "should not exceed the total duration, but should not be less than 1", and "The sum of the durations
    of all storyboards equals the total duration of the current task"."""
    if not isinstance(shots, list) or not 1 <= len(shots) <= MAX_SHOTS:
        raise bad_request(f'multi_prompt must hold 1 to {MAX_SHOTS} shots when shot_type is "customize"')
    seconds = 0
    for number, shot in enumerate(shots):
        where = f"multi_prompt[{number}]"
        if not isinstance(shot, dict):
            raise bad_request(f'{where} must look like {{"index": 1, "prompt": "...", "duration": "5"}}')
        index = shot.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            raise bad_request(f"{where}.index must be an integer")
        prompt = shot.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise bad_request(f"{where}.prompt is required")
        if len(prompt) > MAX_SHOT_PROMPT:
            raise bad_request(f"{where}.prompt cannot exceed {MAX_SHOT_PROMPT} characters (got {len(prompt)})")
        shot_seconds = _whole_seconds(shot.get("duration"))
        if shot_seconds is None or not 1 <= shot_seconds <= total:
            raise bad_request(f"{where}.duration must be whole seconds from 1 to {total}, got {shot.get('duration')!r}")
        seconds += shot_seconds
    if seconds != total:
        raise bad_request(f"multi_prompt durations must add up to the task duration {total} (got {seconds})")


def _whole_seconds(value: Any) -> int | None:
    """Read a shot duration: a digit string as in every FULL example ("2"), or an integer."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
