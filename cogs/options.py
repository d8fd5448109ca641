"""Option choices and autocompletes shared by the generating commands."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from discord import app_commands

from bot.discord.errors import CommandRefusedError
from bot.kling.catalogue import ModelSpec
from bot.kling.limits import PROMPT_MAX
from bot.kling.models import Mode
from bot.kling.provider import ProviderClient
from bot.kling.video_rules import MODE_NAMES, units_text
from bot.vocabulary import TaskKind

MODE_CHOICES = [
    app_commands.Choice(name="Standard (cheaper, faster)", value="std"),
    app_commands.Choice(name="Professional (higher quality)", value="pro"),
]
VIDEO_RATIO_CHOICES = [
    app_commands.Choice(name="16:9 landscape", value="16:9"),
    app_commands.Choice(name="9:16 portrait", value="9:16"),
    app_commands.Choice(name="1:1 square", value="1:1"),
]
IMAGE_RATIO_CHOICES = [
    app_commands.Choice(name=ratio, value=ratio)
    for ratio in ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9")
]
AUTOCOMPLETE_LIMIT = 25
# Every text option is bounded (Discord's client enforces it); the provider's own, smaller limits are
# checked by the bot with a message that names them. PROMPT_MAX is the longest prompt any provider takes.
NAME_MAX = 64  # a model name or a task id
Prompt = app_commands.Range[str, 1, PROMPT_MAX]
OptionalPrompt = app_commands.Range[str, 0, PROMPT_MAX]
Name = app_commands.Range[str, 1, NAME_MAX]
Seconds = app_commands.Range[str, 1, 2]  # a duration typed or picked: "3" to "15"
Choice = app_commands.Choice[str]
PRESET = "A preset (yours or the server's): its options, and its prompt after yours; what you type wins"


def options_given(**options: object) -> frozenset[str]:
    """Return the names of the options the member filled in (the desk fills the rest from their defaults)."""
    return frozenset(name for name, value in options.items() if value not in (None, ""))


def model_choices(provider: ProviderClient, kinds: Iterable[TaskKind], current: str) -> list[app_commands.Choice[str]]:
    """Return the catalogue's models for `kinds` at the configured provider that match what was typed."""
    names = dict.fromkeys(
        spec.name for kind in kinds for spec in provider.catalogue.models_for(kind, provider.provider)
    )
    matching = [name for name in names if current.lower() in name.lower() and len(name) <= NAME_MAX]
    return [app_commands.Choice(name=name, value=name) for name in matching[:AUTOCOMPLETE_LIMIT]]


# --- choices that follow the model already typed (so members rarely meet a refusal) -------------------


def chosen_spec(provider: ProviderClient, kind: TaskKind, model: str | None) -> ModelSpec | None:
    """Return the catalogue entry of the model typed so far, else the default for `kind`."""
    catalogue = provider.catalogue
    spec = catalogue.find(model, kind) if model else None
    if spec is None or spec.retired or provider.provider not in spec.providers:
        spec = catalogue.default_model(kind, provider.provider)
    return spec


def _typed(namespace: Any, name: str) -> str | None:
    value = getattr(namespace, name, None)
    return str(value) if value not in (None, "") else None


def _mode_of(spec: ModelSpec, namespace: Any) -> Mode | None:
    mode = _typed(namespace, "mode")
    if mode in spec.modes:
        return mode
    return spec.modes[0] if spec.modes else None


def _price(spec: ModelSpec, mode: Mode | None, duration: str, sound: bool) -> str:
    try:
        return units_text(spec.video_units(mode, duration, sound=sound and bool(spec.sound)))
    except (KeyError, ArithmeticError):
        return "price unknown"


def duration_choices(spec: ModelSpec | None, namespace: Any, current: str) -> list[Choice]:
    """Offer the model's durations, each with its price for the mode and sound chosen so far."""
    if spec is None:
        return []
    mode, sound = _mode_of(spec, namespace), _typed(namespace, "sound") == "on" and bool(spec.sound)
    if sound and mode not in spec.sound:
        mode = spec.sound[0]  # sound picks a mode that makes it, and is priced so
    offered = [d for d in spec.durations if d.startswith(current.strip())] or list(spec.durations)
    return [
        app_commands.Choice(name=f"{d} seconds — {_price(spec, mode, d, sound)}", value=d)
        for d in offered[:AUTOCOMPLETE_LIMIT]
    ]


def mode_choices(spec: ModelSpec | None, namespace: Any) -> list[Choice]:
    """Offer the model's modes with their price for the duration and sound chosen so far (with sound on, only
    the modes that make sound)."""
    if spec is None or not spec.modes:
        return []  # a model without modes: nothing to pick (the option is best left empty)
    duration = _typed(namespace, "duration") or "5"
    duration = duration if duration in spec.durations else spec.durations[0]
    sound = _typed(namespace, "sound") == "on" and bool(spec.sound)
    modes = spec.sound if sound else spec.modes
    return [app_commands.Choice(name=f"{MODE_NAMES[m]} — {_price(spec, m, duration, sound)}", value=m) for m in modes]


def sound_choices(spec: ModelSpec | None, namespace: Any) -> list[Choice]:
    """Offer sound on (with its price, and the mode it needs) where the model makes sound; off always."""
    if spec is None:
        return []
    duration = _typed(namespace, "duration") or "5"
    duration = duration if duration in spec.durations else spec.durations[0]
    mode = _mode_of(spec, namespace)
    off = app_commands.Choice(name=f"Off — {_price(spec, mode, duration, False)}", value="off")
    if not spec.sound:
        return [app_commands.Choice(name=f"Off — {spec.name} makes silent videos", value="off")]
    sound_mode = mode if mode in spec.sound else spec.sound[0]
    needs = "" if sound_mode == mode else f" (needs {MODE_NAMES[sound_mode]})"
    on = app_commands.Choice(name=f"On — {_price(spec, sound_mode, duration, True)}{needs}", value="on")
    return [on, off]


def parse_mode(value: str | None) -> Mode | None:
    """Read the mode option (autocomplete offers values; a member can type anything)."""
    if value in (None, ""):
        return None
    if value not in MODE_NAMES:
        raise CommandRefusedError("Mode must be std (Standard) or pro (Professional); pick one from the list.")
    return value  # type: ignore[return-value]


def parse_sound(value: str | None) -> bool:
    """Read the sound option: on or off."""
    if value in (None, "", "off"):
        return False
    if value != "on":
        raise CommandRefusedError("Sound must be on or off; pick one from the list.")
    return True


def parse_duration(value: str | None, default: str = "5") -> str:
    """Read the duration option: whole seconds (the model's rules are checked after)."""
    if value in (None, ""):
        return default
    text = str(value).strip().removesuffix("s").strip()
    if not text.isdigit():
        raise CommandRefusedError(f"The length is whole seconds, like 5 or 10; {value!r} isn't.")
    return str(int(text))
