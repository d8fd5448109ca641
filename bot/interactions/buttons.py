"""Buttons on results that keep working after restarts: Retry, DM me, Delete (owner or admin only)."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.delivery.embeds import result_embed
from bot.delivery.files import choose_files
from bot.engine.codec import decode_request
from bot.interactions.errors import CommandRefusedError, report
from bot.interactions.replies import reply_private
from bot.interactions.submit import begin, submit
from bot.kling.models import TaskKind
from bot.services import services_of
from db.models import TaskRecord

log = logging.getLogger(__name__)

TEMPLATE = r"kling:(?P<action>retry|dm|delete):(?P<task>[0-9a-f-]{36})"
DM_UPLOAD_LIMIT = 10 * 1024 * 1024
LOOKS = {
    "retry": ("Retry", "🔁", discord.ButtonStyle.primary),
    "dm": ("DM me", "📩", discord.ButtonStyle.secondary),
    "delete": ("Delete", "🗑️", discord.ButtonStyle.danger),
}


class TaskButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """One action on one task; the task id lives in the custom_id, so no state is lost on restart."""

    def __init__(self, action: str, task_id: str) -> None:
        label, emoji, style = LOOKS[action]
        super().__init__(
            discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=f"kling:{action}:{task_id}")
        )
        self.action = action
        self.task_id = task_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> TaskButton:
        """Rebuild the button from its custom_id."""
        return cls(match["action"], match["task"])

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Let only the requester, or someone who can manage the server or its messages, press it."""
        task = await services_of(interaction.client).storage.tasks.get(self.task_id)
        if task is None:
            await reply_private(interaction, "This task no longer exists.")
            return False
        if interaction.user.id == task.user_id or is_admin(interaction):
            return True
        await reply_private(interaction, "Only the person who asked for this (or an admin) can use its buttons.")
        return False

    async def callback(self, interaction: discord.Interaction) -> None:
        """Run the button's action; errors become a private message."""
        task = await services_of(interaction.client).storage.tasks.get(self.task_id)
        try:
            if task is None:
                raise CommandRefusedError("This task no longer exists.")
            await ACTIONS[self.action](interaction, task)
        except Exception as exc:  # every failure is shown to the presser, and logged if unexpected
            await report(interaction, exc, self.task_id)


def is_admin(interaction: discord.Interaction) -> bool:
    """Return True for members who may manage the server or its messages."""
    permissions = getattr(interaction.user, "guild_permissions", None)
    return bool(permissions and (permissions.manage_guild or permissions.manage_messages))


def result_view(task: TaskRecord) -> discord.ui.View:
    """Return the buttons for a finished task's message."""
    view = discord.ui.View(timeout=None)
    actions = ("retry", "dm", "delete") if task.outcome == "succeeded" else ("retry", "delete")
    for action in actions:
        view.add_item(TaskButton(action, task.id))
    return view


async def retry(interaction: discord.Interaction, task: TaskRecord) -> None:
    """Queue the same request again, from the kept input images."""
    services = await begin(interaction)
    try:
        request = await decode_request(TaskKind(task.kind), task.params, task.images, services.engine.ctx.inputs.get)
    except FileNotFoundError:
        raise CommandRefusedError("The original images are no longer kept; run the command again with them.") from None
    await submit(interaction, request)


async def dm_me(interaction: discord.Interaction, task: TaskRecord) -> None:
    """Send the result to the presser's DMs."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    services = services_of(interaction.client)
    files = await choose_files(task, DM_UPLOAD_LIMIT, services.settings.storage.archive_dir / "fitted")
    links = "\n".join(f"<{link}>" for link in files.links)
    try:
        await interaction.user.send(
            content=links or None, embed=result_embed(task, files.note), files=files.discord_files()
        )
    except discord.Forbidden:
        raise CommandRefusedError(
            "I can't DM you: allow direct messages from server members, then try again."
        ) from None
    await interaction.followup.send("Sent to your DMs.", ephemeral=True)


async def delete(interaction: discord.Interaction, task: TaskRecord) -> None:
    """Delete the result message the button is on."""
    if interaction.message is not None:
        await interaction.message.delete()
    await reply_private(interaction, "Deleted.")


ACTIONS = {"retry": retry, "dm": dm_me, "delete": delete}
