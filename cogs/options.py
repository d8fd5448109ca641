"""Option choices and autocompletes shared by the generating commands."""

from __future__ import annotations

from collections.abc import Iterable

from discord import app_commands

from bot.kling.provider import ProviderClient
from bot.vocabulary import TaskKind

MODE_CHOICES = [
    app_commands.Choice(name="Standard (cheaper, faster)", value="std"),
    app_commands.Choice(name="Professional (higher quality)", value="pro"),
]
DURATION_CHOICES = [
    app_commands.Choice(name="5 seconds", value="5"),
    app_commands.Choice(name="10 seconds", value="10"),
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
# checked by the bot with a message that names them. 2,500 is the longest prompt any provider takes.
PROMPT_MAX = 2500
NAME_MAX = 64  # a model name or a task id
Prompt = app_commands.Range[str, 1, PROMPT_MAX]
OptionalPrompt = app_commands.Range[str, 0, PROMPT_MAX]
Name = app_commands.Range[str, 1, NAME_MAX]


def model_choices(provider: ProviderClient, kinds: Iterable[TaskKind], current: str) -> list[app_commands.Choice[str]]:
    """Return the catalogue's models for `kinds` at the configured provider that match what was typed."""
    names = dict.fromkeys(
        spec.name for kind in kinds for spec in provider.catalogue.models_for(kind, provider.provider)
    )
    matching = [name for name in names if current.lower() in name.lower()]
    return [app_commands.Choice(name=name, value=name) for name in matching[:AUTOCOMPLETE_LIMIT]]
