"""The `commands.Bot` subclass: holds the shared resources; `setup_hook` wires the features in."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.kling.client import KlingClient
from bot.settings import Settings

log = logging.getLogger(__name__)

EXTENSIONS: tuple[str, ...] = ()  # cogs are added here as the Discord layer grows


class KlingBot(commands.Bot):
    """A slash-command bot; needs no privileged intents."""

    def __init__(self, *, settings: Settings, kling: KlingClient) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default(), help_command=None)
        self.settings = settings
        self.kling = kling

    async def setup_hook(self) -> None:
        """Load every extension before the gateway connects."""
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        log.info("Loaded %d extension(s)", len(EXTENSIONS))
