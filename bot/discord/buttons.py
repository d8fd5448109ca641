"""Buttons that keep working after restarts (owner or admin only): on results Retry, Vary, Remix, DM me, Lip sync,
Delete; on a live status Cancel, and "Don't post it" for a task Kling already has."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import discord

from bot.discord.access import GuildGate
from bot.discord.cancel import CANCEL_LOOK, WITHHOLD_LOOK, press_cancel, press_withhold
from bot.discord.desk import RequestDesk
from bot.discord.errors import CommandRefusedError, report
from bot.discord.intake import lip_sync_request, lip_sync_video, read_audio
from bot.discord.permissions import is_admin
from bot.discord.remix import REMIXABLE, RemixModal
from bot.discord.replies import reply_private
from bot.discord.results import DM_UPLOAD_LIMIT, ResultPresenter
from bot.engine import Engine
from bot.kling.catalogue import LipSyncSpec
from bot.vocabulary import Outcome
from db.models import TaskRecord
from db.repository import TaskRepository

log = logging.getLogger(__name__)

TEMPLATE = r"kling:(?P<action>retry|vary|remix|dm|lipsync|delete|cancel|withhold):(?P<task>[0-9a-f-]{36})"
LOOKS = {
    "retry": ("Retry", "🔁", discord.ButtonStyle.primary),
    "vary": ("Vary", "🎲", discord.ButtonStyle.secondary),
    "remix": ("Remix", "✏️", discord.ButtonStyle.secondary),
    "dm": ("DM me", "📩", discord.ButtonStyle.secondary),
    "lipsync": ("Lip sync", "🗣️", discord.ButtonStyle.secondary),
    "delete": ("Delete", "🗑️", discord.ButtonStyle.danger),
    "cancel": CANCEL_LOOK,
    "withhold": WITHHOLD_LOOK,
}
AGAIN = frozenset({"retry", "vary", "remix"})  # the first row: ways to go again
AUDIO_LABEL = "Audio: MP3 or WAV, 2–60 s, up to 5 MB"


@dataclass(frozen=True)
class ButtonActions:
    """What the buttons act with: the tasks, the request desk (Retry, Vary, Remix, Lip sync), the result renderer
    (DM me) and the engine (Cancel, Don't post it).

    Lip sync refuses videos Kling no longer keeps: `clock` is the engine's time (Unix seconds) that results'
    `finished_at` is measured in, `lip_sync` the catalogue's rules.
    """

    tasks: TaskRepository
    desk: RequestDesk
    results: ResultPresenter
    gate: GuildGate  # a server denied since the result was posted can't spend through its buttons
    clock: Callable[[], float]
    lip_sync: LipSyncSpec
    engine: Engine

    async def retry(self, interaction: discord.Interaction, task: TaskRecord) -> None:
        """Queue the same request again, from the kept input images."""
        await self.desk.begin(interaction)
        await self.desk.resubmit(interaction, task)

    async def remix_form(self, interaction: discord.Interaction, task: TaskRecord) -> None:
        """Open the form with the task's texts, to change and run again with the same images and options."""
        await interaction.response.send_modal(RemixModal(self.desk, self.gate, task))

    async def cancel(self, interaction: discord.Interaction, task: TaskRecord) -> None:
        """Cancel the task (refunded if it still waits), or offer to keep it from being posted."""
        await press_cancel(interaction, task, self.engine)

    async def withhold(self, interaction: discord.Interaction, task: TaskRecord) -> None:
        """Keep the task's result from being posted."""
        await press_withhold(interaction, task, self.engine)

    async def dm_me(self, interaction: discord.Interaction, task: TaskRecord) -> None:
        """Send the result to the presser's DMs."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        copy = await self.results.copy(task, DM_UPLOAD_LIMIT)
        try:
            await interaction.user.send(content=copy.content, embed=copy.embed, files=copy.files.discord_files())
        except discord.Forbidden:
            raise CommandRefusedError(
                "I can't DM you: allow direct messages from server members, then try again."
            ) from None
        await interaction.followup.send("Sent to your DMs.", ephemeral=True)

    async def lip_sync_form(self, interaction: discord.Interaction, task: TaskRecord) -> None:
        """Ask for the sound file, once the video is known to be the presser's and still kept by Kling."""
        self.video_to_sync(task, interaction.user.id)
        await interaction.response.send_modal(LipSyncModal(self, task))

    def video_to_sync(self, task: TaskRecord, user_id: int) -> str:
        """Return the Kling id of the task's video, or refuse naming why it can't be lip-synced."""
        return lip_sync_video(task, user_id, self.clock(), self.lip_sync.video_max_age_days)

    async def delete(self, interaction: discord.Interaction, task: TaskRecord) -> None:
        """Delete the result message the button is on."""
        if interaction.message is not None:
            await interaction.message.delete()
        await reply_private(interaction, "Deleted.")

    def action(self, name: str) -> Callable[[discord.Interaction, TaskRecord], Awaitable[None]]:
        """Return the handler of one button."""
        handlers = {
            "retry": self.retry, "vary": self.retry, "remix": self.remix_form, "dm": self.dm_me,
            "lipsync": self.lip_sync_form, "delete": self.delete, "cancel": self.cancel, "withhold": self.withhold,
        }  # fmt: skip
        return handlers[name]


class LipSyncModal(discord.ui.Modal, title="Lip sync"):
    """Asks for the sound file the face in a finished video should speak."""

    def __init__(self, actions: ButtonActions, task: TaskRecord) -> None:
        super().__init__()
        self.actions = actions
        self.task = task
        self.audio: discord.ui.FileUpload[LipSyncModal] = discord.ui.FileUpload(custom_id="audio")
        self.add_item(
            discord.ui.Label(text=AUDIO_LABEL, description="The face in the video speaks it.", component=self.audio)
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Queue the lip sync of the video to the uploaded sound."""
        desk = self.actions.desk
        await desk.begin(interaction)
        if len(self.audio.values) != 1:
            raise CommandRefusedError("Attach one sound file (MP3 or WAV, 2–60 s).")
        video_id = self.actions.video_to_sync(self.task, interaction.user.id)
        audio = await read_audio(self.audio.values[0])
        await desk.submit(interaction, lip_sync_request(video_id, self.task, audio))

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        """Show what went wrong, privately."""
        await report(interaction, error, self.task.id)


# Actions that spend on the member's own inputs (their private uploads): never an admin's to press.
REQUESTER_ONLY = frozenset({"retry", "vary", "remix", "lipsync"})


class TaskButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """One action on one task; the task id lives in the custom_id, so no state is lost on restart.

    The bot registers `bound_task_button(actions)`: the class discord.py rebuilds on each click, with what it
    acts with (`from_custom_id` is a classmethod, so the actions live on the class).
    """

    actions: ClassVar[ButtonActions | None] = None

    def __init__(self, action: str, task_id: str) -> None:
        super().__init__(button(action, task_id))
        self.action = action
        self.task_id = task_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> TaskButton:
        """Rebuild the button from its custom_id."""
        return cls(match["action"], match["task"])

    def _actions(self) -> ButtonActions:
        if self.actions is None:
            raise RuntimeError("TaskButton is not bound; register bound_task_button(actions)")
        return self.actions

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Let only the requester, or someone who can manage the server or its messages, press it."""
        if not await self._actions().gate.check(interaction):
            return False
        task = await self._actions().tasks.get(self.task_id)
        if task is None:
            await reply_private(interaction, "This task no longer exists.")
            return False
        if interaction.user.id == task.user_id:
            return True
        if self.action in REQUESTER_ONLY:  # going again reuses the member's own uploads: theirs alone
            await reply_private(interaction, "Only the person who asked for this can run it again or lip-sync it.")
            return False
        if is_admin(interaction):
            return True
        await reply_private(interaction, "Only the person who asked for this (or an admin) can use its buttons.")
        return False

    async def callback(self, interaction: discord.Interaction) -> None:
        """Run the button's action; errors become a private message."""
        actions = self._actions()
        task = await actions.tasks.get(self.task_id)
        try:
            if task is None:
                raise CommandRefusedError("This task no longer exists.")
            await actions.action(self.action)(interaction, task)
        except Exception as exc:  # every failure is shown to the presser, and logged if unexpected
            await report(interaction, exc, self.task_id)


def bound_task_button(actions: ButtonActions) -> type[TaskButton]:
    """Return the button class a bot registers: it acts with this bot's `actions`."""

    class BoundTaskButton(TaskButton, template=TEMPLATE):
        pass

    BoundTaskButton.actions = actions
    return BoundTaskButton


class ResultButtons(discord.ui.View):
    """The buttons drawn on a result. Clicks are handled by the bot's registered `TaskButton` (matched by
    custom_id, so they work after restarts); this view is never stored, so it can't shadow that class.
    """

    def is_dispatchable(self) -> bool:
        """Return False: discord.py then sends the components without listening on them itself."""
        return False


def result_view(task: TaskRecord, *, lip_sync: bool, in_dm: bool = False) -> discord.ui.View:
    """Return the buttons for a finished task's message: going again on the first row, the rest on the second."""
    view = ResultButtons(timeout=None)
    for name in ["delete"] if in_dm else result_actions(task, lip_sync=lip_sync):
        item = button(name, task.id)
        item.row = 0 if name in AGAIN else 1
        view.add_item(item)
    return view


def result_actions(task: TaskRecord, *, lip_sync: bool) -> list[str]:
    """Return the actions a finished task offers: Vary (another take) on a success or Retry on a failure, Remix
    where it has a prompt, DM me, Lip sync where the provider offers it, Delete."""
    # Going again: Vary (another take) after a success, Retry after a failure — the same action, one button.
    names = ["vary" if task.outcome is Outcome.SUCCEEDED else "retry"]
    if task.kind in REMIXABLE:
        names.append("remix")
    if task.outcome is Outcome.SUCCEEDED:
        names.append("dm")
        if lip_sync and task.kind.makes_video and task.result_video_ids:  # Kling names the video by its id
            names.append("lipsync")
    names.append("delete")
    return names


def button(action: str, task_id: str) -> discord.ui.Button[Any]:
    """Return the button for one action on one task."""
    label, emoji, style = LOOKS[action]
    return discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=f"kling:{action}:{task_id}")
