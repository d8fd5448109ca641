"""Provider chaos: every fault the fake can inject, and callbacks dropped, duplicated, reordered and forged.

Every task must end delivered exactly once — succeeded, or failed with a reason the user was shown —
created at most once at the provider, and with its quota settled exactly once.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.settings import EngineSettings, QuotaSettings
from bot.vocabulary import TaskKind, TaskState
from bot.web import WebServer, build_web_app
from tests.engine.harness import Harness
from tests.fake_kling import FakeKling, Fault
from tests.kling_requests import offered, request_of
from tests.reliability.scale import SEED, scaled

pytestmark = pytest.mark.reliability

FAULTS = [
    Fault(op="create", status=504, code=5002, after_create=True),
    Fault(op="create", status=500, code=5000),
    Fault(op="create", disconnect=True, after_create=True),
    Fault(op="create", malformed=True, after_create=True),
    Fault(op="create", delay=1.0, after_create=True),
    Fault(op="create", status=429, code=1302, retry_after=0.01),
    Fault(op="query", status=503, code=5001, times=3),
    Fault(op="query", status=429, code=1302, retry_after=0.01),
    Fault(op="query", malformed=True, times=2),
    Fault(op="list", status=500, code=5000, times=2),
    Fault(op="list", malformed=True),
    Fault(op="download", status=503, code=None, times=2),
]


async def forge(session: aiohttp.ClientSession, base: str, task_id: str, rng: random.Random) -> None:
    """Post a callback that must change nothing: wrong token, or a claim of success for someone else's task."""
    body = json.dumps({"task_id": str(rng.getrandbits(60)), "task_status": "succeed"}).encode()
    async with session.post(f"{base}/callbacks/kling/{task_id}/forged-{rng.getrandbits(32)}", data=body) as response:
        assert response.status == 404


@pytest.mark.parametrize(("dialect", "fake_options"), [("official", {"concurrency_limit": 4})])
@pytest.mark.timeout(120)
async def test_everything_ends_delivered_once_or_failed_with_a_reason(
    fake: FakeKling, session: aiohttp.ClientSession, tmp_path: Path, fake_options: dict[str, Any]
) -> None:
    """A seeded storm of provider faults and callback chaos; then every invariant, task by task."""
    rng = random.Random(SEED)
    fake.callback_chaos = random.Random(SEED + 1)
    unlimited = QuotaSettings(_env_file=None, user_daily_units=None, user_max_active=None, guild_daily_units=None)
    h = Harness(fake=fake, session=session, root=tmp_path, quota=unlimited)
    h.engine_settings = EngineSettings(_env_file=None, provider_max_concurrent=8, download_allow_loopback=True)
    engine = await h.start()
    server = WebServer(build_web_app(engine), "127.0.0.1", 0)
    await server.start()
    engine.set_callback_base(f"http://127.0.0.1:{server.port}")
    try:
        tasks = []
        # Every kind the dialect documents that stands alone (lip sync needs a finished video first).
        kinds = [k for k in TaskKind if k is not TaskKind.LIP_SYNC and offered(k, fake.dialect)]
        for index in range(scaled(24)):
            kind = rng.choice(kinds)
            prompt = "[fail] a cat" if rng.random() < 0.15 else "a cat"
            tasks.append(await h.submit(request_of(kind, prompt), user=index))
            if rng.random() < 0.5:
                fake.inject(rng.choice(FAULTS))
        for _ in range(240):  # two simulated hours in 30 s steps
            if rng.random() < 0.3:
                fake.inject(rng.choice(FAULTS))
            if rng.random() < 0.3:
                await forge(session, engine.callback_base, rng.choice(tasks).id, rng)
            await fake.advance(30)
            await engine.drain()
            states = [(await h.task(t.id)).state for t in tasks]
            if all(state is TaskState.DELIVERED for state in states):
                break
        for task in tasks:
            done = await h.task(task.id)
            assert done.state is TaskState.DELIVERED, done
            assert h.port.deliveries[task.id] == 1
            assert fake.creates_by_external_id[task.id] <= 1
            ledger = await h.ledger(task.id)
            if done.outcome == "succeeded":
                assert fake.creates_by_external_id[task.id] == 1
                assert ledger == {"reserve": done.units_reserved, "charge": done.units_reserved}
            else:
                assert done.error_reason, done
                assert ledger == {"reserve": done.units_reserved, "refund": done.units_reserved}
        assert sum(h.port.deliveries.values()) == len(tasks)
    finally:
        await server.stop()
        await h.crash()
