"""The `commands.Bot` subclass: holds the shared services; `setup_hook` wires the features in."""

from __future__ import annotations

import asyncio
import logging

import discord
from discord.ext import commands

from bot.interactions.buttons import TaskButton
from bot.interactions.errors import on_app_command_error
from bot.services import Services
from bot.sync import sync_commands

log = logging.getLogger(__name__)

EXTENSIONS = ("cogs.video", "cogs.image", "cogs.tasks", "cogs.quota", "cogs.admin")


class KlingBot(commands.Bot):
    """A slash-command bot; needs no privileged intents."""

    def __init__(self, *, start_engine: bool = True, force_sync: bool = False) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),  # a prompt can never ping anyone by default
        )
        self.start_engine = start_engine
        self.force_sync = force_sync
        self._services: Services | None = None
        self._engine_starter: asyncio.Task[None] | None = None
        self.tree.error(on_app_command_error)

    @property
    def services(self) -> Services:
        """Return the services handed over by `attach`."""
        if self._services is None:
            raise RuntimeError("KlingBot.attach() was not called")
        return self._services

    def attach(self, services: Services) -> None:
        """Hand the bot its services (they are built after it, since the delivery port needs the bot)."""
        self._services = services

    async def setup_hook(self) -> None:
        """Load the cogs, register persistent buttons, sync commands if they changed, start the engine."""
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.add_dynamic_items(TaskButton)
        await sync_commands(
            self.tree,
            self.services.storage.guilds,
            dev_guild_id=self.services.settings.discord.dev_guild_id,
            force=self.force_sync,
        )
        if self.start_engine:
            # Not yet: until the gateway is ready the channel cache is empty, and every delivery would go astray.
            self._engine_starter = asyncio.create_task(self._start_engine_when_ready(), name="engine-start")

    async def _start_engine_when_ready(self) -> None:
        await self.wait_until_ready()
        await self.services.engine.start()
        log.info("Engine started")

    async def close(self) -> None:
        """Stop the engine's loops and the status edits, then log out."""
        if self._engine_starter is not None and not self._engine_starter.done():
            self._engine_starter.cancel()
        if self._services is not None:
            await self._services.engine.stop()
            await self._services.status.close()
        await super().close()
