"""Engine fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.engine.harness import Harness
from tests.fake_kling import FakeKling


@pytest.fixture
async def harness(
    fake: FakeKling, session: aiohttp.ClientSession, tmp_path: Path, database_url: str
) -> AsyncIterator[Harness]:
    """An engine over the fake provider (each dialect) and each storage backend, started and closed around the test."""
    h = Harness(fake=fake, session=session, root=tmp_path, database_url=database_url)
    await h.start()
    yield h
    if h.storage is not None:
        await h.crash()
