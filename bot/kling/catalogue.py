"""The model catalogue: data an operator can edit (`catalogue.toml`), read into typed models."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from importlib import resources
from pathlib import Path

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
    camera_control: bool = False
    retired: str | None = None
    units: dict[str, Decimal] = Field(default_factory=dict)
    units_per_image: Decimal | None = None

    @field_validator("image_tail", mode="before")
    @classmethod
    def _end_frame_modes(cls, value: object, info: ValidationInfo) -> object:
        if value is True:
            return info.data.get("modes") or ()
        return () if value is False else value

    @model_validator(mode="after")
    def _costs_are_complete(self) -> ModelSpec:
        video_kinds = [kind for kind in self.kinds if kind.makes_video]
        wanted: set[str] = set(self.modes) or {MODELESS}
        if video_kinds and not wanted <= set(self.units):
            raise ValueError(f"{self.name}: units must give a cost for each of {sorted(wanted)}")
        if TaskKind.MULTI_IMAGE_TO_IMAGE in self.kinds and self.units_per_image is None:
            raise ValueError(f"{self.name}: multi-image2image models need units_per_image")
        return self

    def video_units(self, mode: Mode | None, duration: Duration) -> Decimal:
        """Return the units a video of this mode and duration costs."""
        per_five = self.units[mode if mode is not None and self.modes else MODELESS]
        return per_five * Decimal(duration) / 5


class Catalogue(BaseModel):
    """Every provider's limits and every model, in preference order."""

    model_config = ConfigDict(frozen=True)

    providers: dict[Provider, ProviderLimits]
    models: tuple[ModelSpec, ...]

    def limits(self, provider: Provider) -> ProviderLimits:
        """Return the documented limits of `provider`."""
        return self.providers[provider]

    def models_for(self, kind: TaskKind, provider: Provider) -> list[ModelSpec]:
        """Return the usable (not retired) models for `kind` at `provider`, preferred first."""
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
