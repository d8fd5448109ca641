"""Delivery: retries with backoff, a bounded number of tries, the SSRF guard, and the deadline path."""

from __future__ import annotations

from typing import Any

import pytest

from bot.engine.ports import DeliveryError
from bot.settings import EngineSettings
from bot.vocabulary import TaskKind, TaskState
from tests.engine.harness import Harness
from tests.fake_kling import Fault
from tests.kling_requests import request_of

KIND = TaskKind.TEXT_TO_VIDEO


@pytest.mark.parametrize("dialect", ["official"])
async def test_transient_delivery_failures_are_retried_with_backoff(harness: Harness) -> None:
    """Two transient failures, then success: delivered once, after waiting between tries."""
    harness.port.failures = [DeliveryError("Discord 503", transient=True), DeliveryError("Discord 429", transient=True)]
    task = await harness.submit(request_of(KIND))
    await harness.finish_all()
    waiting = await harness.task(task.id)
    assert waiting.state is TaskState.DELIVERING
    assert waiting.delivery_error == "Discord 503"
    assert waiting.next_delivery_at is not None
    assert waiting.next_delivery_at > harness.fake.clock.now()
    for _ in range(3):
        await harness.fake.advance(60)
        await harness.engine.drain()  # type: ignore[union-attr]
    done = await harness.task(task.id)
    assert (done.state, done.delivery_attempts) == (TaskState.DELIVERED, 3)
    assert harness.port.deliveries == {task.id: 1}


@pytest.mark.parametrize("dialect", ["official"])
async def test_delivery_gives_up_after_the_bounded_tries(harness: Harness) -> None:
    """Transient failures every time: after the configured tries the task is delivery_failed, with the reason."""
    harness.engine_settings = EngineSettings(_env_file=None, delivery_max_attempts=3)
    await harness.restart()
    harness.port.failures = [DeliveryError("Discord 503", transient=True)] * 5
    task = await harness.submit(request_of(KIND))
    await harness.finish_all()
    for _ in range(5):
        await harness.fake.advance(700)
        await harness.engine.drain()  # type: ignore[union-attr]
    done = await harness.task(task.id)
    assert (done.state, done.delivery_attempts, done.delivery_error) == (TaskState.DELIVERY_FAILED, 3, "Discord 503")
    assert done.outcome == "succeeded"  # the video exists and stays retrievable
    assert harness.port.deliveries == {}


@pytest.mark.parametrize("dialect", ["official"])
async def test_permanent_delivery_failure_stops_at_once(harness: Harness) -> None:
    """A failure that retrying can't fix (e.g. blocked everywhere) ends the attempts right away."""
    harness.port.failures = [DeliveryError("no channel, DMs closed", transient=False)]
    task = await harness.submit(request_of(KIND))
    await harness.finish_all()
    done = await harness.task(task.id)
    assert (done.state, done.delivery_attempts) == (TaskState.DELIVERY_FAILED, 1)


@pytest.mark.parametrize("dialect", ["official"])
async def test_results_from_private_addresses_are_not_downloaded(harness: Harness) -> None:
    """The SSRF guard: result URLs on a loopback address are refused; the user still gets the outcome."""
    harness.allow_loopback = False
    await harness.restart()
    task = await harness.submit(request_of(KIND))
    await harness.finish_all()
    done = await harness.task(task.id)
    assert done.state is TaskState.DELIVERED
    assert done.archived_paths == ()
    assert done.result_urls[0].startswith(harness.fake.base_url)
    assert harness.port.files[task.id] == ()
    assert not [path for _, path in harness.fake.requests if "/results/" in path]


@pytest.mark.parametrize(("dialect", "fake_options"), [("official", {"finish_after": 10 * 3600.0})])
async def test_deadline_ends_a_task_that_never_finishes(harness: Harness, fake_options: dict[str, Any]) -> None:
    """Past the deadline, one last lookup decides: still running means failed, refunded and reported."""
    task = await harness.submit(request_of(KIND))
    await harness.engine.drain()  # type: ignore[union-attr]
    for _ in range(70):
        await harness.fake.advance(60)
        await harness.engine.drain()  # type: ignore[union-attr]
    done = await harness.task(task.id)
    assert (done.state, done.outcome) == (TaskState.DELIVERED, "failed")
    assert done.error_reason == "The video service did not finish it within 60 minutes. Nothing was charged."
    assert harness.storage is not None
    assert "refund" in await harness.storage.quotas.ledger(task.id)
    assert done.polls < 70  # backoff: far fewer checks than minutes waited


@pytest.mark.parametrize("dialect", ["official"])
async def test_outage_at_create_is_retried_then_gives_up_with_a_refund(harness: Harness) -> None:
    """The provider is down for hours: the outcome stays unknown, and after the cap the task fails with a refund."""
    harness.fake.inject(Fault(op="any", status=503, code=5001, times=10_000))
    task = await harness.submit(request_of(KIND))
    for _ in range(60):  # ten hours: past the 1 h deadline and the 6 h cap on unknown outcomes
        await harness.fake.advance(600)
        await harness.engine.drain()  # type: ignore[union-attr]
    done = await harness.task(task.id)
    assert (done.state, done.outcome) == (TaskState.DELIVERED, "failed")
    assert harness.fake.creates_by_external_id == {}


@pytest.mark.parametrize("dialect", ["official"])
async def test_a_download_that_keeps_failing_still_delivers_links(harness: Harness) -> None:
    """The provider's CDN fails every download: after the retries, the user still gets the result as a link."""
    harness.engine_settings = EngineSettings(_env_file=None, delivery_max_attempts=3, download_allow_loopback=True)
    await harness.restart()
    harness.fake.inject(Fault(op="download", status=503, code=None, times=100))
    task = await harness.submit(request_of(KIND))
    await harness.finish_all()
    for _ in range(5):
        await harness.fake.advance(700)
        await harness.engine.drain()  # type: ignore[union-attr]
    done = await harness.task(task.id)
    assert (done.state, done.archived_paths, done.delivery_attempts) == (TaskState.DELIVERED, (), 3)
    assert harness.port.deliveries == {task.id: 1}


@pytest.mark.parametrize("dialect", ["official"])
async def test_an_unexpected_port_error_counts_as_an_attempt(harness: Harness) -> None:
    """A port raising something it shouldn't is retried like a transient failure and ends at the cap."""
    harness.engine_settings = EngineSettings(_env_file=None, delivery_max_attempts=3, download_allow_loopback=True)
    await harness.restart()
    harness.port.failures = [RuntimeError("bug in the port")] * 10  # type: ignore[list-item]
    task = await harness.submit(request_of(KIND))
    await harness.finish_all()
    for _ in range(6):
        await harness.fake.advance(700)
        await harness.engine.drain()  # type: ignore[union-attr]
    done = await harness.task(task.id)
    assert done.state is TaskState.DELIVERY_FAILED
    assert "bug in the port" in (done.delivery_error or "")
    assert done.delivery_attempts == 3
