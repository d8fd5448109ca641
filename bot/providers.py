"""Pick the provider from the settings: Kling (official or an aggregator) or the built-in simulator."""

from __future__ import annotations

import aiohttp

from bot.engine.results import ResultFetcher
from bot.kling.catalogue import load_catalogue
from bot.kling.client import KlingClient
from bot.kling.provider import ProviderClient
from bot.kling.transport import RequestObserver
from bot.settings import KlingSettings
from bot.simulator.provider import SimulatedProvider


def build_provider(
    settings: KlingSettings,
    session: aiohttp.ClientSession,
    downloader: ResultFetcher,
    *,
    observer: RequestObserver | None = None,
) -> tuple[ProviderClient, ResultFetcher]:
    """Return the provider client and what fetches its results (the guarded downloader, or the simulator)."""
    if settings.provider == "simulator":
        simulator = SimulatedProvider(
            settings.simulator_dir, load_catalogue(settings.catalogue), seconds=settings.simulator_seconds
        )
        return simulator, simulator
    return KlingClient.from_settings(session, settings, observer=observer), downloader
