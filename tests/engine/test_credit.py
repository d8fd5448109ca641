"""The provider account's credit: the balance is read as the docs describe; without credit, intake pauses
with a clear answer instead of failing every task, and resumes by itself."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import aiohttp
import pytest

from bot.engine import CreditExhaustedError
from bot.engine.credit import CREDIT_PAUSE
from bot.settings import QuotaSettings
from bot.vocabulary import TaskKind, TaskState
from tests.conftest import make_client
from tests.engine.harness import Harness
from tests.fake_kling import FakeKling, Fault
from tests.kling_requests import request_of


@pytest.mark.parametrize("dialect", ["official"])
async def test_the_balance_is_read_from_the_packs(harness: Harness) -> None:
    """`GET /account/costs`: online packs count; an expired one doesn't."""
    harness.fake.account.packs[0].remaining = 120
    expired = type(harness.fake.account.packs[0])(name="Old", total=50, remaining=50, status="expired")
    harness.fake.account.packs.append(expired)
    assert harness.engine is not None
    balance = await harness.engine.read_balance()
    assert balance is not None
    assert balance.remaining == 120
    assert [pack.status for pack in balance.packs] == ["online", "expired"]


@pytest.mark.parametrize("dialect", ["cometapi", "anyfast"])
async def test_aggregators_report_no_balance(fake: FakeKling, session: aiohttp.ClientSession) -> None:
    """The aggregators document no balance: None, and nothing is asked."""
    assert await make_client(session, fake).balance() is None
    assert fake.requests == []


@pytest.mark.parametrize("dialect", ["official"])
async def test_a_1102_pauses_intake_keeps_the_task_and_resumes(harness: Harness) -> None:
    """The create is answered 1102: the task waits in the queue (not failed, not charged), new requests are
    refused with a reason, and once a create goes through everything resumes."""
    engine = harness.engine
    assert engine is not None
    harness.fake.inject(Fault(op="create", status=429, code=1102, message="resource pack exhausted"))
    task = await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO))
    await engine.drain()
    assert (await harness.task(task.id)).state is TaskState.QUEUED
    with pytest.raises(CreditExhaustedError):
        await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO), user=2)
    await harness.fake.advance(CREDIT_PAUSE + 1)
    await engine.drain()
    assert (await harness.task(task.id)).state in (TaskState.SUBMITTED, TaskState.PROCESSING)
    assert engine.credit.paused_because is None
    await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO), user=2)


@pytest.mark.parametrize("dialect", ["official"])
async def test_the_balance_watch_pauses_on_empty_packs_and_resumes_on_a_top_up(harness: Harness) -> None:
    """Packs used up: paused (and /metrics shows 0); topped up: the next read resumes intake."""
    engine = harness.engine
    assert engine is not None
    harness.fake.account.packs[0].remaining = 0
    await engine.check_balance()
    with pytest.raises(CreditExhaustedError):
        await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO))
    harness.fake.account.packs[0].remaining = 500
    await harness.fake.advance(2)  # the endpoint takes one request a second
    await engine.check_balance()
    await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO))


@pytest.mark.parametrize("dialect", ["cometapi"])
async def test_without_a_balance_a_1102_pause_lapses(harness: Harness) -> None:
    """A provider that reports no balance can't lift the pause: it lapses after a while, and a new create tries."""
    engine = harness.engine
    assert engine is not None
    harness.fake.inject(Fault(op="create", status=429, code=1102, message="resource pack exhausted"))
    await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO))
    await engine.drain()
    with pytest.raises(CreditExhaustedError):
        await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO), user=2)
    await harness.fake.advance(CREDIT_PAUSE + 1)
    await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO), user=2)


@pytest.mark.parametrize("dialect", ["official"])
async def test_a_lagging_zero_after_a_good_create_does_not_pause(harness: Harness) -> None:
    """Kling's remaining figure lags by hours: a create that went through outranks a read of zero."""
    engine = harness.engine
    assert engine is not None
    await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO))
    await engine.drain()  # created: the account has credit
    harness.fake.account.packs[0].remaining = 0
    await harness.fake.advance(2)
    await engine.check_balance()
    await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO), user=2)


@pytest.mark.parametrize("dialect", ["official"])
async def test_the_operators_hear_of_low_and_no_credit_once_a_day(harness: Harness) -> None:
    """Below BALANCE_ALERT_UNITS: one notice (not one per read); out of credit: another."""
    harness.quota = QuotaSettings(_env_file=None, BALANCE_ALERT_UNITS=Decimal(100))
    engine = await harness.restart()
    for remaining in (50, 40, 30):  # still in use: a new figure each read, one notice all the same
        harness.fake.account.packs[0].remaining = remaining
        await harness.fake.advance(2)
        await engine.check_balance()
    harness.fake.account.packs[0].remaining = 0
    await harness.fake.advance(2)
    await engine.check_balance()
    await asyncio.sleep(0.05)  # alerts go out in the background
    assert harness.alerts.notices == [
        "The Kling account is running low: 50 units left.",
        "The bot stopped taking requests: the provider account's resource packs are used up or expired. "
        "Top up the Kling account; it resumes by itself.",
    ]
