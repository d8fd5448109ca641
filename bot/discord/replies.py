"""Answer an interaction privately, whatever state its response is in."""

from __future__ import annotations

import logging

import discord

from bot.text import shown

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
MESSAGE_MAX = 2000  # characters in a message's content


async def reply_private(
    interaction: discord.Interaction,
    content: str,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
) -> None:
    """Send an ephemeral message: the response if it is still open, else a followup."""
    extra = embed if embed is not None else discord.utils.MISSING
    buttons = view if view is not None else discord.utils.MISSING
    if len(content) > MESSAGE_MAX:  # the last guard: a message Discord refuses would say nothing at all
        log.warning("Cutting a %d-character reply to interaction %s", len(content), interaction.id)
        content = shown(content, MESSAGE_MAX)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(
                content, embed=extra, view=buttons, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
        else:
            await interaction.response.send_message(
                content, embed=extra, view=buttons, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
    except discord.HTTPException as exc:  # an expired token (10062, 50027) must not hide the original error
        log.warning("Could not reply to interaction %s: %s", interaction.id, exc)
