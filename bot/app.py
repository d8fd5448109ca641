"""Start-up: open the shared resources once, hand them to the bot, close them on the way out."""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import AsyncExitStack

import aiohttp

from bot.discord.bot import KlingBot, Role
from bot.discord.services import Services
from bot.discord.sharded import ShardedKlingBot
from bot.engine import Engine, disk_guard
from bot.engine.download import Downloader, DownloadPolicy
from bot.health import Health
from bot.metrics import Metrics
from bot.providers import build_provider
from bot.settings import Settings, WebSettings
from bot.web import WebServer, add_callback_route, add_ops_routes, new_app
from db import open_storage

log = logging.getLogger(__name__)

PROVIDER_SESSION_TIMEOUT = aiohttp.ClientTimeout(total=120, sock_connect=10)
MEGABYTE = 1024 * 1024


async def run_bot(settings: Settings, *, sync_only: bool = False, role: Role = "all") -> None:
    """Run the bot until it is stopped (or, with `sync_only`, sync its commands and exit).

    `role` "gateway" or "worker" runs one part of it, beside other processes on the same PostgreSQL database.
    """
    async with AsyncExitStack() as stack:
        provider_session = await stack.enter_async_context(aiohttp.ClientSession(timeout=PROVIDER_SESSION_TIMEOUT))
        storage = await open_storage(settings.storage.database_url.get_secret_value())
        stack.push_async_callback(storage.close)
        policy = DownloadPolicy(
            max_bytes=settings.engine.download_max_mb * MEGABYTE,
            allow_loopback=settings.engine.download_allow_loopback,
        )
        downloader = await stack.enter_async_context(Downloader(policy))
        metrics = Metrics()
        kling, fetcher = build_provider(settings.kling, provider_session, downloader, observer=metrics.provider_call)
        log.info("Using provider %s at %s", kling.provider, kling.base_url)
        services = Services(settings=settings, storage=storage, provider=kling, fetcher=fetcher, metrics=metrics)
        bot_class = ShardedKlingBot if settings.discord.sharded and role != "worker" else KlingBot
        bot = bot_class(services, start_engine=not sync_only, force_sync=sync_only, role=role)
        token = settings.discord.token.get_secret_value()
        if sync_only:
            async with bot:
                await bot.login(token)  # runs setup_hook, which syncs
            return
        folders = (settings.storage.archive_dir, settings.storage.input_dir)
        health = Health(storage, bot, kling, disk=disk_guard(settings), data_folders=folders, gateway=role != "worker")
        for server in web_servers(settings.web, bot.engine, health, metrics):
            await server.start()
            stack.push_async_callback(server.stop)
        _close_on_sigterm(bot)
        async with bot:
            await (bot.work(token) if role == "worker" else bot.start(token))


def _close_on_sigterm(bot: KlingBot) -> None:
    """Let `docker stop` (SIGTERM) close the bot cleanly; its work resumes from the database at the next start."""
    loop = asyncio.get_running_loop()
    closing: set[asyncio.Task[None]] = set()

    def close() -> None:
        log.info("SIGTERM: closing")
        task = loop.create_task(bot.close())
        closing.add(task)
        task.add_done_callback(closing.discard)

    loop.add_signal_handler(signal.SIGTERM, close)


def web_servers(settings: WebSettings, engine: Engine, health: Health, metrics: Metrics) -> list[WebServer]:
    """Return the callback server and, when `WEB_OPS_PORT` is set, the operator's own server."""
    public = new_app()
    add_callback_route(public, engine)
    ops = public if settings.ops_port is None else new_app()
    add_ops_routes(ops, engine, health=health, metrics=metrics, token=settings.ops_token)
    servers = [WebServer(public, settings.host, settings.port)]
    if ops is not public:
        servers.append(WebServer(ops, settings.ops_host, settings.ops_port or 0))
    return servers
