"""Budget alerts and operator notices in Discord: a server's admin channel, and the operators' DMs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

import discord

from bot.discord.access import GuildGate
from bot.discord.replies import NO_MENTIONS
from bot.engine import BudgetAlert, OperatorNotice
from db.repository import GuildRepository

log = logging.getLogger(__name__)

BUDGET_NAMES = {
    "guild_daily_units": "this server's daily budget",
    "guild_monthly_units": "this server's 30-day budget",
    "bot_daily_budget": "the bot's daily budget (all servers)",
    "bot_monthly_budget": "the bot's 30-day budget (all servers)",
}


class AlertPoster:
    """Implements the engine's `AlertSink` with Discord messages."""

    def __init__(
        self, client: discord.Client, gate: GuildGate, guilds: GuildRepository, price: Callable[[Decimal], str]
    ) -> None:
        self._client = client
        self._gate = gate
        self._guilds = guilds
        self._price = price

    async def budget_alert(self, alert: BudgetAlert) -> bool:
        """A server's budget: its alert channel, if an admin chose one. The bot's: the operators' DMs."""
        text = budget_text(alert, self._price)
        if alert.guild_id is None:
            return await self._to_operators(text)
        settings = await self._guilds.settings(alert.guild_id)
        channel = self._client.get_channel(settings.alert_channel_id) if settings.alert_channel_id else None
        if not isinstance(channel, discord.abc.Messageable):
            return False
        try:
            await channel.send(text, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("Can't post a budget alert in channel %s: %s", settings.alert_channel_id, exc)
            return False
        return True

    async def operator_notice(self, notice: OperatorNotice) -> bool:
        """DM every operator."""
        return await self._to_operators(f"⚠️ {notice.text}")

    async def _to_operators(self, text: str) -> bool:
        told = False
        for user_id in await self._gate.operator_ids():
            try:
                user = self._client.get_user(user_id) or await self._client.fetch_user(user_id)
                await user.send(text)
                told = True
            except discord.HTTPException as exc:
                log.warning("Can't DM operator %s: %s", user_id, exc)
        return told


def budget_text(alert: BudgetAlert, price: Callable[[Decimal], str]) -> str:
    """Return the alert in words, in units and money."""
    name = BUDGET_NAMES.get(alert.limit, alert.limit)
    spent = f"{alert.used} of {alert.allowed} units ({price(alert.used)} of {price(alert.allowed)})"
    if alert.threshold >= 100:
        return f"🛑 {name.capitalize()} is used up: {spent}. New requests are refused until it frees up."
    return f"⚠️ {name.capitalize()} is {alert.threshold} % used: {spent}."
