"""A finished task as a message: the headline, the embed, and the files (or links) that fit the upload limit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord

from bot.discord.cards import ResultCard, build_card, fits_a_card
from bot.discord.embeds import Price, result_embed
from bot.discord.files import ResultFiles, choose_files
from bot.discord.replies import MESSAGE_MAX
from bot.text import shown
from bot.vocabulary import Outcome
from db.models import TaskRecord

DM_UPLOAD_LIMIT = 10 * 1024 * 1024  # a DM has no server boost: Discord's base limit
PLAIN_REASON = 500


@dataclass
class ResultMessage:
    """What one post of a result carries."""

    content: str | None
    embed: discord.Embed
    files: ResultFiles


class ResultPresenter:
    """Renders finished tasks for the channel, a DM or a private copy, within the upload limit there.

    A posted result is a media card where one shows it (`card`), else the classic message (`announcement`): a
    failure, a link with a poster, or a card Discord refused. Private copies (`copy`) are classic.
    """

    def __init__(
        self, workdir: Path, *, upload_cap: int | None = None, price: Price | None = None, lip_sync: bool = False,
        cards: bool = True,
    ) -> None:  # fmt: skip
        self._workdir = workdir  # re-encoded copies live here, one folder per task and size
        self._upload_cap = upload_cap
        self._price = price
        self.lip_sync = lip_sync  # the provider offers lip sync: videos get its button
        self._cards = cards  # the operator may turn cards off (DISCORD_RESULT_CARDS=false)

    def limit(self, allowed: int) -> int:
        """Return the upload limit to use where Discord allows `allowed` bytes (the operator may cap it)."""
        return min(allowed, self._upload_cap) if self._upload_cap else allowed

    async def files(self, task: TaskRecord, allowed: int) -> ResultFiles:
        """Return the files (or links) of `task` that fit where `allowed` bytes may be uploaded."""
        return await choose_files(task, self.limit(allowed), self._workdir)

    def announcement(self, task: TaskRecord, files: ResultFiles) -> ResultMessage:
        """Return the public post: the requester's mention and the outcome, the links, the embed."""
        return ResultMessage(_with_links(headline(task), files), result_embed(task, files.note, self._price), files)

    def card(self, task: TaskRecord, files: ResultFiles, buttons: Sequence[discord.ui.Item[Any]]) -> ResultCard | None:
        """Return the public post as a media card with `buttons`, or None where the classic message is the form.

        Raises ValueError where discord.py finds the card over Discord's limits.
        """
        if not self._cards or task.outcome is not Outcome.SUCCEEDED or not fits_a_card(files):
            return None
        return build_card(task, files, buttons, headline=headline(task), marker=marker(task), price=self._price)

    def plain(self, task: TaskRecord, files: ResultFiles) -> str:
        """Return the result as plain text (for when Discord refuses the embed): never more than a message holds."""
        lines = [headline(task)]
        if task.outcome is not Outcome.SUCCEEDED and task.error_reason:
            lines.append(f"Why: {shown(task.error_reason, PLAIN_REASON)}")
        lines.extend(f"<{link}>" for link in files.links)
        if files.note:
            lines.append(files.note)
        return shown("\n".join(lines), MESSAGE_MAX - len(marker(task)) - 1) + "\n" + marker(task)

    async def copy(self, task: TaskRecord, allowed: int) -> ResultMessage:
        """Return a private copy (a DM or an ephemeral answer): no mention, just the result."""
        files = await self.files(task, allowed)
        return ResultMessage(_with_links(None, files), result_embed(task, files.note, self._price), files)


def headline(task: TaskRecord) -> str:
    """Return the message text: a mention of the requester (the only ping allowed) and the outcome."""
    if task.outcome is not Outcome.SUCCEEDED:
        return f"<@{task.user_id}>, your request failed. Nothing was charged."
    what = "video" if task.kind.makes_video else "image"
    return f"<@{task.user_id}>, your {what} is ready!"


def marker(task: TaskRecord) -> str:
    """Return the line that lets a plain result or a card be found again (an embed result has it in its footer)."""
    return f"-# Task {task.id}"


def _with_links(text: str | None, files: ResultFiles) -> str | None:
    links = "\n".join(f"<{link}>" for link in files.links)
    if text is None:
        return links or None
    return f"{text}\n{links}" if links else text
