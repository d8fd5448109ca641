"""Presets: named options saved from one of a member's tasks, their own or published by the server's admins.

A preset keeps the task's prompt (added after what the member types), negative prompt, model, mode, length, shape
and sound. A generating command's `preset` option names one: autocomplete offers the member's own as their name
and the server's as `server:` + name (names hold no ":"), and a name typed out finds theirs, then the server's.
"""

from __future__ import annotations

from discord import app_commands

from bot.discord.defaults import describe
from bot.discord.embeds import fit
from bot.discord.errors import CommandRefusedError
from bot.vocabulary import TaskKind
from db.models import Preset, TaskRecord
from db.repository import MemberRepository

SERVER_PRESET = "server:"
PRESET_NAME_MAX = 32
PRESETS_MAX = 25  # per member, and per server
NAME_SHOWN = 40  # a name echoed: 32 characters, and the escaping markdown needs
TEXT_SHOWN = 120  # a preset's prompt echoed
CHOICE_MAX = 100  # Discord's limit on a choice's name
AUTOCOMPLETE_LIMIT = 25  # Discord's limit on choices
PRESET_KINDS = frozenset({
    TaskKind.IMAGE_TO_VIDEO, TaskKind.MULTI_IMAGE_TO_VIDEO, TaskKind.TEXT_TO_VIDEO, TaskKind.TEXT_TO_IMAGE,
    TaskKind.MULTI_IMAGE_TO_IMAGE,
})  # fmt: skip
PresetName = app_commands.Range[str, 1, PRESET_NAME_MAX]


def preset_name(typed: str) -> str:
    """Return a new preset's name, or refuse one that can't be told apart or shown."""
    name = typed.strip()
    if not name or ":" in name or not name.isprintable():
        raise CommandRefusedError(f"A preset's name is 1–{PRESET_NAME_MAX} characters on one line, without “:”.")
    return name


def preset_from_task(task: TaskRecord, name: str) -> Preset:
    """Return a preset of the member's with `task`'s prompt and options (as the provider was asked for them)."""
    if task.kind not in PRESET_KINDS:
        raise CommandRefusedError(
            "A preset is saved from a video or an image made from a prompt, not from an effect, lip sync or try-on."
        )
    params = task.params
    duration = params.get("duration") if task.kind.makes_video else None
    return Preset(
        guild_id=task.guild_id, owner_id=task.user_id, name=name,
        prompt_suffix=str(params.get("prompt") or ""), negative_prompt=str(params.get("negative_prompt") or ""),
        model=params.get("model"), mode=params.get("mode"), duration=None if duration is None else str(duration),
        aspect_ratio=params.get("aspect_ratio"), sound=params.get("sound"),
    )  # fmt: skip


def preset_label(preset: Preset) -> str:
    """Return a preset as a list shows it: "cinematic — kling-v3 · Professional · 10 s" (the server's marked)."""
    settings = " · ".join(describe(name, value) for name, value in preset.chosen().items())
    owner = " (server)" if preset.owner_id is None else ""
    return f"{preset.name}{owner} — {settings or 'prompt only'}"


def preset_notes(preset: Preset | None) -> list[str]:
    """Say what a preset added to the member's own prompt."""
    if preset is None or not preset.prompt_suffix:
        return []
    return [f"Preset “{fit(preset.name, NAME_SHOWN)}” added to your prompt: {fit(preset.prompt_suffix, TEXT_SHOWN)}"]


async def find_preset(members: MemberRepository, guild_id: int, user_id: int, typed: str) -> Preset:
    """Return the preset a member named: their own, else the server's (`server:` + name: the server's)."""
    name = typed.strip()
    if name.startswith(SERVER_PRESET):
        found = await members.preset(guild_id, None, name.removeprefix(SERVER_PRESET))
    else:
        found = await members.preset(guild_id, user_id, name) or await members.preset(guild_id, None, name)
    if found is None:
        raise CommandRefusedError(
            f"There is no preset called {fit(name, NAME_SHOWN)}. `/preset list` shows yours and the server's; "
            "`/preset save` makes one from one of your tasks."
        )
    return found


def preset_choices(presets: list[Preset], current: str) -> list[app_commands.Choice[str]]:
    """Offer the presets whose name contains what was typed, the server's as `server:` + name."""
    typed = current.strip().lower()
    return [
        app_commands.Choice(
            name=preset_label(preset)[:CHOICE_MAX],
            value=preset.name if preset.owner_id is not None else SERVER_PRESET + preset.name,
        )
        for preset in presets
        if typed in preset.name.lower()
    ][:AUTOCOMPLETE_LIMIT]
