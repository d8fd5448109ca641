"""`/video lipsync`: make the face in one of the member's finished Kling videos speak an audio file.

The same follow-up is on every video result as the "Lip sync" button (bot/discord/buttons.py); both check the
video and read the sound through bot/discord/intake.py.
"""

from __future__ import annotations

from collections.abc import Callable

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.desk import RequestDesk
from bot.discord.embeds import prompt_of, title_of
from bot.discord.errors import CommandRefusedError
from bot.discord.intake import lip_sync_request, lip_sync_video, read_audio
from bot.kling.catalogue import LipSyncSpec
from bot.text import shown
from cogs.options import AUTOCOMPLETE_LIMIT, Choice, Name
from db.models import TaskRecord
from db.repository import TaskRepository

RECENT = 50  # the member's newest tasks searched for videos to offer, or for a short id typed
SHORT_ID = 8  # what `/tasks` shows


class LipSyncCommands(commands.Cog):
    """Lip sync on the member's own videos."""

    def __init__(
        self, desk: RequestDesk, tasks: TaskRepository, clock: Callable[[], float], rules: LipSyncSpec
    ) -> None:
        self.desk = desk
        self.tasks = tasks
        self.clock = clock  # the engine's time, which tasks' `finished_at` is in
        self.rules = rules

    def _usable(self, task: TaskRecord, user_id: int, now: float) -> bool:
        try:
            lip_sync_video(task, user_id, now, self.rules.video_max_age_days)
        except CommandRefusedError:
            return False
        return True

    async def _videos(self, interaction: discord.Interaction, current: str) -> list[Choice]:
        """Offer the member's videos that can still be lip-synced, newest first."""
        if interaction.guild_id is None:
            return []
        tasks = await self.tasks.for_user(interaction.guild_id, interaction.user.id, limit=RECENT)
        now = self.clock()
        videos = [t for t in tasks if t.id.startswith(current.strip()) and self._usable(t, interaction.user.id, now)]
        return [
            app_commands.Choice(name=shown(f"{t.id[:SHORT_ID]} · {title_of(t)} · {_age(now, t)} · {prompt_of(t)}", 100),
                                value=t.id)
            for t in videos[:AUTOCOMPLETE_LIMIT]
        ]  # fmt: skip

    @app_commands.command(name="lipsync")
    @app_commands.describe(
        task="One of your finished videos (start typing to pick it)",
        audio="What the face says: an MP3 or WAV of 2–60 s, up to 5 MB",
    )
    @app_commands.autocomplete(task=_videos)
    async def lipsync(self, interaction: discord.Interaction, task: Name, audio: discord.Attachment) -> None:
        """Make the face in one of your videos speak an audio file."""
        await self.desk.begin(interaction)
        source = await self._find(interaction, task.strip())
        video_id = lip_sync_video(source, interaction.user.id, self.clock(), self.rules.video_max_age_days)
        sound = await read_audio(audio)
        await self.desk.submit(interaction, lip_sync_request(video_id, source, sound))

    async def _find(self, interaction: discord.Interaction, typed: str) -> TaskRecord:
        """Return the task with this id (or the member's one task whose id starts with it) in this server."""
        task = await self.tasks.get(typed)
        if task is None and len(typed) >= SHORT_ID and interaction.guild_id is not None:
            mine = await self.tasks.for_user(interaction.guild_id, interaction.user.id, limit=RECENT)
            matching = [t for t in mine if t.id.startswith(typed)]
            task = matching[0] if len(matching) == 1 else None
        if task is None or task.guild_id != interaction.guild_id:
            raise CommandRefusedError(
                f"No task here has the id {shown(typed, 40)!r}. Pick one of your videos from the list as you type "
                "(`/tasks` lists them)."
            )
        return task


def _age(now: float, task: TaskRecord) -> str:
    """Return how long ago the task was asked for, shortly."""
    hours = max(now - task.created_at, 0) / 3600
    return f"{hours:.0f} h ago" if hours < 48 else f"{hours / 24:.0f} d ago"
