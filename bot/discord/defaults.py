"""Which value a request gets for an option the member left out.

In order: what they typed, the preset they chose, their own `/settings`, the server's defaults, the catalogue's.
A default that can't make the request (a length the model doesn't make, sound on a silent model, a model without
storyboards for a storyboard, a mode without the sound or end frame asked for) gives way to the next.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_args

from bot.kling.catalogue import Catalogue, ModelSpec
from bot.kling.models import TaskRequest, TextToImageRequest
from bot.kling.video_rules import MODE_NAMES
from bot.settings import Provider
from bot.vocabulary import TaskKind
from db.models import DEFAULT_FIELDS, Preset

UNFILLED_KINDS = frozenset({TaskKind.EFFECTS, TaskKind.LIP_SYNC, TaskKind.TRY_ON})  # their options are their own
PUNCTUATION = ".,;:!?"
# Within a layer: the model first (the rest depends on it), and sound before the mode, so a default mode gives way
# to the sound asked for rather than the other way round.
FILL_ORDER = ("model", "sound", "duration", "mode", "aspect_ratio")


@dataclass(frozen=True)
class Layer:
    """One source of defaults: how the member is told about it, and the request fields it sets."""

    label: str
    values: Mapping[str, object]


@dataclass(frozen=True)
class Filled:
    """The request with the options left out filled in, and which layer filled each."""

    request: TaskRequest
    sources: dict[str, str]


def fill(
    request: TaskRequest,
    given: Collection[str] | None,
    layers: Sequence[Layer],
    catalogue: Catalogue,
    provider: Provider,
) -> Filled:
    """Fill the options the member left out from `layers` (highest first), where each fits.

    `given` names the fields the member typed; None: every field the request holds a value for.
    """
    if request.kind in UNFILLED_KINDS:
        return Filled(request, {})
    fields = [name for name in FILL_ORDER if name in type(request).model_fields]
    typed = {
        name: getattr(request, name)
        for name in fields
        if (name in given if given is not None else getattr(request, name) is not None)
    }
    chosen, sources = _choose(request, typed, fields, layers, catalogue, provider)
    default = catalogue.default_model(request.kind, provider)
    if "model" not in chosen and default is not None and _fits(request, {**typed, "model": default.name}, catalogue):
        # No layer names a model that fits: the catalogue's is used, and what it can't make gives way too.
        base = {**typed, "model": default.name}
        chosen, sources = _choose(request, base, fields, layers, catalogue, provider)
    update = {name: chosen[name] for name in sources}
    return Filled(request.model_copy(update=update), sources)


def with_preset_text(request: TaskRequest, preset: Preset) -> TaskRequest:
    """Append the preset's prompt to the member's, and use its negative prompt where they typed none."""
    update: dict[str, Any] = {}
    if preset.prompt_suffix and getattr(request, "shot_type", None) != "customize":  # shots carry their own
        update["prompt"] = joined(request.prompt, preset.prompt_suffix)
    reference = isinstance(request, TextToImageRequest) and request.image is not None  # Kling takes no negative then
    if preset.negative_prompt and not request.negative_prompt.strip() and not reference:
        update["negative_prompt"] = preset.negative_prompt
    return request.model_copy(update=update)


def joined(prompt: str, suffix: str) -> str:
    """Return the member's prompt with a preset's after it."""
    prompt, suffix = prompt.strip(), suffix.strip()
    if not prompt:
        return suffix
    return f"{prompt} {suffix}" if prompt.endswith(tuple(PUNCTUATION)) else f"{prompt}, {suffix}"


def used_line(params: Mapping[str, Any], sources: Mapping[str, str]) -> str | None:
    """Return what a task uses, e.g. "Using kling-v3 (your /settings) · Standard · 10 s · 16:9 · sound off"."""
    parts = []
    for name in DEFAULT_FIELDS:
        value = params.get(name)
        if value is None:
            continue
        text = describe(name, value)
        parts.append(f"{text} ({sources[name]})" if name in sources else text)
    return "Using " + " · ".join(parts) if parts else None


def describe(name: str, value: object) -> str:
    """Return one option's value as a member reads it: "Professional", "10 s", "sound on"."""
    if name == "mode":
        return MODE_NAMES.get(str(value), str(value))
    if name == "duration":
        return f"{value} s"
    if name == "sound":
        return "sound on" if value else "sound off"
    return str(value)


def _choose(
    request: TaskRequest,
    base: Mapping[str, object],
    fields: Sequence[str],
    layers: Sequence[Layer],
    catalogue: Catalogue,
    provider: Provider,
) -> tuple[dict[str, object], dict[str, str]]:
    """Take each layer's values in turn, keeping those that fit what is chosen so far."""
    chosen, sources = dict(base), {}
    for layer in layers:
        for name in fields:
            value = layer.values.get(name)
            if value is None or name in chosen:
                continue
            if name == "model" and not _usable(catalogue.find(str(value), request.kind), provider):
                continue
            if _fits(request, {**chosen, name: value}, catalogue):
                chosen[name] = value
                sources[name] = layer.label
    return chosen, sources


def _usable(spec: ModelSpec | None, provider: Provider) -> bool:
    return spec is not None and not spec.retired and provider in spec.providers


def _fits(request: TaskRequest, chosen: Mapping[str, object], catalogue: Catalogue) -> bool:
    """Return True when the options chosen so far can make this request together."""
    ratio = chosen.get("aspect_ratio")
    if ratio is not None and ratio not in get_args(type(request).model_fields["aspect_ratio"].annotation):
        return False
    model = chosen.get("model")
    spec = catalogue.find(str(model), request.kind) if model is not None else None
    return spec is None or _model_fits(spec, request, chosen)


def _model_fits(spec: ModelSpec, request: TaskRequest, chosen: Mapping[str, object]) -> bool:
    duration, mode, sound, ratio = (chosen.get(name) for name in ("duration", "mode", "sound", "aspect_ratio"))
    tail = getattr(request, "image_tail", None) is not None
    if request.kind.makes_video and duration is not None and duration not in spec.durations:
        return False
    if ratio is not None and spec.aspect_ratios and ratio not in spec.aspect_ratios:
        return False
    if sound and (not spec.sound or (tail and not spec.sound_with_end_frame)):
        return False
    if getattr(request, "shot_type", None) and not spec.storyboards:
        return False
    if tail and not spec.image_tail:
        return False
    if mode is None:
        return True
    return mode in spec.modes and (not sound or mode in spec.sound) and (not tail or mode in spec.image_tail)
