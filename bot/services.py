"""The shared parts every cog and button reaches through the bot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.engine.engine import Engine
from bot.kling.provider import ProviderClient
from bot.metrics import Metrics
from bot.settings import Settings
from db import Storage

if TYPE_CHECKING:
    from bot.delivery.status import StatusBoard


@dataclass
class Services:
    """Opened once at start and passed in; closed on the way out by whoever opened them."""

    settings: Settings
    storage: Storage
    kling: ProviderClient
    engine: Engine
    status: StatusBoard
    metrics: Metrics


def services_of(client: discord.Client) -> Services:
    """Return the services of the bot handling an interaction."""
    services = getattr(client, "services", None)
    if not isinstance(services, Services):
        raise RuntimeError("The bot has no services attached")
    return services
