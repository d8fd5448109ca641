"""The model catalogue: data an operator can edit (`catalogue.toml`), read into typed models."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from bot.kling.models import Duration, Mode
from bot.settings import Provider
from bot.vocabulary import TaskKind

ALL_PROVIDERS: frozenset[Provider] = frozenset(("official", "cometapi", "anyfast", "simulator"))
MODELESS = "default"


class ProviderLimits(BaseModel):
    """Text and image-count limits a provider documents."""

    model_config = ConfigDict(frozen=True)

    prompt_max: int
    negative_prompt_max: int
    multi_image_video_images: tuple[int, int]
    subject_images: tuple[int, int]
    # What the provider documents; anything else is hidden with a clear message rather than guessed.
    kinds: frozenset[TaskKind] = frozenset(TaskKind)


class ModelSpec(BaseModel):
    """One model on one or more endpoints: what it accepts and what it costs."""

    model_config = ConfigDict(frozen=True)

    name: str
    kinds: frozenset[TaskKind]
    providers: frozenset[Provider] = ALL_PROVIDERS
    modes: tuple[Mode, ...] = ()
    durations: tuple[Duration, ...] = ()
    cfg_scale: bool = False
    image_tail: tuple[Mode, ...] = ()  # the modes that take an end frame (true: every mode)
    sound: tuple[Mode, ...] = ()  # the modes that make native sound (true: every mode)
    sound_with_end_frame: bool = True
    storyboards: bool = False
    camera_control: bool = False
    aspect_ratios: tuple[str, ...] = ()  # images/generations: the shapes it makes
    resolutions: tuple[str, ...] = ()  # images/generations
    retired: str | None = None
    priced_per: Literal["clip", "second"] = "clip"  # clip: `units` are per 5 s of video
    units: dict[str, Decimal] = Field(default_factory=dict)
    units_per_image: Decimal | None = None

    @field_validator("image_tail", "sound", mode="before")
    @classmethod
    def _modes_or_all(cls, value: object, info: ValidationInfo) -> object:
        if value is True:
            return info.data.get("modes") or ()
        return () if value is False else value

    @field_validator("durations", mode="before")
    @classmethod
    def _expand_ranges(cls, value: object) -> object:
        """Read "3-15" as every whole second from 3 to 15."""
        if not isinstance(value, list | tuple):
            return value
        expanded: list[str] = []
        for item in value:
            low, dash, high = str(item).partition("-")
            if dash:
                expanded.extend(str(second) for second in range(int(low), int(high) + 1))
            else:
                expanded.append(str(item))
        return tuple(expanded)

    @model_validator(mode="after")
    def _costs_are_complete(self) -> ModelSpec:
        video_kinds = [kind for kind in self.kinds if kind.makes_video]
        wanted: set[str] = set(self.modes) or {MODELESS}
        wanted |= {f"{mode}+sound" for mode in self.sound}
        if video_kinds and not wanted <= set(self.units):
            raise ValueError(f"{self.name}: units must give a cost for each of {sorted(wanted)}")
        if any(not kind.makes_video for kind in self.kinds) and self.units_per_image is None:
            raise ValueError(f"{self.name}: image models need units_per_image")
        return self

    def video_units(self, mode: Mode | None, duration: Duration, *, sound: bool = False) -> Decimal:
        """Return the units a video of this mode, duration and sound costs."""
        key = mode if mode is not None and self.modes else MODELESS
        rate = self.units[f"{key}+sound" if sound else key]
        return rate * Decimal(duration) / (1 if self.priced_per == "second" else 5)

    def durations_text(self) -> str:
        """Return the durations for a message: "5 or 10 s", or "3–15 s" for a run of whole seconds."""
        seconds = [int(d) for d in self.durations]
        if len(seconds) > 2 and seconds == list(range(seconds[0], seconds[-1] + 1)):
            return f"{seconds[0]}–{seconds[-1]} s"
        return " or ".join(self.durations) + " s"


class EffectSpec(BaseModel):
    """One effect scene: how many photos it takes, on which model, modes and durations, at what cost."""

    model_config = ConfigDict(frozen=True)

    scene: str
    label: str
    people: Literal[1, 2] = 1
    model: str | None = None  # the two-person scenes name one; the single-photo scenes take none
    modes: tuple[Mode, ...] = ()
    durations: tuple[Duration, ...] = ("5",)
    units: dict[str, Decimal]  # per 5 s, by mode ("default" when the scene takes no mode)

    def video_units(self, mode: Mode | None, duration: Duration) -> Decimal:
        """Return the units this effect costs."""
        return self.units[mode if mode is not None and self.modes else MODELESS] * Decimal(duration) / 5


class LipSyncSpec(BaseModel):
    """Kling's lip sync: its price and the audio it takes."""

    model_config = ConfigDict(frozen=True)

    units_per_5s: Decimal = Decimal("0.5")
    video_max_age_days: int = 30


class Catalogue(BaseModel):
    """Every provider's limits and every model, in preference order."""

    model_config = ConfigDict(frozen=True)

    providers: dict[Provider, ProviderLimits]
    models: tuple[ModelSpec, ...]
    effects: tuple[EffectSpec, ...] = ()
    lip_sync: LipSyncSpec = LipSyncSpec()

    def limits(self, provider: Provider) -> ProviderLimits:
        """Return the documented limits of `provider`."""
        return self.providers[provider]

    def offers(self, kind: TaskKind, provider: Provider) -> bool:
        """Return True when `provider` documents `kind` (undocumented kinds are hidden, not guessed)."""
        return kind in self.providers[provider].kinds

    def effect(self, scene: str) -> EffectSpec | None:
        """Return the effect scene named `scene`, if the catalogue lists it."""
        return next((e for e in self.effects if e.scene == scene), None)

    def models_for(self, kind: TaskKind, provider: Provider) -> list[ModelSpec]:
        """Return the usable (not retired) models for `kind` at `provider`, preferred first."""
        if not self.offers(kind, provider):
            return []
        return [m for m in self.models if kind in m.kinds and provider in m.providers and not m.retired]

    def default_model(self, kind: TaskKind, provider: Provider) -> ModelSpec | None:
        """Return the first usable model for `kind` at `provider`, if any."""
        usable = self.models_for(kind, provider)
        return usable[0] if usable else None

    def find(self, name: str, kind: TaskKind) -> ModelSpec | None:
        """Return the entry for model `name` on `kind`'s endpoint, retired or not."""
        return next((m for m in self.models if m.name == name and kind in m.kinds), None)

    def knows(self, name: str) -> bool:
        """Return True if any endpoint lists model `name`."""
        return any(m.name == name for m in self.models)


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read the catalogue from `path`, or the one shipped with the bot."""
    if path is None:
        text = resources.files("bot.kling").joinpath("catalogue.toml").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return Catalogue.model_validate(tomllib.loads(text))
