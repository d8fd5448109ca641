"""Callbacks through the real web server: hints confirmed by a query; duplicates and forgeries are harmless."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.engine.engine import Engine
from bot.vocabulary import TaskKind, TaskState
from bot.web import WebServer, build_web_app
from db.models import TaskRecord
from tests.engine.harness import Harness
from tests.fake_kling import FakeKling
from tests.kling_requests import request_of

SECRET = "whsec_" + base64.b64encode(b"callbacks-secret-32-bytes-long!!").decode()


@pytest.fixture
async def served(
    fake: FakeKling, session: aiohttp.ClientSession, tmp_path: Path, fake_options: dict[str, Any], database_url: str
) -> AsyncIterator[Harness]:
    """An engine whose callbacks reach it through the web server on 127.0.0.1 (signed if the fake signs)."""
    h = Harness(
        fake=fake,
        session=session,
        root=tmp_path,
        database_url=database_url,
        webhook_secret=fake_options.get("webhook_secret"),
    )
    h.callback_base = "http://127.0.0.1:0"  # replaced below, once the port is known
    engine = await h.start()
    server = WebServer(build_web_app(engine), "127.0.0.1", 0)
    await server.start()
    engine.set_callback_base(f"http://127.0.0.1:{server.port}")
    yield h
    await server.stop()
    await h.crash()


def engine_of(h: Harness) -> Engine:
    assert h.engine is not None
    return h.engine


async def post(
    h: Harness, task: TaskRecord, body: bytes, *, token: str | None = None, task_id: str | None = None
) -> int:
    base = engine_of(h).callback_base
    url = f"{base}/callbacks/kling/{task_id or task.id}/{token or task.callback_token}"
    async with h.session.post(url, data=body, headers={"Content-Type": "application/json"}) as response:
        return response.status


async def test_callback_triggers_a_prompt_confirmation(served: Harness) -> None:
    """The provider's callback makes the engine check within a second, long before its next poll."""
    task = await served.submit(request_of(TaskKind.TEXT_TO_VIDEO))
    await engine_of(served).drain()
    submitted = await served.task(task.id)
    assert submitted.next_poll_at is not None
    # The safety net is near the expected end (90 s, plus a moment for the callback, on the 10 s check grid):
    # after this task's 61 s.
    assert 61 < submitted.next_poll_at - served.fake.clock.now() <= 105
    await served.fake.advance(61)  # processing, then succeed: two callbacks delivered to our server
    assert [status for _, status, _ in served.fake.callbacks_sent] == [200, 200]
    await served.fake.advance(1)
    await engine_of(served).drain()
    assert (await served.task(task.id)).state is TaskState.DELIVERED
    assert served.port.deliveries == {task.id: 1}


async def test_duplicated_and_reordered_callbacks_change_nothing_twice(served: Harness) -> None:
    """Every callback replayed, in reverse order, after delivery: still one delivery and one charge."""
    task = await served.submit(request_of(TaskKind.TEXT_TO_VIDEO))
    await engine_of(served).drain()
    await served.fake.advance(61)
    await served.fake.advance(1)
    await engine_of(served).drain()
    bodies = [body for _, _, body in served.fake.callbacks_sent]
    for body in [*reversed(bodies), *bodies]:
        assert await post(served, task, body) == 200
    await served.fake.advance(2)
    await engine_of(served).drain()
    assert served.port.deliveries == {task.id: 1}
    assert served.storage is not None
    assert await served.storage.quotas.ledger(task.id) == {
        "reserve": task.units_reserved,
        "charge": task.units_reserved,
    }


async def test_a_forged_success_is_not_believed(served: Harness) -> None:
    """A well-addressed callback claiming success is checked with the provider, which says it's still running."""
    task = await served.submit(request_of(TaskKind.TEXT_TO_VIDEO))
    await engine_of(served).drain()
    record = await served.task(task.id)
    forged = {
        "task_id": record.provider_task_id,
        "task_status": "succeed",
        "task_result": {"videos": [{"id": "x", "url": "https://evil.example/x.mp4", "duration": "5"}]},
    }
    assert await post(served, task, json.dumps(forged).encode()) == 200
    await served.fake.advance(2)
    await engine_of(served).drain()
    after = await served.task(task.id)
    assert after.state in (TaskState.SUBMITTED, TaskState.PROCESSING)
    assert after.result_urls == ()
    assert served.port.deliveries == {}


@pytest.mark.parametrize(
    ("token", "task_id", "body", "status"),
    [
        ("wrong-token", None, b"{}", 404),
        (None, "00000000-0000-0000-0000-000000000000", b"{}", 404),
        (None, None, b"not json", 400),
        (None, None, b'{"task_id": "999", "task_status": "succeed"}', 400),
    ],
    ids=["wrong-token", "unknown-task", "garbage", "another-task"],
)
async def test_forged_or_garbled_callbacks_are_refused(
    served: Harness, token: str | None, task_id: str | None, body: bytes, status: int
) -> None:
    """Without the task's token, or naming another task, or not a task: refused and nothing moves."""
    task = await served.submit(request_of(TaskKind.TEXT_TO_VIDEO))
    await engine_of(served).drain()
    before = await served.task(task.id)
    assert await post(served, task, body, token=token, task_id=task_id) == status
    assert (await served.task(task.id)).next_poll_at == before.next_poll_at


@pytest.mark.parametrize(("dialect", "fake_options"), [("official", {"webhook_secret": SECRET})])
async def test_signed_callbacks_require_a_valid_signature(served: Harness) -> None:
    """With a webhook secret set, the provider's signed callbacks pass; an unsigned one is refused."""
    task = await served.submit(request_of(TaskKind.TEXT_TO_VIDEO))
    await engine_of(served).drain()
    record = await served.task(task.id)
    body = json.dumps({"task_id": record.provider_task_id, "task_status": "processing"}).encode()
    assert await post(served, task, body) == 400
    await served.fake.advance(61)
    assert [status for _, status, _ in served.fake.callbacks_sent] == [200, 200]


async def test_a_processing_callback_costs_no_query(served: Harness) -> None:
    """Only callbacks that announce an end are confirmed; "processing" changes nothing."""
    task = await served.submit(request_of(TaskKind.TEXT_TO_VIDEO))
    await engine_of(served).drain()
    before = await served.task(task.id)
    body = json.dumps({"task_id": before.provider_task_id, "task_status": "processing"}).encode()
    assert await post(served, task, body) == 200
    assert (await served.task(task.id)).next_poll_at == before.next_poll_at


@pytest.mark.parametrize("dialect", ["official"])
async def test_callbacks_a_moment_apart_share_one_confirming_query(served: Harness) -> None:
    """Each final callback moves its task's check to the end of a short window and wakes the tracker, which waits
    for the window to close: three callbacks 0.1 s apart cost one list query between them, not one query each."""
    engine = engine_of(served)
    for user in (1, 2, 3):
        await served.submit(request_of(TaskKind.TEXT_TO_VIDEO), user=user)
        await engine.submitter.step()
        await served.fake.advance(0.1)
    await served.fake.advance(60 - 0.3)  # the first finishes now (each takes 60 s), the others 0.1 s apart
    before = len(served.fake.requests)
    for _ in range(3):  # each callback wakes the tracker at once
        assert [status for _, status, _ in served.fake.callbacks_sent][-1:] == [200]
        await engine.tracker.step()
        await served.fake.advance(0.1)
    await served.fake.advance(0.2)  # the first callback's window has closed
    await engine.tracker.step()
    assert [path for _, path in served.fake.requests[before:]] == ["/v1/videos/text2video"]  # one page for all three
    assert (await engine.task_counts()).get(TaskState.SUCCEEDED) == 3
