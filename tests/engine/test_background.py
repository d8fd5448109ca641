"""The engine's own loops on the real clock: a callback-driven task is delivered without any stepping."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from bot.vocabulary import TaskKind, TaskState
from bot.web import WebServer, build_web_app
from tests.conftest import API_KEY
from tests.engine.harness import Harness
from tests.fake_kling import FakeKling, SystemClock
from tests.kling_requests import request_of


@pytest.mark.timeout(20)
async def test_loops_deliver_on_their_own(session: aiohttp.ClientSession, tmp_path: Path, database_url: str) -> None:
    """Start the engine's workers and web server; the provider calls back; the task arrives by itself."""
    async with FakeKling(
        api_key=API_KEY, clock=SystemClock(), auto_advance=True, processing_after=0.05, finish_after=0.3
    ) as fake:
        h = Harness(fake=fake, session=session, root=tmp_path, database_url=database_url)
        engine = await h.start()
        server = WebServer(build_web_app(engine), "127.0.0.1", 0)
        await server.start()
        engine.set_callback_base(f"http://127.0.0.1:{server.port}")
        await engine.start()
        try:
            task = await h.submit(request_of(TaskKind.TEXT_TO_VIDEO))
            for _ in range(100):
                if (await h.task(task.id)).state is TaskState.DELIVERED:
                    break
                await asyncio.sleep(0.1)
            assert (await h.task(task.id)).state is TaskState.DELIVERED
            assert h.port.deliveries == {task.id: 1}
        finally:
            await engine.stop()
            await server.stop()
            await h.crash()
