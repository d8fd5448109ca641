"""Live status: one bot-owned message per task, edited as it moves, at most once per task every ~10 s.

The status lives in a channel message the bot owns (not the interaction response), because tasks
outlive the 15-minute interaction token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import discord

from bot.discord.embeds import status_embed
from bot.discord.replies import NO_MENTIONS
from bot.vocabulary import TaskState
from db import Storage
from db.models import TaskRecord

log = logging.getLogger(__name__)

MIN_EDIT_INTERVAL = 10.0  # seconds between edits of one task's status (channel rate limits)
FINAL = (TaskState.DELIVERED, TaskState.DELIVERY_FAILED)


class StatusBoard:
    """Posts and edits each task's status message, coalescing bursts of changes into one edit."""

    def __init__(
        self,
        client: discord.Client,
        storage: Storage,
        *,
        min_interval: float = MIN_EDIT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._storage = storage
        self._min_interval = min_interval
        self._clock = clock
        self._last_edit: dict[str, float] = {}
        self._latest: dict[str, TaskRecord] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}

    async def post(self, task: TaskRecord, queue_position: int | None) -> None:
        """Post the first status message in the task's channel and remember it."""
        channel = self._client.get_channel(task.channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            return
        try:
            message = await channel.send(embed=status_embed(task, queue_position), allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("Task %s: can't post its status in channel %s: %s", task.id, task.channel_id, exc)
            return
        self._last_edit[task.id] = self._clock()
        await self._storage.tasks.update(task.id, now=time.time(), status_message_id=message.id)
        # The engine may have moved the task while we posted, and skipped telling us (no message yet).
        current = await self._storage.tasks.get(task.id)
        if current is not None and current.state is not task.state:
            await self.update(current)

    async def update(self, task: TaskRecord) -> None:
        """Show a state change: now if the last edit is old enough (or the task is done), else a bit later."""
        if task.status_message_id is None:
            return
        self._latest[task.id] = task
        if task.state in FINAL:
            pending = self._pending.pop(task.id, None)
            if pending is not None:
                pending.cancel()
            await self._flush(task.id)
            self._last_edit.pop(task.id, None)
            return
        if task.id in self._pending:
            return  # the scheduled edit will show this newest state
        wait = self._last_edit.get(task.id, float("-inf")) + self._min_interval - self._clock()
        if wait <= 0:
            await self._flush(task.id)
        else:
            self._pending[task.id] = asyncio.create_task(self._flush_later(task.id, wait))

    async def close(self) -> None:
        """Cancel the edits still waiting."""
        for pending in self._pending.values():
            pending.cancel()
        for pending in list(self._pending.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await pending
        self._pending.clear()

    async def _flush_later(self, task_id: str, wait: float) -> None:
        await asyncio.sleep(wait)
        self._pending.pop(task_id, None)
        await self._flush(task_id)

    async def _flush(self, task_id: str) -> None:
        task = self._latest.pop(task_id, None)
        if task is None or task.status_message_id is None:
            return
        self._last_edit[task_id] = self._clock()
        position = await self._storage.tasks.queue_position(task.id) if task.state is TaskState.QUEUED else None
        embed = status_embed(task, position)
        if task.delivery_message_id is not None and task.state is TaskState.DELIVERED:
            embed.description = f"{embed.description} — [jump to the result]({message_url(task)})"
        channel = self._client.get_channel(task.channel_id)
        if not isinstance(channel, discord.TextChannel | discord.Thread | discord.VoiceChannel):
            return
        try:
            await channel.get_partial_message(task.status_message_id).edit(embed=embed)
        except discord.HTTPException as exc:
            log.info("Task %s: status edit failed: %s", task_id, exc)


def message_url(task: TaskRecord) -> str:
    """Return the link to a task's delivered result."""
    return f"https://discord.com/channels/{task.guild_id}/{task.channel_id}/{task.delivery_message_id}"
