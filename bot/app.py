"""Start-up: open the shared resources once, hand them to the bot, close them on the way out."""

from __future__ import annotations

import logging

import aiohttp

from bot.bot import KlingBot
from bot.kling.client import KlingClient
from bot.settings import Settings

log = logging.getLogger(__name__)

PROVIDER_SESSION_TIMEOUT = aiohttp.ClientTimeout(total=120, sock_connect=10)


async def run_bot(settings: Settings) -> None:
    """Run the bot until it is stopped."""
    async with aiohttp.ClientSession(timeout=PROVIDER_SESSION_TIMEOUT) as provider_session:
        kling = KlingClient.from_settings(provider_session, settings.kling)
        log.info("Using Kling provider %s at %s", kling.provider, kling.base_url)
        async with KlingBot(settings=settings, kling=kling) as bot:
            await bot.start(settings.discord.token.get_secret_value())
