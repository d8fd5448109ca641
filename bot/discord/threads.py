"""A generation's own thread (a server option): opened before the request is queued, so every post of the task
goes there from the start; closed again when the request is refused, so no empty thread is left behind."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Literal

import discord

from db.repository import GuildRepository

log = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440  # a day without messages
THREAD_NAME_MAX = 100  # Discord's limit on a channel name


@dataclass
class Place:
    """Where a request's posts go: the channel it was asked in, or the thread opened for it."""

    channel_id: int
    thread: discord.Thread | None = None
    kept: bool = False  # set once the request is queued: the thread is its home now


def thread_name(prompt: str, shots: Sequence[str], fallback: str) -> str:
    """Return a thread's name from the prompt (or the first shot), on one line, within Discord's 100."""
    words = (prompt or (shots[0] if shots else "")).split()
    name = " ".join(words) or fallback
    return name if len(name) <= THREAD_NAME_MAX else name[: THREAD_NAME_MAX - 1].rstrip() + "…"


def home_channel_id(channel: object) -> int:
    """Return the channel a request counts as made in: a thread's parent, else the channel itself."""
    if isinstance(channel, discord.Thread) and channel.parent_id is not None:
        return channel.parent_id
    return getattr(channel, "id", 0)


@contextlib.asynccontextmanager
async def generation_place(
    interaction: discord.Interaction, guilds: GuildRepository, name: str
) -> AsyncIterator[Place]:
    """Yield where the request's posts go; where the server asks for it, a new thread named `name`.

    Already in a thread, or unable to open one (permissions), it is the channel asked in. The thread is
    deleted again unless the block marks the place `kept` (the request was queued).
    """
    channel = interaction.channel
    place = Place(channel_id=getattr(channel, "id", 0))
    if isinstance(channel, discord.TextChannel) and (await guilds.settings(channel.guild.id)).threads:
        try:
            place.thread = await channel.create_thread(
                name=name, type=discord.ChannelType.public_thread, auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
            place.channel_id = place.thread.id
        except discord.HTTPException as exc:
            log.warning("Can't open a thread in channel %s (%s); posting in the channel", channel.id, exc)
    try:
        yield place
    finally:
        if place.thread is not None and not place.kept:
            with contextlib.suppress(discord.HTTPException):
                await place.thread.delete()
