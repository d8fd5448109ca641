"""The `commands.Bot` subclass: built complete from its services; `setup_hook` loads the cogs and starts the engine."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal

import discord
from discord.ext import commands

from bot.discord.access import GatedTree, GuildGate, bound_guild_decision
from bot.discord.alerts import AlertPoster
from bot.discord.buttons import ButtonActions, bound_task_button
from bot.discord.desk import RequestDesk
from bot.discord.errors import on_app_command_error
from bot.discord.port import DiscordDelivery
from bot.discord.results import ResultPresenter
from bot.discord.services import Services
from bot.discord.status import StatusBoard
from bot.discord.sync import sync_commands
from bot.engine import Progress, build_engine
from bot.settings import DiscordSettings
from bot.vocabulary import TaskKind
from db.models import TaskRecord

log = logging.getLogger(__name__)

EXTENSIONS = ("cogs.video", "cogs.image", "cogs.tasks", "cogs.quota", "cogs.admin", "cogs.settings", "cogs.presets")
MEGABYTE = 1024 * 1024
# What a process does (PostgreSQL lets several share the work): everything ("all"); the gateway, commands and
# buttons, recording requests ("gateway"); or the engine's loops, speaking to Discord over REST only ("worker").
Role = Literal["all", "gateway", "worker"]


class KlingBot(commands.Bot):
    """A slash-command bot; needs no privileged intents.

    Cogs get what they use from its attributes in their `setup(bot)`: `engine`, `desk` (the request flow),
    `results` (result messages), `storage`, `provider` and `settings`.
    """

    def __init__(
        self, services: Services, *, start_engine: bool = True, force_sync: bool = False, role: Role = "all"
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),  # a prompt can never ping anyone by default
            tree_cls=GatedTree,
            **self.gateway_options(services.settings.discord),
        )
        settings = services.settings
        self.settings = settings
        self.gate = GuildGate(self, settings.discord, services.storage.guilds, services.storage.audit)
        assert isinstance(self.tree, GatedTree)  # noqa: S101 - tree_cls above
        self.tree.gate = self.gate
        self.storage = services.storage
        self.provider = services.provider
        # The status shows the engine's estimate of the time left, read as each status is drawn (after start).
        self.status_board = StatusBoard(self, services.storage, progress=self._progress)
        cap = settings.discord.max_upload_mb
        self.results = ResultPresenter(
            settings.storage.archive_dir / "fitted",
            upload_cap=int(cap * MEGABYTE) if cap is not None else None,
            price=settings.quota.money,
            lip_sync=services.provider.catalogue.offers(TaskKind.LIP_SYNC, services.provider.provider),
            cards=settings.discord.result_cards,
        )
        port = DiscordDelivery(self, self.status_board, self.results, services.metrics)
        alerts = AlertPoster(self, self.gate, services.storage.guilds, settings.quota.money)
        self.engine = build_engine(
            settings, services.storage, services.provider, services.fetcher, port,
            clock=services.clock, metrics=services.metrics, alerts=alerts,
        )  # fmt: skip
        self.desk = RequestDesk(
            self.engine,
            services.storage.guilds,
            self.status_board,
            services.provider,
            services.storage.audit,
            self.gate,
            members=services.storage.members,
            price=settings.quota.money,
        )
        actions = ButtonActions(
            services.storage.tasks, self.desk, self.results, self.gate,
            clock=self.engine.now, lip_sync=services.provider.catalogue.lip_sync, engine=self.engine,
        )  # fmt: skip
        self._buttons = bound_task_button(actions)
        self.start_engine = start_engine
        self.force_sync = force_sync
        self.role: Role = role
        self._engine_starter: asyncio.Task[None] | None = None
        self._closed = asyncio.Event()
        self.tree.error(on_app_command_error)

    def gateway_options(self, settings: DiscordSettings) -> dict[str, Any]:
        """Return discord.py's gateway options: none for one unsharded connection (see `ShardedKlingBot`)."""
        return {}

    async def setup_hook(self) -> None:
        """Load the cogs, register persistent buttons, sync commands if they changed, start the engine.

        A worker has no gateway, hence no commands: it starts the engine at once (its channels come from REST).
        """
        if self.role == "worker":
            if self.start_engine:
                await self.engine.start()
                log.info("Engine started (worker: no gateway connection)")
            return
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.add_dynamic_items(self._buttons, bound_guild_decision(self.gate))
        await sync_commands(
            self.tree, self.storage.guilds, dev_guild_id=self.settings.discord.dev_guild_id, force=self.force_sync
        )
        if self.start_engine:
            # Not yet: until the gateway is ready the channel cache is empty, and every delivery would go astray.
            self._engine_starter = asyncio.create_task(self._start_engine_when_ready(), name="engine-start")

    async def _progress(self, task: TaskRecord) -> Progress:
        return await self.engine.progress(task)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """A new server: under GUILD_POLICY=approval it waits, and the operators are asked."""
        await self.gate.joined(guild)

    async def _start_engine_when_ready(self) -> None:
        await self.wait_until_ready()
        await self.engine.start(work=self.role == "all")
        log.info("Engine started" if self.role == "all" else "Engine ready (gateway: the workers run its loops)")

    async def work(self, token: str) -> None:
        """Log in over REST and run the engine until closed: a worker, with no gateway connection."""
        await self.login(token)  # runs setup_hook, which starts the engine
        await self._closed.wait()

    async def close(self) -> None:
        """Stop the engine's loops and the status edits, then log out."""
        if self._engine_starter is not None and not self._engine_starter.done():
            self._engine_starter.cancel()
        try:
            await self.engine.stop()
            await self.status_board.close()
            await super().close()
        finally:
            self._closed.set()
