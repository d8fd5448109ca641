"""Quotas: reservation is atomic under a 50-way race; policies by guild and role; refunds on failure."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal

import pytest

from bot.discord.refusals import quota_refusal_message
from bot.kling.errors import InvalidRequestError
from bot.kling.models import ImageToVideoRequest, TextToVideoRequest
from bot.quota import QUOTA_WINDOW, QuotaExceededError
from bot.settings import QuotaSettings
from bot.vocabulary import TaskKind, TaskState
from db.models import PolicyOverride
from tests.engine.harness import Harness
from tests.fake_kling import make_png
from tests.kling_requests import request_of

COST = Decimal("1.5")  # kling-v2-6 std 5 s
DAY = 24 * 3600
ALERT_WAIT_STEPS = 500  # 5 s in 10 ms steps


def cheap() -> TextToVideoRequest:
    return TextToVideoRequest(prompt="a cat", model="kling-v2-6", mode="std", duration="5")


async def race(h: Harness, count: int) -> tuple[list[str], list[QuotaExceededError]]:
    results = await asyncio.gather(*(h.submit(cheap(), user=7) for _ in range(count)), return_exceptions=True)
    accepted = [r.id for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, QuotaExceededError)]
    assert len(accepted) + len(refused) == count
    return accepted, refused


@pytest.mark.parametrize("dialect", ["official"])
async def test_fifty_way_race_on_the_active_cap_is_exact(harness: Harness) -> None:
    """Room for 3 active tasks, 50 at once: exactly 3 accepted; 47 told why, with no time (a task must finish)."""
    harness.quota = QuotaSettings(_env_file=None, user_max_active=3, user_daily_units=None)
    await harness.restart()
    accepted, refused = await race(harness, 50)
    assert (len(accepted), len(refused)) == (3, 47)
    assert all("3 task(s) in progress (limit 3)" in r.reason and r.frees_at is None for r in refused)


@pytest.mark.parametrize("dialect", ["official"])
async def test_fifty_way_race_on_daily_units_is_exact(harness: Harness) -> None:
    """Room for 3 tasks' units, 50 at once: exactly 3 accepted; 47 told when the quota frees up."""
    harness.quota = QuotaSettings(_env_file=None, user_max_active=None, user_daily_units=COST * 3)
    await harness.restart()
    now = harness.fake.clock.now()
    accepted, refused = await race(harness, 50)
    assert (len(accepted), len(refused)) == (3, 47)
    assert {r.frees_at for r in refused} == {now + DAY}
    assert "0 of 4.5 units left for today; this request costs 1.5" in refused[0].reason
    assert f"<t:{int(now + DAY)}:R>" in quota_refusal_message(refused[0].refusal)  # the words live in Discord
    assert harness.storage is not None
    assert await harness.storage.tasks.count_active() == 3


@pytest.mark.parametrize("dialect", ["official"])
async def test_units_free_up_after_a_day(harness: Harness) -> None:
    """A spent daily quota comes back 24 h after the reservations were made."""
    harness.quota = QuotaSettings(_env_file=None, user_max_active=None, user_daily_units=COST)
    await harness.restart()
    await harness.submit(cheap(), user=7)
    with pytest.raises(QuotaExceededError):
        await harness.submit(cheap(), user=7)
    await harness.fake.advance(DAY + 1)
    await harness.submit(cheap(), user=7)


@pytest.mark.parametrize("dialect", ["official"])
async def test_guild_policy_role_override_and_guild_budget(harness: Harness) -> None:
    """The guild's policy replaces defaults, the most generous role wins, and the guild budget caps everyone."""
    assert harness.storage is not None
    quotas, now = harness.storage.quotas, harness.fake.clock.now()
    await quotas.set_guild_policy(
        1000, PolicyOverride(user_daily_units=COST, user_max_active=10, guild_daily_units=COST * 4), now=now
    )
    await quotas.set_role_policy(1000, 55, PolicyOverride(user_daily_units=COST * 2), now=now)
    await quotas.set_role_policy(1000, 66, PolicyOverride(user_daily_units=COST * 3), now=now)
    await harness.submit(cheap(), user=1)
    with pytest.raises(QuotaExceededError, match=re.escape("You have 0 of 1.5 units")):
        await harness.submit(cheap(), user=1)
    for _ in range(3):
        await harness.submit(cheap(), user=2, roles=(55, 66, 77))
    with pytest.raises(QuotaExceededError, match="This server has 0 of 6 units"):
        await harness.submit(cheap(), user=3)


@pytest.mark.parametrize("dialect", ["official"])
async def test_failed_generation_is_refunded(harness: Harness) -> None:
    """The provider fails the task: the reservation is refunded, the user is told why, usage is back to zero."""
    task = await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO, "[fail] a cat"))
    await harness.finish_all()
    done = await harness.task(task.id)
    assert (done.state, done.outcome) == (TaskState.DELIVERED, "failed")
    assert done.error_reason == "Failure to pass the risk control system"
    assert harness.storage is not None
    assert await harness.storage.quotas.ledger(task.id) == {
        "reserve": task.units_reserved,
        "refund": task.units_reserved,
    }
    usage = await harness.storage.quotas.usage(1000, 1, now=harness.fake.clock.now(), window=QUOTA_WINDOW)
    assert (usage.units_used, usage.active_tasks) == (0, 0)
    assert harness.port.deliveries == {task.id: 1}


@pytest.mark.parametrize("dialect", ["official"])
async def test_create_refused_by_the_provider_is_refunded(harness: Harness) -> None:
    """A create the provider rejects (content policy) fails with its reason and refunds; nothing exists there."""
    task = await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO, "[policy] a cat"))
    await harness.engine.drain()  # type: ignore[union-attr]
    done = await harness.task(task.id)
    assert done.state is TaskState.DELIVERED
    assert done.error_reason is not None
    assert "content policy" in done.error_reason
    assert harness.fake.creates_by_external_id == {}
    assert harness.storage is not None
    assert "refund" in await harness.storage.quotas.ledger(task.id)


@pytest.mark.parametrize("dialect", ["official"])
async def test_invalid_request_is_refused_before_anything_is_stored(harness: Harness) -> None:
    """A request the provider would refuse never reaches the quota or the queue."""
    with pytest.raises(InvalidRequestError):
        await harness.submit(TextToVideoRequest(prompt="x" * 3000))
    assert harness.storage is not None
    assert await harness.storage.tasks.count_active() == 0


@pytest.mark.parametrize("dialect", ["official"])
async def test_a_refused_request_stores_nothing(harness: Harness) -> None:
    """A member at their limit can't fill the disk: the refused request's image is not kept."""
    harness.quota = QuotaSettings(_env_file=None, user_max_active=1)
    await harness.restart()
    await harness.submit(request_of(TaskKind.TEXT_TO_VIDEO), user=5)
    kept = sorted(path.name for path in (harness.root / "inputs").glob("*"))
    with pytest.raises(QuotaExceededError):
        await harness.submit(ImageToVideoRequest(image=make_png(640, 480), prompt="never stored"), user=5)
    assert sorted(path.name for path in (harness.root / "inputs").glob("*")) == kept


@pytest.mark.parametrize("dialect", ["official"])
async def test_fifty_way_race_on_the_bots_money_budget_is_exact_to_the_cent(harness: Harness) -> None:
    """A bot-wide daily budget of $0.63 at $0.14 a unit (4.5 units): 50 members at once, 3 × 1.5 units fit."""
    harness.quota = QuotaSettings(
        _env_file=None, user_max_active=None, user_daily_units=None, guild_daily_units=None,
        PRICE_PER_UNIT=Decimal("0.14"), BOT_DAILY_BUDGET=Decimal("0.63"),
    )  # fmt: skip
    await harness.restart()
    now = harness.fake.clock.now()
    results = await asyncio.gather(*(harness.submit(cheap(), user=user) for user in range(50)), return_exceptions=True)
    accepted = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, QuotaExceededError)]
    assert (len(accepted), len(refused)) == (3, 47)
    assert sum(task.units_reserved for task in accepted) * Decimal("0.14") == Decimal("0.63")
    assert {r.refusal.limit.value for r in refused} == {"bot_daily_budget"}
    assert {r.frees_at for r in refused} == {now + DAY}
    assert "reached its daily budget" in quota_refusal_message(refused[0].refusal)


@pytest.mark.parametrize("dialect", ["official"])
async def test_the_monthly_budget_counts_thirty_days(harness: Harness) -> None:
    """A 30-day budget of 3 units' worth: two days later the first day's spending still counts."""
    harness.quota = QuotaSettings(
        _env_file=None, user_max_active=None, user_daily_units=None, guild_daily_units=None,
        PRICE_PER_UNIT=Decimal(1), BOT_MONTHLY_BUDGET=Decimal(3),
    )  # fmt: skip
    await harness.restart()
    await harness.submit(cheap(), user=1)
    await harness.fake.advance(2 * DAY)
    await harness.submit(cheap(), user=2)
    with pytest.raises(QuotaExceededError) as refused:
        await harness.submit(cheap(), user=3)
    assert refused.value.refusal.limit.value == "bot_monthly_budget"
    assert refused.value.frees_at is not None
    assert refused.value.frees_at > harness.fake.clock.now() + 27 * DAY


async def alerts_sent(harness: Harness, count: int) -> None:
    """Wait until `count` budget alerts went out (they are sent in the background; a loaded machine is slow)."""
    for _ in range(ALERT_WAIT_STEPS):
        if len(harness.alerts.budgets) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{len(harness.alerts.budgets)} budget alert(s) sent, {count} expected")


@pytest.mark.parametrize("dialect", ["official"])
async def test_the_bots_budget_alerts_the_operators_once_per_window(harness: Harness) -> None:
    """Crossing 80 % of the bot's daily budget alerts the operators once; crossing it again that day doesn't."""
    harness.quota = QuotaSettings(
        _env_file=None, user_max_active=None, user_daily_units=None, guild_daily_units=None,
        PRICE_PER_UNIT=Decimal(1), BOT_DAILY_BUDGET=Decimal(3),
    )  # fmt: skip
    await harness.restart()
    first = await harness.submit(cheap(), user=1)  # 1.5 of 3: 50 %
    await harness.submit(cheap(), user=2)  # 3 of 3: 80 % and 100 %
    await alerts_sent(harness, 2)
    assert [(a.limit, a.guild_id, a.threshold) for a in harness.alerts.budgets] == [
        ("bot_daily_budget", None, 80),
        ("bot_daily_budget", None, 100),
    ]
    await harness.fake.advance(DAY + 1)  # a new day: the first reservations no longer count
    await harness.submit(cheap(), user=3)
    await harness.submit(cheap(), user=4)
    await alerts_sent(harness, 4)
    await asyncio.sleep(0.05)  # and no more than that
    assert len(harness.alerts.budgets) == 4  # once per threshold per window
    assert first.id


@pytest.mark.parametrize("dialect", ["official"])
async def test_a_budget_no_request_can_fill_exactly_still_alerts_when_used_up(harness: Harness) -> None:
    """$1 at $0.14 a unit is 7.14 units: 1.5-unit requests never land on 100 %; the refusal says it's used up."""
    harness.quota = QuotaSettings(
        _env_file=None, user_max_active=None, user_daily_units=None, guild_daily_units=None,
        PRICE_PER_UNIT=Decimal("0.14"), BOT_DAILY_BUDGET=Decimal(1),
    )  # fmt: skip
    await harness.restart()
    for user in range(4):  # 6 of 7.14 units: 84 %
        await harness.submit(cheap(), user=user)
    with pytest.raises(QuotaExceededError):
        await harness.submit(cheap(), user=9)
    with pytest.raises(QuotaExceededError):
        await harness.submit(cheap(), user=10)
    await alerts_sent(harness, 2)
    await asyncio.sleep(0.05)  # and no more than that
    assert [(a.limit, a.threshold) for a in harness.alerts.budgets] == [
        ("bot_daily_budget", 80),
        ("bot_daily_budget", 100),
    ]
