"""Fixtures that run the real bot under simcord, with the engine over the fake Kling server.

The engine's loops are not started: tests step it with `world.step()`, moving the fake provider's clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from bot.discord.bot import KlingBot
from bot.discord.services import Services
from bot.engine import Engine
from bot.engine.download import Downloader, DownloadPolicy
from bot.kling.client import KlingClient
from bot.settings import (
    DiscordSettings,
    EngineSettings,
    KlingSettings,
    QuotaSettings,
    Settings,
    StorageSettings,
    WebSettings,
)
from db import Storage, open_storage
from tests.conftest import API_KEY, FAST_RETRY
from tests.fake_kling import FakeKling


@dataclass
class World:
    """Everything outside the bot that a test drives: the fake provider, the database, the settings."""

    fake: FakeKling
    settings: Settings
    storage: Storage
    session: aiohttp.ClientSession
    downloader: Downloader
    bots: list[KlingBot]

    def new_bot(self) -> KlingBot:
        """Build a bot the way the app does (a new one stands for a restarted process)."""
        kling = KlingClient.from_settings(self.session, self.settings.kling, retry=FAST_RETRY)
        services = Services(self.settings, self.storage, kling, self.downloader, clock=self.fake.clock)
        bot = KlingBot(services, start_engine=False)
        self.bots.append(bot)
        return bot

    @property
    def engine(self) -> Engine:
        """The newest bot's engine."""
        return self.bots[-1].engine

    async def step(self, seconds: float = 0.0) -> None:
        """Let the provider's clock run, then let the engine do everything now due."""
        await self.engine.drain()
        if seconds:
            await self.fake.advance(seconds)
            await self.engine.drain()


def make_settings(
    root: Path,
    fake: FakeKling,
    database_url: str,
    engine: dict[str, Any],
    discord: dict[str, Any],
    storage: dict[str, Any],
) -> Settings:
    return Settings(
        # Every server may use the bot unless a test says otherwise (the approval flow has its own tests).
        discord=DiscordSettings(token=SecretStr("simcord"), _env_file=None, **{"guild_policy": "open", **discord}),
        kling=KlingSettings(api_key=SecretStr(API_KEY), base_url=fake.base_url, provider=fake.dialect, _env_file=None),  # type: ignore[arg-type]
        storage=StorageSettings(
            database_url=database_url,
            archive_dir=root / "archive",
            input_dir=root / "inputs",
            **storage,
            _env_file=None,
        ),
        engine=EngineSettings(**{"download_allow_loopback": True, **engine}, _env_file=None),
        quota=QuotaSettings(_env_file=None),
        web=WebSettings(_env_file=None),
    )


@pytest.fixture
def engine_options() -> dict[str, Any]:
    """Engine settings for the test (override with parametrize)."""
    return {}


@pytest.fixture
def storage_options() -> dict[str, Any]:
    """Storage settings for the test (override with parametrize)."""
    return {}


@pytest.fixture
def discord_options() -> dict[str, Any]:
    """Discord settings for the test (override with parametrize)."""
    return {}


@pytest.fixture
async def world(
    tmp_path: Path,
    session: aiohttp.ClientSession,
    fake_options: dict[str, Any],
    engine_options: dict[str, Any],
    discord_options: dict[str, Any],
    storage_options: dict[str, Any],
    database_url: str,
) -> AsyncIterator[World]:
    """The fake provider, storage (each backend) and settings, closed after the test."""
    async with FakeKling(api_key=API_KEY, **fake_options) as fake:
        storage = await open_storage(database_url)
        async with Downloader(DownloadPolicy(allow_loopback=True)) as downloader:
            settings = make_settings(tmp_path, fake, database_url, engine_options, discord_options, storage_options)
            yield World(fake, settings, storage, session, downloader, [])
        await storage.close()


@pytest.fixture
def simcord_bot(world: World) -> KlingBot:
    """The bot simcord runs."""
    return world.new_bot()
