"""Provider requests per delivered task, 200 concurrent tasks on the official dialect, against a naive poller.

The real engine runs over a real SQLite file against the fake Kling server on a manual clock (tasks take
90 s of simulated time, so the run takes seconds). The Discord side is a recording port: how results
are posted does not change how often the provider is asked.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import aiohttp

from bench.common import Figure, LagProbe, percentile
from bot.kling.models import TaskStatus, TextToVideoRequest
from bot.settings import EngineSettings, QuotaSettings
from bot.vocabulary import TaskKind, TaskState
from bot.web import WebServer, build_web_app
from tests.conftest import API_KEY, make_client
from tests.engine.harness import Harness
from tests.fake_kling import FakeKling

GENERATION = 90.0  # simulated seconds each task takes
STEP = 5.0  # simulated seconds between engine steps
NAIVE_INTERVAL = 3.0


def provider_requests(fake: FakeKling) -> int:
    """Count API requests (result downloads are CDN traffic, not API calls)."""
    return sum(1 for _, path in fake.requests if "/results/" not in path)


async def engine_run(tasks: int, *, callbacks: bool) -> tuple[float, list[float], float]:
    """Return (requests per delivered task, loop lags, wall seconds) for one engine run."""
    unlimited = QuotaSettings(_env_file=None, user_daily_units=None, user_max_active=None, guild_daily_units=None)
    settings = EngineSettings(_env_file=None, provider_max_concurrent=tasks, download_allow_loopback=True)
    with tempfile.TemporaryDirectory() as root:
        async with FakeKling(api_key=API_KEY, processing_after=5.0, finish_after=GENERATION) as fake, \
                aiohttp.ClientSession() as session:  # fmt: skip
            h = Harness(fake=fake, session=session, root=Path(root), quota=unlimited, engine_settings=settings)
            engine = await h.start()
            server = WebServer(build_web_app(engine), "127.0.0.1", 0)
            await server.start()
            if callbacks:
                engine.set_callback_base(f"http://127.0.0.1:{server.port}")
            probe = LagProbe()
            probe.start()
            started = time.perf_counter()
            for user in range(tasks):
                await h.submit(TextToVideoRequest(prompt="a paper boat", mode="std", duration="5"), user=user)
            for _ in range(int(3600 / STEP)):
                await engine.drain()
                counts = await engine.task_counts()
                if counts.get(TaskState.DELIVERED, 0) == tasks:
                    break
                await fake.advance(STEP)
            wall = time.perf_counter() - started
            await probe.stop()
            delivered = (await engine.task_counts()).get(TaskState.DELIVERED, 0)
            await server.stop()
            await h.crash()
            return provider_requests(fake) / max(delivered, 1), probe.lags, wall


async def naive_run(tasks: int) -> float:
    """A client that polls every task every 3 s until it is done: requests per task."""
    async with FakeKling(api_key=API_KEY, processing_after=5.0, finish_after=GENERATION) as fake, \
            aiohttp.ClientSession() as session:  # fmt: skip
        client = make_client(session, fake)
        pending = {}
        for user in range(tasks):
            task = await client.create(TextToVideoRequest(prompt="a paper boat"), external_task_id=f"naive-{user}")
            pending[task.task_id] = task
        while pending:
            await fake.advance(NAIVE_INTERVAL)
            for task_id in list(pending):
                if (await client.get(TaskKind.TEXT_TO_VIDEO, task_id)).status is TaskStatus.SUCCEEDED:
                    del pending[task_id]
        return provider_requests(fake) / tasks


async def measure(tasks: int) -> list[Figure]:
    """Run all three and return the figures."""
    polled, lags, wall = await engine_run(tasks, callbacks=False)
    called_back, lags_cb, wall_cb = await engine_run(tasks, callbacks=True)
    naive = await naive_run(tasks)
    return [
        Figure(f"provider requests per task, {tasks} tasks, callbacks off", polled, "req", "≤ 1.5", polled <= 1.5,
               f"{wall:.1f} s wall for {GENERATION:.0f} s tasks"),
        Figure(f"provider requests per task, {tasks} tasks, callbacks on", called_back, "req", "≤ 1.1",
               called_back <= 1.1, f"{wall_cb:.1f} s wall"),
        Figure("naive client polling every 3 s", naive, "req", "≈ 30 for a 90 s task", None,
               f"{naive / max(polled, 1e-9):.0f}× the engine's"),
        Figure(f"event-loop lag p99 during the {tasks}-task run", percentile(lags + lags_cb, 0.99) * 1000, "ms", "",
               None, f"p50 {percentile(lags + lags_cb, 0.5) * 1000:.1f} ms, {len(lags + lags_cb)} samples"),
    ]  # fmt: skip
