"""Check a request against the provider's documented limits and the catalogue before sending it.

Every refusal is an `InvalidRequestError` whose message names the field and the rule, so a
Discord user can fix the request without asking anyone; where one change makes it go, the error
carries that change (`fix`) and its price, for a button. Nothing here talks to the provider.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar, cast

from bot.kling.catalogue import Catalogue, ModelSpec
from bot.kling.errors import InvalidRequestError
from bot.kling.media_rules import check_effect, check_image, check_image_request, check_lip_sync
from bot.kling.models import (
    EffectRequest,
    LipSyncRequest,
    MultiImageToImageRequest,
    MultiImageToVideoRequest,
    TaskRequest,
    TextToVideoRequest,
)
from bot.kling.video_rules import VideoRequest, check_video, resolve_video
from bot.settings import Provider
from bot.text import shown
from bot.vocabulary import TaskKind

__all__ = ["check_image", "validate_request"]

RequestT = TypeVar("RequestT", bound=TaskRequest)


def validate_request(request: RequestT, provider: Provider, catalogue: Catalogue) -> tuple[RequestT, Decimal]:
    """Return the request with its model and mode resolved, and what it costs in units.

    A refusal offers its fix only when the fixed request would go (a button must never lead to a refusal).
    """
    try:
        return _validate(request, provider, catalogue)
    except InvalidRequestError as exc:
        if exc.fix is not None:
            try:
                _validate(request.model_copy(update=dict(exc.fix.changes)), provider, catalogue)
            except InvalidRequestError:
                exc.fix = None
        raise


def _validate(request: RequestT, provider: Provider, catalogue: Catalogue) -> tuple[RequestT, Decimal]:
    kind = request.kind
    if not catalogue.offers(kind, provider):
        raise InvalidRequestError(
            f"{kind.label.capitalize()} isn't available on {provider}: its documentation doesn't describe it, "
            "so the bot doesn't guess.",
            field="kind",
        )
    _check_text(request, provider, catalogue)
    units: Decimal
    if isinstance(request, EffectRequest):
        request, units = cast(tuple[RequestT, Decimal], check_effect(request, catalogue))
    elif isinstance(request, LipSyncRequest):
        units = check_lip_sync(request, catalogue)
    else:
        spec = _resolve_model(request, provider, catalogue)
        request = cast(RequestT, request.model_copy(update={"model": spec.name}))
        _check_image_counts(request, provider, catalogue)
        if kind.makes_video:
            video = resolve_video(cast(VideoRequest, request), spec, catalogue, provider)
            units = check_video(video, spec, catalogue, provider)
            request = cast(RequestT, video)
        else:
            units = check_image_request(request, spec)
    for name, data in request.images():
        check_image(name, data)
    return request, units


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


def _check_text(request: TaskRequest, provider: Provider, catalogue: Catalogue) -> None:
    limits = catalogue.limits(provider)
    storyboard = isinstance(request, TextToVideoRequest) and request.shot_type == "customize"
    needs_prompt = request.kind in (TaskKind.MULTI_IMAGE_TO_VIDEO, TaskKind.TEXT_TO_VIDEO, TaskKind.TEXT_TO_IMAGE)
    if needs_prompt and not storyboard and not request.prompt.strip():
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
