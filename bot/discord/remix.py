"""Remix: a result's texts in a form, to change and run again with the same images and options.

The new texts go through the desk like any request: the server's rules, the model's rules, quotas and budgets
all apply, and nothing is charged on a refusal.
"""

from __future__ import annotations

import discord

from bot.discord.access import GuildGate
from bot.discord.desk import RequestDesk
from bot.discord.errors import report
from bot.discord.shots import SHOTS_INPUT_MAX, parse_shots, shot_lines
from bot.engine import Overrides
from bot.kling.limits import PROMPT_MAX
from bot.vocabulary import TaskKind
from db.models import TaskRecord

# The kinds whose request is written in words (an effect, a lip sync or a try-on has no prompt to change).
REMIXABLE = frozenset({
    TaskKind.IMAGE_TO_VIDEO, TaskKind.MULTI_IMAGE_TO_VIDEO, TaskKind.TEXT_TO_VIDEO,
    TaskKind.MULTI_IMAGE_TO_IMAGE, TaskKind.TEXT_TO_IMAGE,
})  # fmt: skip


class RemixModal(discord.ui.Modal, title="Remix: same images and options"):
    """The task's prompt (a storyboard's shots, one per line) and negative prompt, prefilled to be changed."""

    def __init__(self, desk: RequestDesk, gate: GuildGate, task: TaskRecord) -> None:
        super().__init__()
        self.desk = desk
        self.gate = gate
        self.task = task
        shots = task.params.get("shots") or []
        self.storyboard = bool(shots)
        self.text: discord.ui.TextInput[RemixModal] = (
            discord.ui.TextInput(
                label="Shots, one per line — 4s: what happens", style=discord.TextStyle.paragraph,
                custom_id="shots", default=shot_lines(shots), max_length=SHOTS_INPUT_MAX,
            )
            if shots
            else discord.ui.TextInput(
                label="Prompt", style=discord.TextStyle.paragraph, custom_id="prompt", required=False,
                default=str(task.params.get("prompt") or "") or None, max_length=PROMPT_MAX,
            )
        )  # fmt: skip
        self.negative: discord.ui.TextInput[RemixModal] = discord.ui.TextInput(
            label="Avoid (optional)", style=discord.TextStyle.paragraph, custom_id="negative_prompt",
            required=False, default=str(task.params.get("negative_prompt") or "") or None, max_length=PROMPT_MAX,
        )  # fmt: skip
        self.add_item(self.text)
        self.add_item(self.negative)

    def overrides(self) -> Overrides:
        """Return the texts as typed (a storyboard's lines read as shots)."""
        negative = self.negative.value.strip()
        if self.storyboard:
            return Overrides(shots=parse_shots(self.text.value), negative_prompt=negative)
        return Overrides(prompt=self.text.value.strip(), negative_prompt=negative)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Queue the request again with the new texts (a server denied since the form opened can't spend)."""
        if not await self.gate.check(interaction):
            return
        await self.desk.begin(interaction)
        await self.desk.resubmit(interaction, self.task, self.overrides())

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        """Show what went wrong, privately."""
        await report(interaction, error, self.task.id)
