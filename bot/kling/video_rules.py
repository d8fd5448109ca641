"""The per-model rules of the video endpoints: mode, duration, end frame, sound, storyboards, camera.

The rules come from the catalogue (`catalogue.toml`), which follows kling-api.md. A refusal that one
change would cure carries that change and its price (`InvalidRequestError.fix`, `.fix_label`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from bot.kling.catalogue import Catalogue, ModelSpec
from bot.kling.errors import Fix, InvalidRequestError
from bot.kling.models import (
    ImageToVideoRequest,
    Mode,
    MultiImageToVideoRequest,
    TextToVideoRequest,
)
from bot.settings import Provider

VideoRequest = ImageToVideoRequest | MultiImageToVideoRequest | TextToVideoRequest
MODE_NAMES = {"std": "Standard", "pro": "Professional"}
MAX_CAMERA_VALUE = 10
MAX_SHOTS = 6
SHOT_PROMPT_MAX = 512


def units_text(units: Decimal) -> str:
    """Return units as people write them: 2.5, 3, 0.45."""
    text = f"{units.normalize():f}"
    return f"{text} unit" if units == 1 else f"{text} units"


def resolve_video(request: VideoRequest, spec: ModelSpec, catalogue: Catalogue, provider: Provider) -> VideoRequest:
    """Pick a mode when none was asked for (one that takes the end frame and sound asked for) and check
    the mode and the duration."""
    mode = request.mode
    if mode is not None and not spec.modes:
        raise InvalidRequestError(f"{spec.name} takes no mode; leave mode empty.", field="mode")
    if mode is not None and mode not in spec.modes:
        raise InvalidRequestError(f"{spec.name} supports mode {' or '.join(spec.modes)}.", field="mode")
    if mode is None and spec.modes:
        fitting = [m for m in spec.modes if (not _has_tail(request) or m in spec.image_tail)]
        fitting = [m for m in fitting if (not _has_sound(request) or m in spec.sound)]
        request = request.model_copy(update={"mode": (fitting or list(spec.modes))[0]})
    if request.duration not in spec.durations:
        other = _alternative(catalogue, request, provider, lambda m: request.duration in m.durations)
        raise InvalidRequestError(
            f"{spec.name} makes videos of {spec.durations_text()}; {request.duration} s isn't one of them.",
            field="duration",
            fix=_switch_model(other, request),
        )
    return request


def check_video(request: VideoRequest, spec: ModelSpec, catalogue: Catalogue, provider: Provider) -> Decimal:
    """Check the options against the model's rules and return what the video costs."""
    if isinstance(request, ImageToVideoRequest | TextToVideoRequest):
        _check_cfg_scale(request.cfg_scale, spec)
        _check_sound(request, spec, catalogue, provider)
    if isinstance(request, ImageToVideoRequest):
        _check_frames_and_camera(request, spec, catalogue, provider)
    if isinstance(request, TextToVideoRequest) and request.is_storyboard:
        _check_storyboard(request, spec, catalogue, provider)
    return spec.video_units(request.mode, request.duration, sound=_has_sound(request))


def _has_tail(request: VideoRequest) -> bool:
    return isinstance(request, ImageToVideoRequest) and request.image_tail is not None


def _has_sound(request: VideoRequest) -> bool:
    return isinstance(request, ImageToVideoRequest | TextToVideoRequest) and request.sound


def _price(spec: ModelSpec, request: VideoRequest, mode: Mode | None) -> Decimal:
    return spec.video_units(mode, request.duration, sound=_has_sound(request))


def _alternative(
    catalogue: Catalogue, request: VideoRequest, provider: Provider, fits: Callable[[ModelSpec], bool]
) -> ModelSpec | None:
    """Return the preferred model for this kind that `fits`, to offer instead."""
    return next((m for m in catalogue.models_for(request.kind, provider) if fits(m)), None)


def _switch_model(other: ModelSpec | None, request: VideoRequest) -> Fix | None:
    """Return the fix that switches to `other`, in the same mode where it has one."""
    if other is None or request.duration not in other.durations:
        return None
    mode = request.mode if request.mode in other.modes else (other.modes[0] if other.modes else None)
    if _has_sound(request) and other.sound and mode not in other.sound:
        mode = other.sound[0]
    price = other.video_units(mode, request.duration, sound=_has_sound(request) and bool(other.sound))
    return Fix({"model": other.name, "mode": mode}, f"Use {other.name} — {units_text(price)}")


def _use_mode(spec: ModelSpec, request: VideoRequest, mode: Mode) -> Fix:
    price = _price(spec, request, mode)
    return Fix({"mode": mode}, f"Use {MODE_NAMES[mode]} — {units_text(price)}")


def _check_cfg_scale(cfg_scale: float | None, spec: ModelSpec) -> None:
    if cfg_scale is None:
        return
    if not spec.cfg_scale:
        raise InvalidRequestError(f"{spec.name} does not take cfg_scale; leave it empty.", field="cfg_scale")
    if not 0 <= cfg_scale <= 1:
        raise InvalidRequestError("cfg_scale must be between 0 and 1.", field="cfg_scale")


def _check_sound(
    request: ImageToVideoRequest | TextToVideoRequest, spec: ModelSpec, catalogue: Catalogue, provider: Provider
) -> None:
    if not request.sound:
        return
    if not spec.sound:
        other = _alternative(catalogue, request, provider, lambda m: bool(m.sound))
        raise InvalidRequestError(
            f"{spec.name} makes silent videos. Turn sound off, or use a model with sound.",
            field="sound",
            fix=_switch_model(other, request),
        )
    if _has_tail(request) and not spec.sound_with_end_frame:
        other = _alternative(
            catalogue, request, provider, lambda m: bool(m.sound) and bool(m.image_tail) and m.sound_with_end_frame
        )
        raise InvalidRequestError(
            f"{spec.name} can't make sound and use an end image together. Leave out one of them, or use a model "
            "that does both.",
            field="sound",
            fix=_switch_model(other, request),
        )
    if request.mode not in spec.sound:
        modes = " or ".join(MODE_NAMES[m] for m in spec.sound)
        raise InvalidRequestError(
            f"{spec.name} makes sound only in {modes} mode ({units_text(_price(spec, request, spec.sound[0]))}).",
            field="sound",
            fix=_use_mode(spec, request, spec.sound[0]),
        )


def _check_frames_and_camera(
    request: ImageToVideoRequest, spec: ModelSpec, catalogue: Catalogue, provider: Provider
) -> None:
    if request.image_tail is not None and not spec.image_tail:
        other = _alternative(catalogue, request, provider, lambda m: bool(m.image_tail))
        raise InvalidRequestError(
            f"{spec.name} does not take an end image.", field="image_tail", fix=_switch_model(other, request)
        )
    if request.image_tail is not None and request.mode not in spec.image_tail:
        modes = " or ".join(MODE_NAMES.get(m, m) for m in spec.image_tail)
        cost = " or ".join(units_text(_price(spec, request, m)) for m in spec.image_tail)
        raise InvalidRequestError(
            f"{spec.name} takes an end image only in {modes} mode ({cost}). Choose that mode, or leave out the "
            "end image.",
            field="image_tail",
            fix=_use_mode(spec, request, spec.image_tail[0]),
        )
    camera = request.camera_control
    if camera is None:
        return
    if request.image_tail is not None:
        raise InvalidRequestError("An end image and a camera movement can't be combined.", field="camera_control")
    if not spec.camera_control:
        raise InvalidRequestError(f"{spec.name} does not support camera control.", field="camera_control")
    values = [v for v in (camera.config.model_dump().values() if camera.config else ()) if v]
    if camera.type == "simple" and len(values) != 1:
        raise InvalidRequestError("A simple camera movement needs exactly one non-zero axis.", field="camera_control")
    if camera.type != "simple" and camera.config is not None:
        raise InvalidRequestError(f"Camera movement {camera.type} takes no axis values.", field="camera_control")
    if any(abs(v) > MAX_CAMERA_VALUE for v in values):
        raise InvalidRequestError("Camera axis values must be between -10 and 10.", field="camera_control")


def _check_storyboard(request: TextToVideoRequest, spec: ModelSpec, catalogue: Catalogue, provider: Provider) -> None:
    if not spec.storyboards:
        other = _alternative(catalogue, request, provider, lambda m: m.storyboards)
        raise InvalidRequestError(
            f"{spec.name} makes single-shot videos; storyboards need a multi-shot model.",
            field="shots",
            fix=_switch_model(other, request),
        )
    if request.shot_type == "intelligence":
        if request.shots:
            raise InvalidRequestError("Let Kling split the prompt, or write the shots yourself, not both.")
        return
    shots = request.shots
    if not 1 <= len(shots) <= MAX_SHOTS:
        raise InvalidRequestError(f"A storyboard has 1–{MAX_SHOTS} shots; this one has {len(shots)}.", field="shots")
    for number, shot in enumerate(shots, start=1):
        if not shot.prompt.strip():
            raise InvalidRequestError(f"Shot {number} has no prompt.", field="shots")
        if len(shot.prompt) > SHOT_PROMPT_MAX:
            raise InvalidRequestError(
                f"Shot {number}'s prompt is {len(shot.prompt)} characters; a shot takes at most {SHOT_PROMPT_MAX}.",
                field="shots",
            )
        if shot.duration < 1:
            raise InvalidRequestError(f"Shot {number} must last at least 1 second.", field="shots")
    total = sum(shot.duration for shot in shots)
    if total != int(request.duration):
        fix = None
        if str(total) in spec.durations:
            price = spec.video_units(request.mode, str(total), sound=request.sound)
            fix = Fix({"duration": str(total)}, f"Make it {total} s — {units_text(price)}")
        raise InvalidRequestError(
            f"The shots last {total} s in all, but the video is {request.duration} s; they must add up exactly.",
            field="shots",
            fix=fix,
        )
