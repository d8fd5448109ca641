"""The embeds people see: a task's live status, its result, its failure."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import discord

from bot.discord.eta import time_left_words
from bot.engine import Progress
from bot.vocabulary import Outcome, TaskKind, TaskState
from db.models import TaskRecord

Price = Callable[[Decimal], str]  # units -> money, e.g. "$0.21"
FIELD_VALUE_MAX = 1024  # Discord's limit on an embed field's value
REASON_PREVIEW = 1000  # a failure reason shown in a status description (4,096 at most)
KIND_TITLES = {
    TaskKind.IMAGE_TO_VIDEO: "Animated image",
    TaskKind.MULTI_IMAGE_TO_VIDEO: "Blended video",
    TaskKind.TEXT_TO_VIDEO: "Video from text",
    TaskKind.MULTI_IMAGE_TO_IMAGE: "Composed image",
    TaskKind.TEXT_TO_IMAGE: "Image from text",
    TaskKind.EFFECTS: "Video effect",
    TaskKind.LIP_SYNC: "Lip sync",
    TaskKind.TRY_ON: "Virtual try-on",
}
STORYBOARD_TITLE = "Storyboard"
SHOTS_SHOWN_MAX = 6
STATE_LINES = {
    TaskState.QUEUED: "⏳ Waiting in the queue",
    TaskState.SUBMITTING: "📤 Sending to Kling",
    TaskState.SUBMITTED: "🎬 Kling accepted it; generating",
    TaskState.PROCESSING: "🎬 Generating",
    TaskState.SUCCEEDED: "📦 Finished; posting the result",
    TaskState.FAILED: "❌ Failed",
    TaskState.DELIVERING: "📦 Posting the result",
    TaskState.DELIVERED: "✅ Done",
    TaskState.DELIVERY_FAILED: "⚠️ Finished, but it couldn't be posted here",
}
SUCCESS_COLOUR = discord.Colour.green()
FAILURE_COLOUR = discord.Colour.red()
STATUS_COLOUR = discord.Colour.blurple()


def title_of(task: TaskRecord) -> str:
    """Return the task's kind as a title."""
    if task.params.get("shot_type"):
        return STORYBOARD_TITLE
    return KIND_TITLES.get(task.kind, "Kling task")


def fit(text: str, limit: int = FIELD_VALUE_MAX) -> str:
    """Return `text` with markdown made inert, cut to at most `limit` characters (escaping counts too)."""
    escaped = discord.utils.escape_markdown(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    if (len(cut) - len(cut.rstrip("\\"))) % 2:  # never end on half an escape, which would eat the "…"
        cut = cut[:-1]
    return cut + "…"


def prompt_of(task: TaskRecord, limit: int = FIELD_VALUE_MAX) -> str:
    """Return the prompt (a storyboard's shots, an effect's scene), fitted to `limit`, markdown made inert."""
    shots = task.params.get("shots") or []
    if shots:
        lines = [f"{i}. ({shot['duration']} s) {shot['prompt']}" for i, shot in enumerate(shots[:SHOTS_SHOWN_MAX], 1)]
        return fit("\n".join(lines), limit)
    if task.kind is TaskKind.EFFECTS:
        return fit(f"Effect: {task.params.get('scene')}", limit)
    if task.kind is TaskKind.LIP_SYNC:
        return fit(f"Lip sync of task {task.params.get('source_task') or 'a video'} to the member's audio", limit)
    return fit(str(task.params.get("prompt") or "").strip() or "(no prompt)", limit)


def state_line(task: TaskRecord) -> str:
    """Return where the task stands in a line; a cancelled or withheld task says so, and by whom."""
    who = f"<@{task.withheld_by}>"
    if task.outcome is Outcome.CANCELLED:
        return f"🚫 Cancelled by {who}; nothing was charged"
    if task.withheld_by is None:
        return STATE_LINES[task.state]
    if task.outcome is Outcome.SUCCEEDED:
        return f"🔒 Finished — not posted (withheld by {who})"
    if task.outcome is Outcome.FAILED:
        return f"❌ Failed — not posted (withheld by {who})"
    return f"{STATE_LINES[task.state]} — it won't be posted (withheld by {who})"


def status_embed(
    task: TaskRecord, queue_position: int | None, progress: Progress | None = None, *, live: bool = True
) -> discord.Embed:
    """Return the status: state, place in the queue, time left (from `progress`), elapsed and expected times.

    A `live` status message is edited only when the task moves, so its time left is Discord's own live
    countdown ("done in 2 minutes"), never words that would go stale; a one-off view (`/task show`) says it
    in words ("about 1 min 40 s left").
    """
    line = state_line(task)
    if task.state is TaskState.QUEUED and queue_position is not None:
        line += f" — #{queue_position} in line"
    if progress is not None and progress.seconds_left is not None:
        line += f" · {_time_left(progress, live=live)}"
    if task.outcome is Outcome.FAILED and task.error_reason and (task.state is TaskState.FAILED or task.withheld_by):
        line += f": {fit(task.error_reason, REASON_PREVIEW)}"
    embed = discord.Embed(title=title_of(task), description=line, colour=STATUS_COLOUR)
    embed.add_field(name="Prompt", value=prompt_of(task), inline=False)
    embed.add_field(name="Requested by", value=f"<@{task.user_id}>")
    embed.add_field(name="Started", value=f"<t:{int(task.created_at)}:R>")
    finish = progress.finish_at if progress is not None else None
    if finish is None and task.state in (TaskState.SUBMITTED, TaskState.PROCESSING):
        finish = task.expected_at
    if finish is not None:
        embed.add_field(name="Expected", value=f"<t:{int(finish)}:R>")  # learned from recent tasks
    embed.set_footer(text=f"Task {task.id} · live status")  # unlike a result's footer, on purpose
    return embed


def _time_left(progress: Progress, *, live: bool) -> str:
    seconds, finish = progress.seconds_left or 0, progress.finish_at
    if seconds <= 0 or finish is None:
        return time_left_words(seconds)
    return f"done <t:{int(finish)}:R>" if live else time_left_words(seconds)


def result_embed(task: TaskRecord, note: str | None = None, price: Price | None = None) -> discord.Embed:
    """Return the embed posted with a finished task: what was asked, with what, at what cost."""
    succeeded = task.outcome is Outcome.SUCCEEDED
    embed = discord.Embed(
        title=title_of(task) if succeeded else f"{title_of(task)} — failed",
        colour=SUCCESS_COLOUR if succeeded else FAILURE_COLOUR,
    )
    embed.add_field(name="Prompt", value=prompt_of(task), inline=False)
    if not succeeded:
        embed.add_field(
            name="Why", value=fit(task.error_reason or "The video service could not make it."), inline=False
        )
    for label, value in parameters_of(task):
        embed.add_field(name=label, value=fit(value, 100))
    units = task.units_charged if succeeded else None
    cost = f" ({price(units)})" if price is not None and units else ""
    embed.add_field(name="Cost", value=f"{units} units{cost}" if units is not None else "0 (refunded)")
    if note:
        embed.add_field(name="Note", value=fit(note), inline=False)
    embed.set_footer(text=f"Task {task.id}")
    return embed


def parameters_of(task: TaskRecord) -> list[tuple[str, str]]:
    """Return the options worth showing with a result: model, mode, duration, sound, count, shape."""
    params = task.params
    shown: list[tuple[str, str]] = []
    for label, key in (("Model", "model"), ("Mode", "mode"), ("Duration", "duration"), ("Images", "n")):
        value = params.get(key)
        if value not in (None, "") and not (key == "duration" and not task.kind.makes_video):
            shown.append((label, f"{value} s" if key == "duration" else str(value)))
    if params.get("sound"):
        shown.append(("Sound", "on"))
    if task.kind is TaskKind.LIP_SYNC and params.get("audio_seconds"):
        shown.append(("Audio", f"{float(params['audio_seconds']):.1f} s"))
    return shown
