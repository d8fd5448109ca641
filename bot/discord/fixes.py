"""The way out of a refusal, as a button: "Use Professional — 2.5 units", "Use kling-v3 — 3 units".

The refused request is kept in memory on the (private, short-lived) refusal message; pressing the button
sends it again with the one change that makes it go, through the same desk, so quotas, budgets and
rules apply as to any request. Nothing was charged for the refusal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import discord

from bot.discord.errors import report
from bot.discord.replies import reply_private
from bot.kling.errors import Fix
from bot.kling.models import TaskRequest

FIX_TIMEOUT = 600.0  # seconds the button stays live on the private refusal
LABEL_MAX = 80  # Discord's limit on a button label

Resend = Callable[[discord.Interaction, TaskRequest, Iterable[str]], Awaitable[Any]]


class FixView(discord.ui.View):
    """One button that sends the refused request again with `fix` applied; only its requester may press it."""

    def __init__(self, request: TaskRequest, fix: Fix, notes: Iterable[str], requester: int, resend: Resend) -> None:
        super().__init__(timeout=FIX_TIMEOUT)
        self.request = request.model_copy(update=dict(fix.changes))
        self.notes = tuple(notes)
        self.requester = requester
        self.resend = resend
        self.add_item(_FixButton(fix.label))

    async def apply(self, interaction: discord.Interaction) -> None:
        """Send the fixed request (once)."""
        if interaction.user.id != self.requester:
            await reply_private(interaction, "Only the member who made this request can use its fix.")
            return
        self.stop()
        await self.resend(interaction, self.request, self.notes)

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /) -> None:
        """Show what went wrong, privately."""
        await report(interaction, error)


class _FixButton(discord.ui.Button[FixView]):
    def __init__(self, label: str) -> None:
        super().__init__(label=label[:LABEL_MAX], style=discord.ButtonStyle.primary, emoji="🛠️")

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.view is not None:
            await self.view.apply(interaction)
