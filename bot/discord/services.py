"""What the bot is built from: the parts the app opens once (and closes) and passes in."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.engine.clock import Clock, SystemClock
from bot.engine.results import ResultFetcher
from bot.kling.provider import ProviderClient
from bot.metrics import Metrics
from bot.settings import Settings
from db import Storage


@dataclass(frozen=True)
class Services:
    """Opened once at start and passed in; closed on the way out by whoever opened them."""

    settings: Settings
    storage: Storage
    provider: ProviderClient
    fetcher: ResultFetcher  # brings result files home (the guarded downloader, or the simulator's store)
    metrics: Metrics = field(default_factory=Metrics)
    clock: Clock = field(default_factory=SystemClock)
