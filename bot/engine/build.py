"""Build the engine from the settings (the app, the Discord bot and the benchmarks do it the same way)."""

from __future__ import annotations

from bot.disk import MEGABYTE, DiskGuard
from bot.engine.clock import Clock, SystemClock
from bot.engine.engine import Engine
from bot.engine.inputs import InputStore
from bot.engine.ports import AlertSink, DeliveryPort
from bot.engine.results import ResultArchive, ResultFetcher
from bot.kling.provider import ProviderClient
from bot.metrics import Metrics
from bot.settings import Settings
from db import Storage

HOURS = 3600.0
DAYS = 24 * HOURS


def build_engine(
    settings: Settings,
    storage: Storage,
    provider: ProviderClient,
    fetcher: ResultFetcher,
    port: DeliveryPort,
    *,
    clock: Clock | None = None,
    metrics: Metrics | None = None,
    alerts: AlertSink | None = None,
) -> Engine:
    """Return an engine over `storage` and `provider` that hands finished tasks to `port`."""
    return Engine(
        storage=storage,
        provider=provider,
        port=port,
        inputs=InputStore(settings.storage.input_dir),
        archive=ResultArchive(settings.storage.archive_dir, fetcher),
        clock=clock or SystemClock(),
        settings=settings.engine,
        quota=settings.quota,
        callback_base=settings.web.callback_base,
        webhook_secret=settings.kling.webhook_secret,
        input_retention=settings.storage.input_retention_hours * HOURS,
        archive_retention=settings.storage.archive_retention_days * DAYS,
        disk=disk_guard(settings),
        alerts=alerts,
        metrics=metrics,
    )


def disk_guard(settings: Settings) -> DiskGuard:
    """Return the guard on the folders results and inputs are written to."""
    folders = (settings.storage.archive_dir, settings.storage.input_dir)
    return DiskGuard(folders, int(settings.storage.min_free_disk_mb * MEGABYTE))
