"""`/video story`: a multi-shot video (a storyboard) on a model that makes them (kling-v3).

Either the member writes the shots — a form opens with one paragraph, one shot per line as `4s: what happens`
(at most 6 lines, which a 5-input modal could not hold as separate inputs) — or Kling splits the prompt itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.desk import RequestDesk
from bot.discord.errors import CommandRefusedError, report
from bot.discord.shots import SHOTS_INPUT_MAX, parse_shots
from bot.kling.models import Mode, Shot, ShotType, TextToVideoRequest
from cogs.options import (
    MODE_CHOICES,
    PRESET,
    VIDEO_RATIO_CHOICES,
    Choice,
    Name,
    OptionalPrompt,
    options_given,
    parse_mode,
)

SPLIT_CHOICES = [
    app_commands.Choice(name="write the shots", value="customize"),
    app_commands.Choice(name="let Kling split my prompt", value="intelligence"),
]
STORY_SECONDS = (3, 15)
DEFAULT_SECONDS = 10  # Kling splitting the prompt, no length given
StorySeconds = app_commands.Range[int, STORY_SECONDS[0], STORY_SECONDS[1]]


@dataclass(frozen=True)
class StoryOptions:
    """What the member chose in the command, for the request the form (or the prompt) completes; None: left
    out (their preset, their settings or the server's defaults fill it)."""

    duration: int | None
    mode: Mode | None
    sound: bool | None
    aspect_ratio: str | None
    preset: str | None = None

    def given(self, *, shots: bool) -> frozenset[str]:
        """Return the options the member chose (written shots set the length: their sum)."""
        typed = options_given(duration=self.duration, mode=self.mode, sound=self.sound, aspect_ratio=self.aspect_ratio)
        return typed | {"duration"} if shots else typed

    def request(self, shot_type: ShotType, prompt: str = "", shots: tuple[Shot, ...] = ()) -> TextToVideoRequest:
        """Return the storyboard: the length chosen, else the shots' sum (else the default for Kling's split)."""
        total = sum(shot.duration for shot in shots)
        low, high = STORY_SECONDS
        if self.duration is None and shots and not low <= total <= high:
            raise CommandRefusedError(
                f"The shots add up to {total} s; a storyboard lasts {low}–{high} s in all. Shorten some shots."
            )
        duration = self.duration or total or DEFAULT_SECONDS
        return TextToVideoRequest(
            prompt=prompt, shot_type=shot_type, shots=shots, duration=str(duration), mode=self.mode,
            sound=bool(self.sound), aspect_ratio=self.aspect_ratio or "16:9", model=None,
        )  # fmt: skip


class StoryModal(discord.ui.Modal, title="Storyboard: your shots"):
    """Asks for the shots, one per line."""

    shots: discord.ui.TextInput[StoryModal] = discord.ui.TextInput(
        label="One shot per line — 4s: what happens",
        style=discord.TextStyle.paragraph,
        placeholder="3s: a fox wakes up in the snow\n5s: it shakes the snow off and runs into the forest",
        custom_id="shots",
        max_length=SHOTS_INPUT_MAX,
    )

    def __init__(self, desk: RequestDesk, options: StoryOptions) -> None:
        super().__init__()
        self.desk = desk
        self.options = options

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Queue the storyboard written in the form."""
        await self.desk.begin(interaction)
        request = self.options.request("customize", shots=parse_shots(self.shots.value))
        await self.desk.submit(interaction, request, given=self.options.given(shots=True), preset=self.options.preset)

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        """Show what went wrong, privately."""
        await report(interaction, error)


class StoryCommands(commands.Cog):
    """Storyboards: several shots in one video."""

    def __init__(self, desk: RequestDesk) -> None:
        self.desk = desk

    async def _presets(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        return await self.desk.preset_choices(interaction, current)

    @app_commands.command(name="story")
    @app_commands.describe(
        split="Write each shot yourself (a form opens), or let Kling cut your prompt into shots",
        prompt="The whole story, when Kling splits it (leave empty when you write the shots)",
        duration="Length in seconds, 3–15 (default: the shots' sum; when Kling splits, yours or 10)",
        mode="Standard or Professional", sound="Native sound", aspect_ratio="Shape of the video", preset=PRESET,
    )  # fmt: skip
    @app_commands.choices(split=SPLIT_CHOICES, mode=MODE_CHOICES, aspect_ratio=VIDEO_RATIO_CHOICES)
    @app_commands.autocomplete(preset=_presets)
    async def story(
        self,
        interaction: discord.Interaction,
        split: Choice,
        prompt: OptionalPrompt = "",
        duration: StorySeconds | None = None,
        mode: Choice | None = None,
        sound: bool | None = None,
        aspect_ratio: Choice | None = None,
        preset: Name | None = None,
    ) -> None:
        """Make a video of several shots (a storyboard)."""
        options = StoryOptions(
            duration=duration, mode=parse_mode(mode.value if mode else None), sound=sound,
            aspect_ratio=aspect_ratio.value if aspect_ratio else None, preset=preset,
        )  # fmt: skip
        if split.value == "customize":
            if prompt.strip():
                raise CommandRefusedError(
                    "With “write the shots” you type each shot in the form that opens, so leave `prompt` empty — "
                    "or choose “let Kling split my prompt”."
                )
            await interaction.response.send_modal(StoryModal(self.desk, options))
            return
        await self.desk.begin(interaction)
        if not prompt.strip():
            raise CommandRefusedError(
                "Letting Kling split the story needs a `prompt`: describe the whole video and Kling cuts it into "
                "shots. Or choose “write the shots”."
            )
        request = options.request("intelligence", prompt=prompt)
        await self.desk.submit(interaction, request, given=options.given(shots=False), preset=preset)
