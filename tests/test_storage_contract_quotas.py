"""The quota repository's contract on SQLite and PostgreSQL: reservations stay exact under a race (also from
two processes), usage windows, the release times' reservations, the usage report's groups, and policies."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from bot.vocabulary import Outcome, TaskState
from db import Storage, open_storage
from db.models import NewTask, PolicyOverride, Usage
from tests.storage import DAY, add_task, new_task

S = TaskState
MONTH = 30 * DAY
ROOM = 3
RACERS = 50


async def race(storages: list[Storage], tasks: list[NewTask], fits: str, *, bot: bool) -> list[Usage]:
    """Reserve every task at once (spread over `storages`); return the usage each accepted one was decided on."""
    accepted: list[Usage] = []

    def decide(usage: Usage) -> str | None:
        if getattr(usage, fits) + 1 > ROOM:
            return "full"
        accepted.append(usage)
        return None

    windows = (DAY, MONTH) if bot else None
    results = await asyncio.gather(
        *(
            storages[i % len(storages)].quotas.reserve(task, decide, now=100.0, window=DAY, bot_windows=windows)
            for i, task in enumerate(tasks)
        )
    )
    assert results.count(None) == len(accepted)
    return accepted


@pytest.mark.parametrize(
    ("scope", "fits"),
    [("member", "units_used"), ("guild", "guild_units_used"), ("bot", "bot_units_day")],
)
@pytest.mark.parametrize("processes", [1, 2])
async def test_fifty_way_reservation_race_stays_exact(
    storage: Storage, database_url: str, scope: str, fits: str, processes: int
) -> None:
    """50 concurrent requests with room for 3 (one member's, one guild's, or the bot's budget): exactly 3 get in,
    each having seen the others, also when the requests come through two separately opened storages."""
    tasks = [
        new_task(f"t{i}", guild=1 if scope != "bot" else i, user=1 if scope == "member" else i) for i in range(RACERS)
    ]
    storages = [storage] + [await open_storage(database_url) for _ in range(processes - 1)]
    try:
        accepted = await race(storages, tasks, fits, bot=scope == "bot")
    finally:
        for other in storages[1:]:
            await other.close()
    assert len(accepted) == ROOM
    assert sorted(getattr(usage, fits) for usage in accepted) == [Decimal(0), Decimal(1), Decimal(2)]
    assert sum([len(await storage.quotas.ledger(task.id)) for task in tasks]) == ROOM
    assert len(await storage.tasks.in_states([S.QUEUED])) == ROOM


async def test_a_refusal_stores_nothing(storage: Storage) -> None:
    """What `decide` refuses comes back as it is, and neither the task nor a reservation is stored."""
    refusal = await storage.quotas.reserve(new_task("t1"), lambda _usage: "no", now=1.0, window=DAY)
    assert refusal == "no"
    assert await storage.tasks.get("t1") is None
    assert await storage.quotas.ledger("t1") == {}


async def test_usage_counts_the_window_active_tasks_and_not_refunds(storage: Storage) -> None:
    """A member's, their guild's and the bot's reservations in each window; refunded ones and older ones don't count."""
    now = 40 * DAY
    for task_id, guild, user, units, at in [
        ("old", 1, 1, "9", now - 40 * DAY),  # outside every window
        ("month", 1, 1, "4", now - 10 * DAY),  # in the 30 days only
        ("day1", 1, 1, "1.25", now - 3600),
        ("day2", 1, 1, "2", now - 60),
        ("refunded", 1, 1, "5", now - 30),
        ("peer", 1, 2, "0.5", now - 30),  # same guild, another member
        ("elsewhere", 2, 1, "7", now - 30),  # another guild
    ]:
        await add_task(storage, new_task(task_id, guild=guild, user=user, units=units), at=at)
    await storage.tasks.transition("refunded", [S.QUEUED], S.FAILED, now=now, settle="refund")
    await storage.tasks.transition("month", [S.QUEUED], S.FAILED, now=now, outcome=Outcome.FAILED)
    usage = await storage.quotas.usage(1, 1, now=now, window=DAY, bot_windows=(DAY, MONTH))
    assert usage == Usage(
        units_used=Decimal("3.25"), active_tasks=3, guild_units_used=Decimal("3.75"), oldest_counted_at=now - 3600,
        units_month=Decimal("7.25"), guild_units_month=Decimal("7.75"), bot_units_day=Decimal("10.75"),
        bot_units_month=Decimal("14.75"),
    )  # fmt: skip
    plain = await storage.quotas.usage(1, 1, now=now, window=DAY)
    assert (plain.bot_units_day, plain.bot_units_month, plain.units_used) == (Decimal(0), Decimal(0), Decimal("3.25"))
    member = await storage.quotas.counted_reservations(1, 1, since=now - DAY)
    assert member == [(now - 3600, Decimal("1.25")), (now - 60, Decimal("2"))]
    guild = await storage.quotas.counted_reservations(1, None, since=now - DAY)
    assert [units for _, units in guild] == [Decimal("1.25"), Decimal("2"), Decimal("0.5")]
    everyone = await storage.quotas.counted_reservations(None, None, since=now - DAY)
    assert sorted(units for _, units in everyone) == [Decimal("0.5"), Decimal("1.25"), Decimal("2"), Decimal("7")]


async def test_usage_report_groups_like_sqlite(storage: Storage) -> None:
    """Tasks, outcomes, charges and refunds per guild, user, model and UTC day, in key order (text byte-wise)."""
    day2 = 2 * DAY + 5.0
    for task_id, guild, user, model, at in [
        ("a", 1, 1, "alpha", 10.0), ("b", 1, 1, "Zeta", 20.0), ("c", 1, 2, "alpha", day2),
        ("d", 2, 1, None, day2), ("late", 1, 1, "alpha", 10 * DAY),
    ]:  # fmt: skip
        await add_task(storage, new_task(task_id, guild=guild, user=user, model=model, units="1.5"), at=at)
    await storage.tasks.transition("a", [S.QUEUED], S.SUBMITTING, now=30.0)
    await storage.tasks.transition(
        "a", [S.SUBMITTING], S.SUCCEEDED, now=31.0, settle="charge", outcome=Outcome.SUCCEEDED
    )
    await storage.tasks.transition("b", [S.QUEUED], S.FAILED, now=31.0, settle="refund", outcome=Outcome.FAILED)
    report = await storage.quotas.usage_report(0.0, 5 * DAY)
    assert [(r.keys, r.tasks, r.succeeded, r.failed, r.units_charged, r.units_refunded) for r in report] == [
        ((1, 1), 2, 1, 1, Decimal("1.5"), Decimal("1.5")),
        ((1, 2), 1, 0, 0, Decimal(0), Decimal(0)),
        ((2, 1), 1, 0, 0, Decimal(0), Decimal(0)),
    ]
    by_model = await storage.quotas.usage_report(0.0, 5 * DAY, by=("model",))
    assert [(r.keys, r.tasks) for r in by_model] == [(("",), 1), (("Zeta",), 1), (("alpha",), 2)]
    by_day = await storage.quotas.usage_report(0.0, 5 * DAY, guild_id=1, by=("day", "model"))
    assert [r.keys for r in by_day] == [("1970-01-01", "Zeta"), ("1970-01-01", "alpha"), ("1970-01-03", "alpha")]
    assert await storage.quotas.usage_report(0.0, 10.0) == []  # [since, until)


async def test_guild_and_role_policies(storage: Storage) -> None:
    """A guild's policy is replaced whole; role overrides are set, filtered by role and removed."""
    assert await storage.quotas.guild_policy(1) is None
    first = PolicyOverride(user_daily_units=Decimal("12.5"), user_max_active=2, guild_monthly_units=Decimal(900))
    await storage.quotas.set_guild_policy(1, first, now=1.0)
    assert await storage.quotas.guild_policy(1) == first
    second = PolicyOverride(guild_daily_units=Decimal("0.01"))
    await storage.quotas.set_guild_policy(1, second, now=2.0)
    assert await storage.quotas.guild_policy(1) == second
    vip = PolicyOverride(user_daily_units=Decimal(50), user_monthly_units=Decimal("500.75"))
    staff = PolicyOverride(user_max_active=9)
    await storage.quotas.set_role_policy(1, 30, vip, now=3.0)
    await storage.quotas.set_role_policy(1, 20, staff, now=3.0)
    await storage.quotas.set_role_policy(2, 20, vip, now=3.0)
    assert await storage.quotas.role_policies(1) == {20: staff, 30: vip}
    assert list(await storage.quotas.role_policies(1)) == [20, 30]
    assert await storage.quotas.role_policies(1, [30, 99]) == {30: vip}
    await storage.quotas.set_role_policy(1, 30, staff, now=4.0)
    await storage.quotas.set_role_policy(1, 20, None, now=4.0)
    assert await storage.quotas.role_policies(1) == {30: staff}
