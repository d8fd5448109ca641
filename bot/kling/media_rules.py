"""The rules of the image endpoints, the effects, lip sync, and of every input image and audio file."""

from __future__ import annotations

import io
import math
import warnings
from decimal import Decimal

from PIL import Image, UnidentifiedImageError

from bot.kling.catalogue import Catalogue, ModelSpec
from bot.kling.errors import InvalidRequestError
from bot.kling.limits import (
    ACCEPTED_FORMATS,
    AUDIO_SECONDS,
    MAX_AUDIO_BYTES,
    MAX_IMAGE_BYTES,
    MIN_IMAGE_SIDE,
    aspect_ratio_allowed,
    audio_format,
)
from bot.kling.models import EffectRequest, LipSyncRequest, MultiImageToImageRequest, TaskRequest, TextToImageRequest

MAX_OUTPUT_IMAGES = 9
EFFECT_MODE_NAMES = {"std": "Standard", "pro": "Professional"}


def check_image_request(request: TaskRequest, spec: ModelSpec) -> Decimal:
    """Check an image request (compose, text → image, try-on) and return what it costs."""
    count = 1
    if isinstance(request, MultiImageToImageRequest | TextToImageRequest):
        count = request.n
        if not 1 <= count <= MAX_OUTPUT_IMAGES:
            raise InvalidRequestError(f"Image count must be 1–{MAX_OUTPUT_IMAGES}.", field="n")
    if isinstance(request, TextToImageRequest):
        _check_text_to_image(request, spec)
    return (spec.units_per_image or Decimal(0)) * count


def _check_text_to_image(request: TextToImageRequest, spec: ModelSpec) -> None:
    if spec.aspect_ratios and request.aspect_ratio not in spec.aspect_ratios:
        raise InvalidRequestError(
            f"{spec.name} makes images in {', '.join(spec.aspect_ratios)}; not {request.aspect_ratio}.",
            field="aspect_ratio",
        )
    if spec.resolutions and request.resolution not in spec.resolutions:
        raise InvalidRequestError(f"{spec.name} makes images at {' or '.join(spec.resolutions)}.", field="resolution")
    if request.image is not None and request.negative_prompt:
        raise InvalidRequestError(
            "Kling takes no negative prompt together with a reference image; leave one of them out.",
            field="negative_prompt",
        )
    if request.image_fidelity is not None and not 0 <= request.image_fidelity <= 1:
        raise InvalidRequestError("Reference strength must be between 0 and 1.", field="image_fidelity")


def check_effect(request: EffectRequest, catalogue: Catalogue) -> tuple[EffectRequest, Decimal]:
    """Resolve the effect's model and mode, check its photos and duration, and return its cost."""
    effect = catalogue.effect(request.scene)
    if effect is None:
        names = ", ".join(e.scene for e in catalogue.effects)
        raise InvalidRequestError(f"There is no effect called {request.scene[:40]!r}. Choose one of: {names}.")
    if len(request.image_list) != effect.people:
        wanted = "one photo" if effect.people == 1 else "two photos, one of each person"
        raise InvalidRequestError(f"{effect.label} takes {wanted}; you gave {len(request.image_list)}.", field="image")
    mode = request.mode
    if mode is not None and mode not in effect.modes:
        takes = " or ".join(EFFECT_MODE_NAMES[m] for m in effect.modes) if effect.modes else "no mode"
        raise InvalidRequestError(f"{effect.label} takes {takes}.", field="mode")
    if mode is None and effect.modes:
        mode = effect.modes[0]
    if request.duration not in effect.durations:
        raise InvalidRequestError(
            f"{effect.label} makes videos of {' or '.join(effect.durations)} s.", field="duration"
        )
    resolved = request.model_copy(update={"model": effect.model, "mode": mode})
    return resolved, effect.video_units(mode, request.duration)


def check_lip_sync(request: LipSyncRequest, catalogue: Catalogue) -> Decimal:
    """Check the sound file (mp3/wav, 2–60 s, ≤ 5 MB) and return what the lip sync costs: 0.5 units per 5 s
    begun of the sound used (the audio cut to the video's length)."""
    if not request.video_id:
        raise InvalidRequestError("That result has no Kling video id to lip-sync.", field="video")
    check_audio(request.audio, request.audio_seconds)
    blocks = math.ceil(request.sound_seconds / 5)  # only the sound laid over the video is charged
    return catalogue.lip_sync.units_per_5s * blocks


def check_audio(data: bytes, seconds: float) -> None:
    """Refuse a sound file Kling would refuse."""
    if len(data) > MAX_AUDIO_BYTES:
        raise InvalidRequestError(
            f"The audio file is {len(data) / 1024 / 1024:.1f} MB; the limit is 5 MB.", field="audio"
        )
    if audio_format(data) is None:
        raise InvalidRequestError("The audio file must be an MP3 or a WAV.", field="audio")
    low, high = AUDIO_SECONDS
    if not low <= seconds <= high:
        raise InvalidRequestError(
            f"The audio lasts {seconds:.1f} s; lip sync takes {low:g}–{high:g} seconds.", field="audio"
        )


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
