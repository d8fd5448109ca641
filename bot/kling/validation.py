"""Check a request against the provider's documented limits and the catalogue before sending it.

Every refusal is an `InvalidRequestError` whose message names the field and the rule, so a
Discord user can fix the request without asking anyone.
"""

from __future__ import annotations

import io
import warnings
from typing import TypeVar, cast

from PIL import Image, UnidentifiedImageError

from bot.kling.catalogue import Catalogue, ModelSpec
from bot.kling.errors import InvalidRequestError
from bot.kling.limits import ACCEPTED_FORMATS, MAX_IMAGE_BYTES, MIN_IMAGE_SIDE, aspect_ratio_allowed
from bot.kling.models import (
    ImageToVideoRequest,
    MultiImageToImageRequest,
    MultiImageToVideoRequest,
    TaskRequest,
    TextToVideoRequest,
)
from bot.settings import Provider
from bot.text import shown
from bot.vocabulary import TaskKind

MAX_OUTPUT_IMAGES = 9
MODE_NAMES = {"std": "Standard", "pro": "Professional"}
MAX_CAMERA_VALUE = 10

RequestT = TypeVar("RequestT", bound=TaskRequest)


def validate_request(request: RequestT, provider: Provider, catalogue: Catalogue) -> tuple[RequestT, ModelSpec]:
    """Return the request with its model and mode resolved, and the model's catalogue entry."""
    spec = _resolve_model(request, provider, catalogue)
    request = _resolve_mode(request, spec)
    _check_text(request, provider, catalogue)
    _check_image_counts(request, provider, catalogue)
    _check_options(request, spec)
    for name, data in request.images():
        check_image(name, data)
    return request, spec


def _resolve_model(request: TaskRequest, provider: Provider, catalogue: Catalogue) -> ModelSpec:
    kind = request.kind
    usable = ", ".join(m.name for m in catalogue.models_for(kind, provider)) or "none"
    if request.model is None:
        default = catalogue.default_model(kind, provider)
        if default is None:
            raise InvalidRequestError(f"{provider} offers no model for {kind.label} right now.", field="model")
        return default
    spec = catalogue.find(request.model, kind)
    if spec is not None and spec.retired:
        raise InvalidRequestError(spec.retired, field="model")
    if spec is None or provider not in spec.providers:
        raise InvalidRequestError(
            f"Model {shown(request.model)} can't do {kind.label} here. Choose one of: {usable}.", field="model"
        )
    return spec


def _resolve_mode(request: RequestT, spec: ModelSpec) -> RequestT:
    updates: dict[str, object] = {"model": spec.name}
    mode = getattr(request, "mode", None)
    if request.kind.makes_video:
        if mode is not None and not spec.modes:
            raise InvalidRequestError(f"{spec.name} takes no mode; leave mode empty.", field="mode")
        if mode is not None and mode not in spec.modes:
            raise InvalidRequestError(f"{spec.name} supports mode {' or '.join(spec.modes)}.", field="mode")
        if mode is None and spec.modes:
            # An end frame some modes don't take picks a mode that does (the estimate shows what it costs).
            wants_tail = getattr(request, "image_tail", None) is not None
            updates["mode"] = spec.image_tail[0] if wants_tail and spec.image_tail else spec.modes[0]
        duration = getattr(request, "duration", None)
        if duration not in spec.durations:
            allowed = " or ".join(f"{d} s" for d in spec.durations)
            raise InvalidRequestError(f"{spec.name} makes videos of {allowed}.", field="duration")
    return cast(RequestT, request.model_copy(update=updates))


def _check_text(request: TaskRequest, provider: Provider, catalogue: Catalogue) -> None:
    limits = catalogue.limits(provider)
    needs_prompt = request.kind in (TaskKind.MULTI_IMAGE_TO_VIDEO, TaskKind.TEXT_TO_VIDEO)
    if needs_prompt and not request.prompt.strip():
        raise InvalidRequestError(f"A prompt is required for {request.kind.label}.", field="prompt")
    for field, text, limit in (
        ("prompt", request.prompt, limits.prompt_max),
        ("negative_prompt", request.negative_prompt, limits.negative_prompt_max),
    ):
        if len(text) > limit:
            label = field.replace("_", " ").capitalize()
            raise InvalidRequestError(
                f"{label} is {len(text)} characters; {provider} allows at most {limit}.", field=field
            )


def _check_image_counts(request: TaskRequest, provider: Provider, catalogue: Catalogue) -> None:
    limits = catalogue.limits(provider)
    if isinstance(request, MultiImageToVideoRequest):
        _check_count("images", len(request.image_list), limits.multi_image_video_images, provider)
    elif isinstance(request, MultiImageToImageRequest):
        _check_count("subject images", len(request.subjects), limits.subject_images, provider)


def _check_count(what: str, count: int, bounds: tuple[int, int], provider: Provider) -> None:
    low, high = bounds
    if not low <= count <= high:
        raise InvalidRequestError(f"{provider} takes {low}–{high} {what}; you gave {count}.", field=what)


def _check_options(request: TaskRequest, spec: ModelSpec) -> None:
    if isinstance(request, ImageToVideoRequest | TextToVideoRequest) and request.cfg_scale is not None:
        if not spec.cfg_scale:
            raise InvalidRequestError(f"{spec.name} does not take cfg_scale; leave it empty.", field="cfg_scale")
        if not 0 <= request.cfg_scale <= 1:
            raise InvalidRequestError("cfg_scale must be between 0 and 1.", field="cfg_scale")
    if isinstance(request, ImageToVideoRequest):
        _check_frames_and_camera(request, spec)
    if isinstance(request, MultiImageToImageRequest) and not 1 <= request.n <= MAX_OUTPUT_IMAGES:
        raise InvalidRequestError(f"Image count must be 1–{MAX_OUTPUT_IMAGES}.", field="n")


def _check_frames_and_camera(request: ImageToVideoRequest, spec: ModelSpec) -> None:
    if request.image_tail is not None and not spec.image_tail:
        raise InvalidRequestError(f"{spec.name} does not take an end image.", field="image_tail")
    if request.image_tail is not None and request.mode not in spec.image_tail:
        modes = " or ".join(MODE_NAMES.get(m, m) for m in spec.image_tail)
        cost = " or ".join(f"{spec.video_units(m, request.duration)} units" for m in spec.image_tail)
        raise InvalidRequestError(
            f"{spec.name} takes an end image only in {modes} mode ({cost}). Choose that mode, or leave out the "
            "end image.",
            field="image_tail",
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


def check_image(name: str, data: bytes) -> None:
    """Refuse an image Kling would refuse: not PNG/JPEG, over 10 MB, a side under 300 px, too long."""
    if len(data) > MAX_IMAGE_BYTES:
        size_mb = len(data) / 1024 / 1024
        raise InvalidRequestError(f"The {name} is {size_mb:.1f} MB; the limit is 10 MB.", field=name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image_format, (width, height) = image.format, image.size
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError) as exc:
        raise InvalidRequestError(f"The {name} is not a readable PNG or JPEG image.", field=name) from exc
    if image_format not in ACCEPTED_FORMATS:
        raise InvalidRequestError(f"The {name} is {image_format}; only PNG and JPEG are accepted.", field=name)
    if min(width, height) < MIN_IMAGE_SIDE:
        raise InvalidRequestError(
            f"The {name} is {width}×{height} px; each side must be at least {MIN_IMAGE_SIDE} px.", field=name
        )
    if not aspect_ratio_allowed(width, height):
        raise InvalidRequestError(
            f"The {name} is {width}×{height} px; its aspect ratio must be between 1:2.5 and 2.5:1.", field=name
        )
