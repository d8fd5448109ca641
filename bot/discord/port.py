"""The engine's delivery port in Discord: post the result in the channel, or DM the requester."""

from __future__ import annotations

import hashlib
import logging
import time

import discord

from bot.discord.buttons import result_view
from bot.discord.cards import texts_of
from bot.discord.files import ResultFiles, links_only
from bot.discord.results import DM_UPLOAD_LIMIT, ResultPresenter, marker
from bot.discord.status import StatusBoard
from bot.engine import DeliveryError, DeliveryReceipt
from bot.metrics import Metrics
from db.models import TaskRecord

log = logging.getLogger(__name__)

HISTORY_LOOKBACK = 100  # newest first, back to the status message
UPLOAD_REFUSED = 40005
PostableChannel = discord.TextChannel | discord.Thread | discord.VoiceChannel
REFUSED_NOTE = "Discord refused the upload; download it from the link (it expires after 30 days)."
GUILD_LIMIT_TTL = 3600.0  # seconds a server's upload limit read over REST is kept (it changes with boosts)


def nonce_for(task: TaskRecord) -> str:
    """Return a stable 25-character nonce: Discord drops a repeated post with the same one."""
    return hashlib.sha256(task.id.encode()).hexdigest()[:25]


class DiscordDelivery:
    """Posts finished tasks where they were asked for; falls back to the requester's DMs."""

    def __init__(self, client: discord.Client, status: StatusBoard, results: ResultPresenter, metrics: Metrics) -> None:
        self._client = client
        self._status = status
        self._results = results
        self._metrics = metrics
        self._upload_limits: dict[int, tuple[int, float]] = {}  # guild id -> (bytes, when read), without a gateway

    async def deliver(self, task: TaskRecord) -> DeliveryReceipt:
        """Post the task's result (or failure) and return where it went."""
        try:
            return await self._deliver(task)
        except discord.HTTPException as exc:
            transient = exc.status >= 500 or exc.status == 429
            raise DeliveryError(
                f"Discord answered {exc.status} (code {exc.code}): {exc.text}", transient=transient
            ) from exc

    async def _channel(self, channel_id: int) -> PostableChannel | None:
        """Return the channel from the cache, or from Discord (the cache is empty after a fresh connect)."""
        channel = self._client.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self._client.fetch_channel(channel_id)
            except (discord.NotFound, discord.Forbidden):
                return None
        return channel if isinstance(channel, PostableChannel) else None

    async def _deliver(self, task: TaskRecord) -> DeliveryReceipt:
        if task.deliver_to == "dm":  # the requester's choice in /settings; with their DMs closed, the channel
            try:
                return await self._deliver_by_dm(task)
            except DeliveryError as exc:
                log.info("Task %s: can't DM the requester (%s); posting in the channel", task.id, exc)
        channel = await self._channel(task.channel_id)
        if channel is not None:
            try:
                message = await self._post(channel, task, await self._upload_limit(channel.guild))
            except (discord.Forbidden, discord.NotFound) as exc:
                log.warning("Task %s: can't post in channel %s (%s); trying DMs", task.id, task.channel_id, exc)
            else:
                return DeliveryReceipt(message.id, message.channel.id)
        return await self._deliver_by_dm(task)

    async def _upload_limit(self, guild: discord.Guild) -> int:
        """Return how large an upload the server takes. Without a gateway (a worker) the server isn't cached,
        and a channel fetched over REST knows nothing of its boosts: ask Discord, once an hour per server."""
        if not guild.unavailable:
            return guild.filesize_limit
        known = self._upload_limits.get(guild.id)
        if known is None or time.monotonic() - known[1] > GUILD_LIMIT_TTL:
            try:
                limit = (await self._client.fetch_guild(guild.id, with_counts=False)).filesize_limit
            except discord.HTTPException as exc:
                log.info("Can't read server %s to learn its upload limit (%s); using the smallest", guild.id, exc)
                return guild.filesize_limit
            known = self._upload_limits[guild.id] = (limit, time.monotonic())
        return known[0]

    async def find_delivery(self, task: TaskRecord) -> DeliveryReceipt | None:
        """Look for this task's result posted by an earlier attempt: in its channel, then in the requester's DMs.

        A result goes by DM when the channel can't be used, so a crash after a DM must be found there.
        """
        me = self._client.user
        if me is None:
            return None
        try:
            channel = await self._channel(task.channel_id)
        except discord.HTTPException as exc:
            raise DeliveryError(f"can't resolve the channel to check it: {exc}", transient=True) from exc
        if channel is not None and (found := await self._find_in(channel, task, me.id)) is not None:
            return found
        try:
            user = self._client.get_user(task.user_id) or await self._client.fetch_user(task.user_id)
            dm = await user.create_dm()
        except discord.NotFound:
            return None
        except discord.HTTPException as exc:
            raise DeliveryError(f"can't open the requester's DMs to check them: {exc}", transient=True) from exc
        return await self._find_in(dm, task, me.id)

    async def _find_in(self, where: discord.abc.Messageable, task: TaskRecord, me: int) -> DeliveryReceipt | None:
        # Discord's own clock, not ours: a result is always newer than the task's status message (snowflakes
        # are time-ordered across channels); without one, the last messages are looked at.
        since = discord.Object(task.status_message_id) if task.status_message_id else None
        try:
            async for message in where.history(limit=HISTORY_LOOKBACK, after=since, oldest_first=False):
                if message.author.id == me and message.id != task.status_message_id and _carries(message, task):
                    return DeliveryReceipt(message.id, message.channel.id)
        except discord.HTTPException as exc:
            if exc.status >= 500 or exc.status == 429:  # it may be there: don't post blind, look again later
                raise DeliveryError(
                    f"can't read history to check for an earlier delivery: {exc}", transient=True
                ) from exc
            log.info("Task %s: can't read history to check for an earlier delivery: %s", task.id, exc)
        return None

    async def task_updated(self, task: TaskRecord) -> None:
        """Pass state changes to the live status board."""
        await self._status.update(task)

    async def _deliver_by_dm(self, task: TaskRecord) -> DeliveryReceipt:
        try:
            user = self._client.get_user(task.user_id) or await self._client.fetch_user(task.user_id)
            message = await self._post(await user.create_dm(), task, DM_UPLOAD_LIMIT)
        except (discord.Forbidden, discord.NotFound) as exc:
            raise DeliveryError(
                f"the channel is unavailable and the requester's DMs are closed ({exc})", transient=False
            ) from exc
        return DeliveryReceipt(message.id, message.channel.id)

    async def _post(self, target: discord.abc.Messageable, task: TaskRecord, allowed: int) -> discord.Message:
        files = await self._results.files(task, allowed)
        try:
            message = await self._send_or_plain(target, task, files)
        except discord.HTTPException as exc:
            if exc.code != UPLOAD_REFUSED and exc.status != 413:
                raise
            log.warning("Task %s: upload refused (%s); posting a link instead", task.id, exc)
            files = links_only(task, REFUSED_NOTE)
            message = await self._send_or_plain(target, task, files)
        where = "dm" if isinstance(target, discord.DMChannel) else "channel"
        self._metrics.deliveries.labels(f"{files.route}-{where}").inc()
        return message

    async def _send_or_plain(
        self, target: discord.abc.Messageable, task: TaskRecord, files: ResultFiles
    ) -> discord.Message:
        """Post the result as a media card, else the classic rich message, else plain text: whichever form Discord
        refuses (400), the next one goes out, so a result is never lost.
        """
        if (posted := await self._send_card(target, task, files)) is not None:
            return posted
        message = self._results.announcement(task, files)
        try:
            return await self._send(target, task, files, content=message.content, embed=message.embed, buttons=True)
        except discord.HTTPException as exc:
            if exc.status != 400 or exc.code == UPLOAD_REFUSED:
                raise
            log.error("Task %s: Discord refused the result's form (%s); posting it as plain text", task.id, exc)
        return await self._send(
            target, task, files, content=self._results.plain(task, files), embed=None, buttons=False
        )

    async def _send_card(
        self, target: discord.abc.Messageable, task: TaskRecord, files: ResultFiles
    ) -> discord.Message | None:
        """Post the result as a media card; return None where it isn't one, or Discord refused its form (400)."""
        buttons = self._view(target, task).children
        try:
            card = self._results.card(task, files, buttons)
        except ValueError as exc:  # discord.py's own check of Discord's limits
            log.warning("Task %s: the result doesn't fit a media card (%s); posting the classic message", task.id, exc)
            return None
        if card is None:
            return None
        try:
            return await target.send(
                view=card, files=files.discord_files(), allowed_mentions=_requester_only(task), nonce=nonce_for(task)
            )
        except discord.HTTPException as exc:
            if exc.status != 400 or exc.code == UPLOAD_REFUSED:
                raise
            log.warning("Task %s: Discord refused the media card (%s); posting the classic message", task.id, exc)
        return None

    def _view(self, target: discord.abc.Messageable, task: TaskRecord) -> discord.ui.View:
        """Return the result's buttons; in DMs only Delete (going again needs the server: its rules, roles, channel)."""
        in_dm = isinstance(target, discord.DMChannel | discord.User | discord.Member)
        return result_view(task, lip_sync=self._results.lip_sync, in_dm=in_dm)

    async def _send(
        self, target: discord.abc.Messageable, task: TaskRecord, files: ResultFiles, *,
        content: str | None, embed: discord.Embed | None, buttons: bool,
    ) -> discord.Message:  # fmt: skip
        return await target.send(
            content=content,
            embed=embed if embed is not None else discord.utils.MISSING,
            files=files.discord_files(),
            view=self._view(target, task) if buttons else discord.utils.MISSING,
            allowed_mentions=_requester_only(task),
            nonce=nonce_for(task),
        )


def _requester_only(task: TaskRecord) -> discord.AllowedMentions:
    """Let the post ping its requester and no one else (a prompt may hold @everyone or others' mentions)."""
    return discord.AllowedMentions(
        everyone=False, roles=False, replied_user=False, users=[discord.Object(task.user_id)]
    )


def _carries(message: discord.Message, task: TaskRecord) -> bool:
    """Return whether the message is this task's result: the marker ends its text or a card's, or is its footer."""
    in_footer = any((embed.footer.text or "") == f"Task {task.id}" for embed in message.embeds)
    in_card = any(text.endswith(marker(task)) for text in texts_of(message))
    return in_footer or in_card or message.content.endswith(marker(task))
