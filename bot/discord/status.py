"""Live status: one bot-owned message per task, edited as it moves, at most once per task every ~10 s.

The status lives in a channel message the bot owns (not the interaction response), because tasks
outlive the 15-minute interaction token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

import discord

from bot.discord.cancel import status_view
from bot.discord.embeds import status_embed
from bot.discord.replies import NO_MENTIONS
from bot.engine import Progress
from bot.vocabulary import ACTIVE_STATES, TaskState
from db import Storage
from db.models import TaskRecord

log = logging.getLogger(__name__)

MIN_EDIT_INTERVAL = 10.0  # seconds between edits of one task's status (channel rate limits)
EDIT_TIMEOUT = 15.0  # seconds one status edit may take (rate limits included) before it is given up
FINAL_TRIES = 3  # a final state's edit is tried again this many times, FINAL_RETRY s apart (growing)
FINAL_RETRY = 30.0
PARALLEL_EDITS = 8  # edits under way at once (each message has at most one)
MAX_PENDING = 1000  # tasks with an edit waiting; past this, non-final changes are dropped (the next one shows)
FINAL = (TaskState.DELIVERED, TaskState.DELIVERY_FAILED)
ProgressSource = Callable[[TaskRecord], Awaitable[Progress]]
StatusChannel = discord.TextChannel | discord.Thread | discord.VoiceChannel | discord.PartialMessageable


class StatusBoard:
    """Posts and edits each task's status message, coalescing bursts of changes into one edit.

    The engine tells it about changes through `update`, which never waits on Discord: edits are queued
    (one per task, the newest state wins, at most `max_pending` tasks) and sent by one background
    runner, each with a timeout. A rate-limited channel slows its own status edits, nothing else.
    """

    def __init__(
        self,
        client: discord.Client,
        storage: Storage,
        *,
        min_interval: float = MIN_EDIT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        edit_timeout: float = EDIT_TIMEOUT,
        max_pending: int = MAX_PENDING,
        final_retry: float = FINAL_RETRY,
        progress: ProgressSource | None = None,
    ) -> None:
        self._client = client
        self._progress = progress  # the engine's estimate, read when a status is drawn (never an extra edit)
        self._storage = storage
        self._min_interval = min_interval
        self._clock = clock
        self._waited_until = float("-inf")  # a timed wait that ran out counts as reaching its target
        self._edit_timeout = edit_timeout
        self._max_pending = max_pending
        self._final_retry = final_retry
        self._last_edit: dict[str, float] = {}
        self._latest: dict[str, TaskRecord] = {}
        self._due: dict[str, float] = {}
        self._final_tries: dict[str, int] = {}
        self._stopped: set[str] = set()  # tasks whose cancel or withhold has been shown (or is on its way)
        self._sending: set[str] = set()
        self._senders: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(PARALLEL_EDITS)
        self._wake = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None

    async def post(self, task: TaskRecord, queue_position: int | None) -> None:
        """Post the first status message in the task's channel and remember it."""
        channel = self._channel(task)
        progress = await self._progress_of(task)
        embed = status_embed(task, queue_position, progress)
        buttons = status_view(task) or discord.utils.MISSING
        try:
            message = await channel.send(embed=embed, view=buttons, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("Task %s: can't post its status in channel %s: %s", task.id, task.channel_id, exc)
            return
        self._last_edit[task.id] = self._clock()
        await self._storage.tasks.update(task.id, now=time.time(), status_message_id=message.id)
        # The engine may have moved the task while we posted, and skipped telling us (no message yet).
        current = await self._storage.tasks.get(task.id)
        if current is not None and current.state is not task.state:
            await self.update(current)

    def _channel(
        self, task: TaskRecord
    ) -> discord.TextChannel | discord.Thread | discord.VoiceChannel | discord.PartialMessageable:
        """Return the task's channel: cached, or a partial one (a thread just made may not be cached yet)."""
        channel = self._client.get_channel(task.channel_id)
        if isinstance(channel, discord.TextChannel | discord.Thread | discord.VoiceChannel):
            return channel
        return self._client.get_partial_messageable(task.channel_id, guild_id=task.guild_id)

    async def update(self, task: TaskRecord) -> None:
        """Queue a state change for its status message: soon if the last edit is old enough (or it is final)."""
        if task.status_message_id is None:
            return
        final = task.state in FINAL
        if task.id not in self._latest and len(self._latest) >= self._max_pending and not final:
            log.debug("Task %s: status edit dropped, %d already waiting", task.id, len(self._latest))
            return
        self._latest[task.id] = task
        earliest = self._last_edit.get(task.id, float("-inf")) + self._min_interval
        # A cancel or "Don't post it" shows at once: the presser is looking (it happens once per task).
        stopped = task.withheld_by is not None and task.id not in self._stopped
        if stopped:
            self._stopped.add(task.id)
        if final:
            self._stopped.discard(task.id)
        due = self._clock() if final or stopped else max(earliest, self._clock())
        self._due[task.id] = min(due, self._due.get(task.id, due))
        self._ensure_runner()
        self._wake.set()

    async def close(self) -> None:
        """Stop sending edits (the ones still waiting are dropped)."""
        for task in [*self._senders, *([self._runner] if self._runner else [])]:
            task.cancel()
        for task in [*self._senders, *([self._runner] if self._runner else [])]:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._runner = None

    def _ensure_runner(self) -> None:
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run(), name="status-edits")

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            now = max(self._clock(), self._waited_until)
            for task_id in [t for t, due in self._due.items() if due <= now and t not in self._sending]:
                del self._due[task_id]
                self._start_send(task_id)
            if not self._due:
                if not self._sending:
                    return  # idle: the next change starts the runner again (an idle task would outlive its cause)
                await self._wake.wait()
                continue
            target = min(self._due.values())
            try:
                await asyncio.wait_for(self._wake.wait(), max(target - self._clock(), 0.0))
            except TimeoutError:
                self._waited_until = target

    def _start_send(self, task_id: str) -> None:
        """Send one edit beside the others (a rate-limited channel waits alone), one at a time per message."""
        self._sending.add(task_id)
        sender = asyncio.create_task(self._send_bounded(task_id), name=f"status-{task_id}")
        self._senders.add(sender)
        sender.add_done_callback(self._senders.discard)

    async def _send_bounded(self, task_id: str) -> None:
        try:
            async with self._slots:
                await self._send(task_id)
        finally:
            self._sending.discard(task_id)
            self._wake.set()  # an edit for this message may have queued meanwhile

    async def _send(self, task_id: str) -> None:
        task = self._latest.pop(task_id, None)
        if task is None or task.status_message_id is None:
            return
        try:
            await asyncio.wait_for(self._edit(task), self._edit_timeout)
        except (TimeoutError, discord.HTTPException) as exc:
            log.info("Task %s: status edit failed: %r", task_id, exc)
            self._retry_final(task)
        except Exception:  # one bad edit must not stop the others
            log.exception("Task %s: status edit failed", task_id)
        else:
            self._final_tries.pop(task_id, None)

    def _retry_final(self, task: TaskRecord) -> None:
        """A final state must show in the end: try it again a few times, later (unless a newer one came)."""
        tries = self._final_tries.get(task.id, 0) + 1
        if task.state not in FINAL or tries > FINAL_TRIES or task.id in self._latest:
            self._final_tries.pop(task.id, None)
            return
        self._final_tries[task.id] = tries
        self._latest[task.id] = task
        self._due[task.id] = self._clock() + self._final_retry * tries

    async def _edit(self, task: TaskRecord) -> None:
        self._last_edit[task.id] = self._clock()
        # Processes that share the work (a gateway, workers) each edit the same message: a late edit must not
        # bring back an older state, so a newer record stored by another process is the one drawn.
        stored = await self._storage.tasks.get(task.id)
        if stored is not None and stored.updated_at > task.updated_at:
            task = stored
        if task.state in FINAL:
            self._last_edit.pop(task.id, None)
        progress = await self._progress_of(task)
        if progress is not None:
            position = progress.queue_position
        else:
            position = await self._storage.tasks.queue_position(task.id) if task.state is TaskState.QUEUED else None
        embed = status_embed(task, position, progress)
        if task.delivery_message_id is not None and task.state is TaskState.DELIVERED:
            embed.description = f"{embed.description} — [jump to the result]({message_url(task)})"
        channel = self._channel(task)
        assert task.status_message_id is not None  # noqa: S101 - checked by _send
        await channel.get_partial_message(task.status_message_id).edit(embed=embed, view=status_view(task))

    async def _progress_of(self, task: TaskRecord) -> Progress | None:
        """Return the task's place and time left while it is under way (a failed estimate just isn't shown)."""
        if self._progress is None or task.state not in ACTIVE_STATES:
            return None
        try:
            return await self._progress(task)
        except Exception:
            log.exception("Task %s: can't estimate its time left", task.id)
            return None


def message_url(task: TaskRecord) -> str:
    """Return the link to a task's delivered result."""
    return f"https://discord.com/channels/{task.guild_id}/{task.channel_id}/{task.delivery_message_id}"
