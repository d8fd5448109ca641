"""Cancel on the live status, and "Don't post it" for a task Kling already has (Kling can't stop one).

The buttons are the bot's persistent `TaskButton`s (`kling:cancel:<task id>`, `kling:withhold:<task id>`):
only the requester or an admin may press them, and they keep working after a restart.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.discord.replies import reply_private
from bot.engine import CancelResult, CancelStatus, Engine
from bot.vocabulary import ACTIVE_STATES, Outcome, TaskState
from db.models import TaskRecord

CANCEL_LOOK = ("Cancel", "✖️", discord.ButtonStyle.secondary)
WITHHOLD_LOOK = ("Don't post it", "🙈", discord.ButtonStyle.danger)
AT_KLING = (
    "Kling is already making this one, and Kling can't stop a task once it has it: it will finish, and be "
    "charged as Kling charges. If you don't want it posted, it can be kept back: archived, not posted "
    "(you'll still see it with `/task show`)."
)
FINISHED_AT_KLING = (
    "Kling has finished this one (it is charged as Kling charges); it is about to be posted. It can still be "
    "kept back: archived, not posted (you'll still see it with `/task show`)."
)
FAILED_AT_KLING = "Kling couldn't make this one, so nothing was charged; its notice is about to be posted."


class StatusButtons(discord.ui.View):
    """The Cancel button drawn on a live status. Clicks are handled by the bot's registered `TaskButton`
    (matched by custom_id), so this view is never stored and can't shadow it."""

    def is_dispatchable(self) -> bool:
        """Return False: discord.py then sends the components without listening on them itself."""
        return False


def status_view(task: TaskRecord) -> discord.ui.View | None:
    """Return the Cancel button while the task can still be stopped; None once it can't (the button goes)."""
    if task.state not in ACTIVE_STATES or task.withheld_by is not None:
        return None
    view = StatusButtons(timeout=None)
    view.add_item(look_button(CANCEL_LOOK, "cancel", task.id))
    return view


def withhold_view(task_id: str) -> discord.ui.View:
    """Return the "Don't post it" button for a task Kling has."""
    view = StatusButtons(timeout=None)
    view.add_item(look_button(WITHHOLD_LOOK, "withhold", task_id))
    return view


def look_button(look: tuple[str, str, discord.ButtonStyle], action: str, task_id: str) -> discord.ui.Button[Any]:
    """Return a button drawn as `look` whose custom_id names `action` on the task."""
    label, emoji, style = look
    return discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=f"kling:{action}:{task_id}")


async def press_cancel(interaction: discord.Interaction, task: TaskRecord, engine: Engine) -> None:
    """Cancel the task; if Kling has it already, say so and offer to keep it from being posted."""
    await interaction.response.defer(ephemeral=True, thinking=True)  # the answer may take a few writes
    result = await engine.cancel(task.id, interaction.user.id)
    if result.status is CancelStatus.AT_PROVIDER:
        if result.task.outcome is Outcome.FAILED:
            await reply_private(interaction, FAILED_AT_KLING)
            return
        words = FINISHED_AT_KLING if result.task.state is TaskState.SUCCEEDED else AT_KLING
        await reply_private(interaction, words, view=withhold_view(task.id))
        return
    await reply_private(interaction, answer(result, interaction.user.id))


async def press_withhold(interaction: discord.Interaction, task: TaskRecord, engine: Engine) -> None:
    """Keep the task's result from being posted."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    await reply_private(interaction, answer(await engine.withhold(task.id, interaction.user.id), interaction.user.id))


def answer(result: CancelResult, presser: int) -> str:
    """Return what a press did, in a member's words."""
    task = result.task
    if result.status is CancelStatus.CANCELLED:
        whose = "your quota" if presser == task.user_id else f"<@{task.user_id}>'s quota"
        return f"Cancelled: it never reached Kling, and its {task.units_reserved} units are back in {whose}."
    if result.status is CancelStatus.WITHHELD:
        return (
            "It won't be posted. Kling finishes it and it is charged as Kling charges; the result is archived, "
            f"and you can still see it with `/task show id:{task.id}`."
        )
    if result.status is CancelStatus.ALREADY_STOPPED:
        done = "cancelled it" if task.outcome is Outcome.CANCELLED else "kept it from being posted"
        return f"<@{task.withheld_by}> already {done}."
    if result.status is CancelStatus.AT_PROVIDER:
        return AT_KLING
    return "Too late: it has been posted already (or is being posted right now). Delete the result if you like."
