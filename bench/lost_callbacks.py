"""Callbacks on, every one lost: how soon is each result posted after the later of its finish and its
expected end, and what does the safety net cost in provider requests?

The real engine over a real SQLite file and the fake Kling server on a manual clock (half-second steps):
tasks arrive over 20 s and take 45–180 s (seeded), against an expected 90 s, so some finish early, most
late. Callbacks go to a port nothing listens on. The Discord side is a recording port.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import aiohttp

from bench.common import Figure, percentile
from bench.provider_requests import provider_requests
from bot.kling.models import TextToVideoRequest
from bot.settings import EngineSettings, QuotaSettings
from bot.vocabulary import TaskState
from tests.conftest import API_KEY
from tests.engine.harness import Harness
from tests.fake_kling import FakeKling

STEP = 0.5  # simulated seconds between engine steps
ARRIVALS = 20.0  # seconds over which the tasks arrive
SHORTEST, LONGEST = 45.0, 180.0  # seconds a task takes at the provider
GOAL = 15.0  # seconds after the later of finish and expected end


async def measure(tasks: int, seed: int = 7) -> list[Figure]:
    """Return done -> posted p50 and p99 past the later of finish and expected end, and requests per task."""
    rng = random.Random(seed)
    unlimited = QuotaSettings(_env_file=None, user_daily_units=None, user_max_active=None, guild_daily_units=None)
    settings = EngineSettings(_env_file=None, provider_max_concurrent=tasks, download_allow_loopback=True)
    with tempfile.TemporaryDirectory() as root:
        async with FakeKling(api_key=API_KEY, processing_after=5.0,
                             finish_after=lambda kind: rng.uniform(SHORTEST, LONGEST)) as fake, \
                aiohttp.ClientSession() as session:  # fmt: skip
            h = Harness(fake=fake, session=session, root=Path(root), quota=unlimited, engine_settings=settings)
            h.callback_base = "http://127.0.0.1:9"  # nothing listens there: every callback is lost
            engine = await h.start()
            expected_end: dict[str, float] = {}
            for user in range(tasks):
                task = await h.submit(TextToVideoRequest(prompt="a paper boat", mode="std", duration="5"), user=user)
                await engine.drain()  # sent at once, as the running bot would
                sent = await h.task(task.id)
                expected_end[task.id] = (sent.submitted_at or sent.created_at) + engine.expected_seconds(sent)
                await fake.advance(ARRIVALS / tasks)
            for _ in range(int(3600 / STEP)):
                await engine.drain()
                if (await engine.task_counts()).get(TaskState.DELIVERED, 0) == tasks:
                    break
                await fake.advance(STEP)
            late = []
            finished_at = {t.external_task_id: t.finish_at for t in fake.tasks.values()}
            for task_id, expected in expected_end.items():
                record = await h.task(task_id)
                if record.delivered_at is not None:
                    late.append(record.delivered_at - max(finished_at[task_id], expected))
            requests = provider_requests(fake) / max(len(late), 1)
            await h.crash()
    p50, p99 = percentile(late, 0.5), percentile(late, 0.99)
    return [
        Figure(f"callbacks all lost, {tasks} tasks: posted after max(finish, expected), p50", p50, "s",
               f"≤ {GOAL:.0f} s", p50 <= GOAL, f"{len(late)} of {tasks} delivered; tasks take 45–180 s, expected 90 s"),
        Figure("… p99", p99, "s", f"≤ {GOAL:.0f} s", p99 <= GOAL, "before the change: p50 165 s, p99 181 s, 1.2 req"),
        Figure(f"provider requests per task, callbacks all lost, {tasks} tasks", requests, "req", "≤ 1.1",
               requests <= 1.1, "create + its share of the batched checks"),
    ]  # fmt: skip
