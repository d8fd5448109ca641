"""`/video story`: a multi-shot video (a storyboard) on a model that makes them (kling-v3).

Either the member writes the shots — a form opens with one paragraph, one shot per line as `4s: what happens`
(at most 6 lines, which a 5-input modal could not hold as separate inputs) — or Kling splits the prompt itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.desk import RequestDesk
from bot.discord.errors import CommandRefusedError, report
from bot.kling.models import Mode, Shot, ShotType, TextToVideoRequest
from bot.kling.video_rules import MAX_SHOTS, SHOT_PROMPT_MAX
from bot.text import shown
from cogs.options import MODE_CHOICES, VIDEO_RATIO_CHOICES, Choice, OptionalPrompt, parse_mode

SPLIT_CHOICES = [
    app_commands.Choice(name="write the shots", value="customize"),
    app_commands.Choice(name="let Kling split my prompt", value="intelligence"),
]
STORY_SECONDS = (3, 15)
DEFAULT_SECONDS = 10  # Kling splitting the prompt, no length given
SHOT_LINE = re.compile(r"(?P<seconds>\d{1,3})\s*s?\s*:\s*(?P<prompt>.*)", re.IGNORECASE)
SHOTS_INPUT_MAX = 4000  # Discord's limit for one text input: 6 × 512 characters and the seconds fit
FORMAT = "`4s: what happens` (the seconds, then a colon, then the shot)"
StorySeconds = app_commands.Range[int, STORY_SECONDS[0], STORY_SECONDS[1]]


def parse_shots(text: str) -> tuple[Shot, ...]:
    """Read one shot per non-empty line, `<seconds>s: <prompt>`; refuse naming the line and the fix."""
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise CommandRefusedError(f"Write at least one shot, one per line, as {FORMAT}.")
    if len(lines) > MAX_SHOTS:
        raise CommandRefusedError(
            f"A storyboard has at most {MAX_SHOTS} shots; you wrote {len(lines)} lines. Merge or drop "
            f"{len(lines) - MAX_SHOTS} and send it again."
        )
    shots = []
    for number, line in lines:
        match = SHOT_LINE.fullmatch(line)
        if match is None:
            raise CommandRefusedError(f"Line {number} ({shown(line, 40)!r}) isn't a shot: write it as {FORMAT}.")
        seconds, prompt = int(match["seconds"]), match["prompt"].strip()
        if seconds < 1:
            raise CommandRefusedError(f"Line {number}: a shot lasts at least 1 second.")
        if not prompt:
            raise CommandRefusedError(f"Line {number} gives {seconds} s but no shot: say what happens after the colon.")
        if len(prompt) > SHOT_PROMPT_MAX:
            raise CommandRefusedError(
                f"Line {number}'s shot is {len(prompt)} characters; a shot takes at most {SHOT_PROMPT_MAX}. "
                "Shorten it, or split it into two shots."
            )
        shots.append(Shot(prompt=prompt, duration=seconds))
    return tuple(shots)


@dataclass(frozen=True)
class StoryOptions:
    """What the member chose in the command, for the request the form (or the prompt) completes."""

    duration: int | None
    mode: Mode | None
    sound: bool
    aspect_ratio: str

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
            sound=self.sound, aspect_ratio=self.aspect_ratio, model=None,
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
        await self.desk.submit(interaction, request)

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        """Show what went wrong, privately."""
        await report(interaction, error)


class StoryCommands(commands.Cog):
    """Storyboards: several shots in one video."""

    def __init__(self, desk: RequestDesk) -> None:
        self.desk = desk

    @app_commands.command(name="story")
    @app_commands.describe(
        split="Write each shot yourself (a form opens), or let Kling cut your prompt into shots",
        prompt="The whole story, when Kling splits it (leave empty when you write the shots)",
        duration="Length in seconds, 3–15 (default: the shots' sum; 10 when Kling splits)",
        mode="Standard or Professional", sound="Native sound", aspect_ratio="Shape of the video",
    )  # fmt: skip
    @app_commands.choices(split=SPLIT_CHOICES, mode=MODE_CHOICES, aspect_ratio=VIDEO_RATIO_CHOICES)
    async def story(
        self,
        interaction: discord.Interaction,
        split: Choice,
        prompt: OptionalPrompt = "",
        duration: StorySeconds | None = None,
        mode: Choice | None = None,
        sound: bool = False,
        aspect_ratio: Choice | None = None,
    ) -> None:
        """Make a video of several shots (a storyboard)."""
        options = StoryOptions(
            duration=duration, mode=parse_mode(mode.value if mode else None), sound=sound,
            aspect_ratio=aspect_ratio.value if aspect_ratio else "16:9",
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
        await self.desk.submit(interaction, options.request("intelligence", prompt=prompt))
