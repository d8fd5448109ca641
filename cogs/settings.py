"""`/settings`: a member's own defaults in this server (model, mode, length, shape, sound) and where results go.

Shown privately, a select menu for each; a choice is saved at once (in the database, so it outlives a restart;
the menus themselves live ten minutes). The desk applies them to options left out (bot/discord/defaults.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.bot import KlingBot
from bot.discord.desk import RequestDesk
from bot.discord.errors import report
from bot.kling.catalogue import ModelSpec
from bot.kling.provider import ProviderClient
from bot.kling.video_rules import MODE_NAMES
from bot.vocabulary import TaskKind
from cogs.options import duration_choices, mode_choices, sound_choices
from db.models import MemberSettings
from db.repository import MemberRepository

SETTINGS_TIMEOUT = 600.0  # seconds the menus stay live (the settings themselves are kept)
NO_PREFERENCE = "none"
VIDEO_KINDS = (TaskKind.TEXT_TO_VIDEO, TaskKind.IMAGE_TO_VIDEO, TaskKind.MULTI_IMAGE_TO_VIDEO)
MODEL_KINDS = (*VIDEO_KINDS, TaskKind.TEXT_TO_IMAGE)
RATIOS = {"16:9": "16:9 landscape", "9:16": "9:16 portrait", "1:1": "1:1 square"}
DELIVERY = {"channel": "In the channel, pinging you", "dm": "By DM (the live status stays in the channel)"}
Option = tuple[str, str, str | None]  # a select option's label, value and description
LABEL_MAX = 100  # Discord's limit on a select option's label and description
OPTIONS_MAX = 25  # Discord's limit on a select's options
INTRO = (
    "**Your defaults in this server**\n"
    "They apply when you leave an option out. What you type, or a preset you pick, comes first; a default a "
    "request can't use (a length its model doesn't make, sound on a silent model) gives way to the server's."
)


class SettingsCommands(commands.Cog):
    """A member's own defaults."""

    def __init__(
        self, members: MemberRepository, desk: RequestDesk, provider: ProviderClient, clock: Callable[[], float]
    ) -> None:
        self.members = members
        self.desk = desk
        self.provider = provider
        self.clock = clock

    @app_commands.command(name="settings")
    @app_commands.guild_only()
    async def settings(self, interaction: discord.Interaction) -> None:
        """Choose your defaults: model, mode, length, shape, sound, and where results go."""
        await interaction.response.send_message(view=await self.view(interaction), ephemeral=True)

    async def view(self, interaction: discord.Interaction) -> SettingsView:
        """Return the menus showing the member's settings, the choices following their model."""
        guild_id, user_id = _member(interaction)
        settings = await self.members.settings(guild_id, user_id)
        fallback = await self.desk.default_model(guild_id, TaskKind.TEXT_TO_VIDEO)
        spec = self.video_spec(settings.model) or self.video_spec(fallback)
        return SettingsView(self, _summary(settings), self.menus(settings, spec, fallback))

    async def change(self, interaction: discord.Interaction, field: str, value: str) -> None:
        """Save one choice (dropping those the newly chosen model can't make), then show the menus again."""
        guild_id, user_id = _member(interaction)
        current = await self.members.settings(guild_id, user_id)
        updated = current.model_copy(update={field: _stored(field, value)})
        if field == "model":
            updated = _within(updated, self.video_spec(updated.model))
        await self.members.save_settings(updated, now=self.clock())
        await interaction.response.edit_message(view=await self.view(interaction))

    async def reset(self, interaction: discord.Interaction) -> None:
        """Forget every choice, then show the menus again."""
        guild_id, user_id = _member(interaction)
        await self.members.reset_settings(guild_id, user_id)
        await interaction.response.edit_message(view=await self.view(interaction))

    def video_spec(self, name: str | None) -> ModelSpec | None:
        """Return the usable video model called `name` (its modes, lengths and sound give the other menus)."""
        catalogue, provider = self.provider.catalogue, self.provider.provider
        for kind in VIDEO_KINDS:
            spec = catalogue.find(name, kind) if name else None
            if spec is not None and not spec.retired and provider in spec.providers:
                return spec
        return None

    def menus(self, settings: MemberSettings, spec: ModelSpec | None, fallback: str | None) -> list[Menu]:
        """Return each menu's field, placeholder and options (the current choice marked)."""
        chosen = SimpleNamespace(
            mode=settings.mode,
            duration=settings.duration,
            sound=None if settings.sound is None else _on(settings.sound),
        )
        models: dict[str, ModelSpec] = {}
        for kind in MODEL_KINDS:  # a name on several endpoints is described by its video entry
            for model in self.provider.catalogue.models_for(kind, self.provider.provider):
                models.setdefault(model.name, model)
        none = f"No preference (now {fallback})" if fallback else "No preference"
        model_options: list[Option] = [(none, NO_PREFERENCE, None)]
        model_options.extend((name, name, _traits(model)) for name, model in models.items())
        return [
            Menu("model", "Model", model_options, settings.model),
            Menu("mode", "Mode", _priced(mode_choices(spec, chosen)), settings.mode),
            Menu("duration", "Length", _priced(duration_choices(spec, chosen, "")), settings.duration),
            Menu("aspect_ratio", "Shape", _with_none(list(RATIOS.items())), settings.aspect_ratio),
            Menu("sound", "Sound", _priced(sound_choices(spec, chosen)), _on(settings.sound)),
            Menu("delivery", "Results", [(label, key, None) for key, label in DELIVERY.items()], settings.delivery),
        ]


class Menu:
    """One select: the setting it changes, what it says when empty, its options (label, value, description)."""

    def __init__(self, field: str, placeholder: str, options: Sequence[Option], current: str | None) -> None:
        self.field = field
        self.placeholder = placeholder
        self.options = [
            discord.SelectOption(
                label=label[:LABEL_MAX], value=value, description=(detail or "")[:LABEL_MAX] or None,
                default=value == (current if current is not None else NO_PREFERENCE),
            )
            for label, value, detail in options[:OPTIONS_MAX]
        ]  # fmt: skip


class SettingsView(discord.ui.LayoutView):
    """The member's settings in words, a select menu for each, and Reset (private, so short-lived is fine)."""

    def __init__(self, owner: SettingsCommands, summary: str, menus: list[Menu]) -> None:
        super().__init__(timeout=SETTINGS_TIMEOUT)
        self.add_item(discord.ui.TextDisplay(summary))
        for menu in menus:
            self.add_item(discord.ui.ActionRow(_SettingSelect(owner, menu)))
        self.add_item(discord.ui.ActionRow(_ResetButton(owner)))

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /) -> None:
        """Show what went wrong, privately."""
        await report(interaction, error)


class _SettingSelect(discord.ui.Select[SettingsView]):
    def __init__(self, owner: SettingsCommands, menu: Menu) -> None:
        super().__init__(custom_id=f"settings:{menu.field}", placeholder=menu.placeholder, options=menu.options)
        self.owner = owner
        self.field = menu.field

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.view is not None:
            self.view.stop()
        await self.owner.change(interaction, self.field, self.values[0])


class _ResetButton(discord.ui.Button[SettingsView]):
    def __init__(self, owner: SettingsCommands) -> None:
        super().__init__(label="Reset", style=discord.ButtonStyle.secondary, custom_id="settings:reset")
        self.owner = owner

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.view is not None:
            self.view.stop()
        await self.owner.reset(interaction)


def _member(interaction: discord.Interaction) -> tuple[int, int]:
    assert interaction.guild is not None  # noqa: S101 - guild-only command
    return interaction.guild.id, interaction.user.id


def _on(sound: bool | None) -> str | None:
    return None if sound is None else ("on" if sound else "off")


def _stored(field: str, value: str) -> object:
    """Return a menu's value as the setting keeps it."""
    if field == "delivery":
        return value
    if value == NO_PREFERENCE:
        return None
    return value == "on" if field == "sound" else value


def _within(settings: MemberSettings, spec: ModelSpec | None) -> MemberSettings:
    """Drop the mode, length and sound the member's (new) model can't make."""
    if spec is None:
        return settings
    update: dict[str, object] = {}
    if settings.mode is not None and settings.mode not in spec.modes:
        update["mode"] = None
    if settings.duration is not None and settings.duration not in spec.durations:
        update["duration"] = None
    if settings.sound and not spec.sound:
        update["sound"] = None
    return settings.model_copy(update=update)


def _priced(choices: list[app_commands.Choice[str]]) -> list[Option]:
    return _with_none([(choice.value, choice.name) for choice in choices])


def _with_none(pairs: list[tuple[str, str]], none: str = "No preference") -> list[Option]:
    options: list[Option] = [(none, NO_PREFERENCE, None)]
    options.extend((label, value, None) for value, label in pairs)
    return options


def _traits(spec: ModelSpec) -> str:
    traits = [spec.durations_text()] if spec.durations else ["images"]
    traits += ["sound"] if spec.sound else []
    traits += ["storyboards"] if spec.storyboards else []
    return " · ".join(traits)


def _summary(settings: MemberSettings) -> str:
    def bold(value: str | None) -> str:
        return f"**{value}**" if value else "no preference"

    mode = MODE_NAMES.get(settings.mode, settings.mode) if settings.mode else None
    length = f"{settings.duration} s" if settings.duration else None
    lines = [
        f"Model: {bold(settings.model)} · Mode: {bold(mode)} · Length: {bold(length)}",
        f"Shape: {bold(settings.aspect_ratio)} · Sound: {bold(_on(settings.sound))}",
        f"Results: **{'by DM' if settings.delivery == 'dm' else 'in the channel'}**",
    ]
    return INTRO + "\n\n" + "\n".join(lines)


async def setup(bot: KlingBot) -> None:
    """Load `/settings`."""
    await bot.add_cog(SettingsCommands(bot.storage.members, bot.desk, bot.provider, bot.engine.now))
