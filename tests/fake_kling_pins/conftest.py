"""A plain HTTP session and a fake Kling server (official dialect unless a test builds its own)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.fake_kling import FakeKling


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session


@pytest.fixture
async def fake() -> AsyncIterator[FakeKling]:
    async with FakeKling() as server:
        yield server
