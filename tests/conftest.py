"""Shared fixtures: a clean settings environment and a fake Kling server per dialect."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
import stamina
from pydantic import SecretStr

from bot.kling.auth import ApiKey, Credentials
from bot.kling.catalogue import load_catalogue
from bot.kling.client import KlingClient
from bot.kling.transport import RetryPolicy
from bot.settings import Provider
from tests.fake_kling import FakeKling

# `backend`, `database_url` and `storage` on SQLite and PostgreSQL, and the summary line when PostgreSQL is away.
pytest_plugins = ("tests.storage",)

API_KEY = "test-api-key"
ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key-0123456789abcdef"
DIALECTS: tuple[Provider, ...] = ("official", "cometapi", "anyfast")
FAST_RETRY = RetryPolicy(attempts=4, wait_initial=0.01, wait_max=0.05, wait_jitter=0.01, timeout=10)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the developer's own settings and .env out of every test."""
    for name in list(os.environ):
        if name.startswith(("KLING_", "DISCORD_", "DATABASE_", "LOG_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(autouse=True)
def fast_retries() -> Iterator[None]:
    """Let stamina retry without real waits."""
    stamina.set_testing(True, attempts=FAST_RETRY.attempts)
    yield
    stamina.set_testing(False)


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> Provider:
    """Each provider dialect in turn."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def fake_options() -> dict[str, Any]:
    """Extra FakeKling arguments; override (e.g. by parametrize) to change the fake's behaviour."""
    return {}


@pytest.fixture
async def fake(dialect: Provider, fake_options: dict[str, Any]) -> AsyncIterator[FakeKling]:
    """A fake Kling server speaking `dialect`, with an API key and (official) AccessKey/SecretKey."""
    official = dialect == "official"
    server = FakeKling(
        dialect=dialect,
        api_key=API_KEY,
        access_key=ACCESS_KEY if official else None,
        secret_key=SECRET_KEY if official else None,
        **fake_options,
    )
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """One client session per test, like the bot's one session per process."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as client_session:
        yield client_session


def make_client(
    session: aiohttp.ClientSession,
    fake: FakeKling,
    credentials: Credentials | None = None,
    *,
    timeout: float = 5.0,
) -> KlingClient:
    """Build a client pointed at `fake`."""
    return KlingClient(
        session,
        provider=fake.dialect,
        base_url=fake.base_url,
        credentials=credentials or ApiKey(SecretStr(API_KEY)),
        catalogue=load_catalogue(),
        timeout=timeout,
        retry=FAST_RETRY,
    )


@pytest.fixture
def client(session: aiohttp.ClientSession, fake: FakeKling) -> KlingClient:
    """A client for the fake, with fast retries."""
    return make_client(session, fake)
