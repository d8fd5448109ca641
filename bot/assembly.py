"""Wire the parts together: the engine with its Discord delivery port, the status board, the services."""

from __future__ import annotations

import discord

from bot.delivery.port import DiscordDelivery
from bot.delivery.status import StatusBoard
from bot.engine.clock import Clock, SystemClock
from bot.engine.context import EngineContext
from bot.engine.engine import Engine
from bot.engine.inputs import InputStore
from bot.engine.results import ResultArchive, ResultFetcher
from bot.kling.provider import ProviderClient
from bot.metrics import Metrics
from bot.services import Services
from bot.settings import Settings
from db import Storage

HOURS = 3600.0


def assemble(
    client: discord.Client,
    settings: Settings,
    storage: Storage,
    kling: ProviderClient,
    fetcher: ResultFetcher,
    *,
    clock: Clock | None = None,
    metrics: Metrics | None = None,
) -> Services:
    """Build the engine and everything around it for `client`."""
    metrics = metrics or Metrics()
    status = StatusBoard(client, storage)
    archive_dir = settings.storage.archive_dir
    ctx = EngineContext(
        storage=storage,
        client=kling,
        inputs=InputStore(settings.storage.input_dir),
        archive=ResultArchive(archive_dir, fetcher),
        port=DiscordDelivery(
            client,
            status,
            archive_dir / "fitted",
            upload_cap=_megabytes(settings.discord.max_upload_mb),
            metrics=metrics,
        ),
        clock=clock or SystemClock(),
        settings=settings.engine,
        callback_base=settings.web.callback_base,
        metrics=metrics,
    )
    engine = Engine(
        ctx,
        quota=settings.quota,
        webhook_secret=settings.kling.webhook_secret,
        input_retention=settings.storage.input_retention_hours * HOURS,
    )
    return Services(settings=settings, storage=storage, kling=kling, engine=engine, status=status, metrics=metrics)


def _megabytes(value: float | None) -> int | None:
    return None if value is None else int(value * 1024 * 1024)
