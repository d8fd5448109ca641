"""The quota ledger (reserve, then charge or refund) and per-guild and per-role policy."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TypeVar

import aiosqlite

from bot.vocabulary import ACTIVE_STATES
from db.models import NewTask, PolicyOverride, Usage, UsageRow, from_cents, to_cents
from db.sqlite import SqliteDatabase
from db.tasks import SqliteTasks

# Reservations that still count: made within the window and not refunded.
COUNTED = (
    "FROM quota_ledger r WHERE r.entry = 'reserve' AND r.created_at > ? {scope} "
    "AND NOT EXISTS (SELECT 1 FROM quota_ledger f WHERE f.task_id = r.task_id AND f.entry = 'refund')"
)
USER_SCOPE = "AND r.guild_id = ? AND r.user_id = ?"
GUILD_SCOPE = "AND r.guild_id = ?"
BOT_SCOPE = ""
GUILD_COLUMNS = (
    "user_daily_units",
    "user_max_active",
    "guild_daily_units",
    "user_monthly_units",
    "guild_monthly_units",
)
ROLE_COLUMNS = ("user_daily_units", "user_max_active", "user_monthly_units")
COUNT_COLUMNS = frozenset({"user_max_active"})
MONTH = 30 * 24 * 3600.0  # the monthly limits' rolling window
USAGE_GROUPS = {
    "guild": "t.guild_id",
    "user": "t.user_id",
    "model": "COALESCE(json_extract(t.params, '$.model'), '')",
    "day": "date(t.created_at, 'unixepoch')",
}
RefusalT = TypeVar("RefusalT")


class SqliteQuotas:
    """Quota reservations and policies on SQLite."""

    def __init__(self, database: SqliteDatabase, tasks: SqliteTasks) -> None:
        self._db = database
        self._tasks = tasks

    async def reserve(
        self,
        task: NewTask,
        decide: Callable[[Usage], RefusalT | None],
        *,
        now: float,
        window: float,
        bot_windows: tuple[float, float] | None = None,
    ) -> RefusalT | None:
        """Read the member's usage, ask `decide`, and insert the task and its reservation if it says yes.

        All in one write transaction, so concurrent requests each see the others' reservations.
        Returns None when accepted, or what `decide` refused with.
        """
        async with self._db.transaction() as conn:
            refusal = decide(await _usage(conn, task.guild_id, task.user_id, now - window, now, bot_windows))
            if refusal is not None:
                return refusal
            await self._tasks.insert(conn, task, now)
            await conn.execute(
                "INSERT INTO quota_ledger (task_id, guild_id, user_id, entry, units, created_at) "
                "VALUES (?, ?, ?, 'reserve', ?, ?)",
                (task.id, task.guild_id, task.user_id, to_cents(task.units), now),
            )
        return None

    async def usage(
        self, guild_id: int, user_id: int, *, now: float, window: float, bot_windows: tuple[float, float] | None = None
    ) -> Usage:
        """Return what a user has used in the window and how many tasks they have active.

        With `bot_windows` (day, month) in seconds, also the whole bot's reservations in each.
        """
        return await _usage(self._db.connection, guild_id, user_id, now - window, now, bot_windows)

    async def counted_reservations(
        self, guild_id: int | None, user_id: int | None, *, since: float
    ) -> list[tuple[float, Decimal]]:
        """Return `(created_at, units)` of the reservations still counting since `since`, oldest first.

        With `user_id` None, the whole guild's; with `guild_id` None too, the whole bot's.
        """
        params: tuple[float | int, ...] = (since,)
        scope = BOT_SCOPE
        if guild_id is not None:
            params, scope = (since, guild_id), GUILD_SCOPE
            if user_id is not None:
                params, scope = (since, guild_id, user_id), USER_SCOPE
        sql = "SELECT r.created_at, r.units " + COUNTED.format(scope=scope) + " ORDER BY r.created_at"
        async with self._db.connection.execute(sql, params) as cursor:
            return [(float(at), from_cents(units) or Decimal(0)) for at, units in await cursor.fetchall()]

    async def ledger(self, task_id: str) -> dict[str, Decimal]:
        """Return a task's ledger entries by kind (reserve, charge, refund)."""
        async with self._db.connection.execute(
            "SELECT entry, units FROM quota_ledger WHERE task_id = ?", (task_id,)
        ) as cursor:
            return {row[0]: from_cents(row[1]) or Decimal(0) for row in await cursor.fetchall()}

    async def usage_report(
        self, since: float, until: float, guild_id: int | None = None, by: Sequence[str] = ("guild", "user")
    ) -> list[UsageRow]:
        """Return tasks and units for tasks created in [since, until), grouped `by` guild, user, model and/or day."""
        groups = ", ".join(USAGE_GROUPS[name] for name in by)
        scope = "AND t.guild_id = ?" if guild_id is not None else ""
        params: tuple[float | int, ...] = (since, until, guild_id) if guild_id is not None else (since, until)
        sql = (
            f"SELECT {groups}, COUNT(*), "
            "SUM(CASE WHEN t.outcome = 'succeeded' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN t.outcome = 'failed' THEN 1 ELSE 0 END), "
            "COALESCE(SUM(CASE WHEN l.entry = 'charge' THEN l.units END), 0), "
            "COALESCE(SUM(CASE WHEN l.entry = 'refund' THEN l.units END), 0) "
            "FROM tasks t LEFT JOIN quota_ledger l ON l.task_id = t.id AND l.entry IN ('charge', 'refund') "
            f"WHERE t.created_at >= ? AND t.created_at < ? {scope} "
            f"GROUP BY {groups} ORDER BY {groups}"
        )
        width = len(by)
        async with self._db.connection.execute(sql, params) as cursor:
            return [
                UsageRow(
                    keys=tuple(r[:width]),
                    tasks=r[width],
                    succeeded=r[width + 1],
                    failed=r[width + 2],
                    units_charged=from_cents(r[width + 3]) or Decimal(0),
                    units_refunded=from_cents(r[width + 4]) or Decimal(0),
                )
                for r in await cursor.fetchall()
            ]

    async def guild_policy(self, guild_id: int) -> PolicyOverride | None:
        """Return the guild's own policy, if an admin set one."""
        async with self._db.connection.execute(
            f"SELECT {', '.join(GUILD_COLUMNS)} FROM guild_policies WHERE guild_id = ?", (guild_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else _policy(GUILD_COLUMNS, row)

    async def set_guild_policy(self, guild_id: int, policy: PolicyOverride, *, now: float) -> None:
        """Replace the guild's policy."""
        async with self._db.transaction() as conn:
            await conn.execute(
                f"INSERT OR REPLACE INTO guild_policies (guild_id, {', '.join(GUILD_COLUMNS)}, updated_at) "
                f"VALUES (?, {', '.join('?' * len(GUILD_COLUMNS))}, ?)",
                (guild_id, *_columns(GUILD_COLUMNS, policy), now),
            )

    async def role_policies(self, guild_id: int, role_ids: Sequence[int] | None = None) -> dict[int, PolicyOverride]:
        """Return the role overrides of a guild (only `role_ids` when given)."""
        async with self._db.connection.execute(
            f"SELECT role_id, {', '.join(ROLE_COLUMNS)} FROM role_policies WHERE guild_id = ?", (guild_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        wanted = set(role_ids) if role_ids is not None else None
        return {row[0]: _policy(ROLE_COLUMNS, row[1:]) for row in rows if wanted is None or row[0] in wanted}

    async def set_role_policy(self, guild_id: int, role_id: int, policy: PolicyOverride | None, *, now: float) -> None:
        """Set (or with None, remove) a role's override."""
        async with self._db.transaction() as conn:
            if policy is None:
                await conn.execute("DELETE FROM role_policies WHERE guild_id = ? AND role_id = ?", (guild_id, role_id))
                return
            await conn.execute(
                f"INSERT OR REPLACE INTO role_policies (guild_id, role_id, {', '.join(ROLE_COLUMNS)}, updated_at) "
                f"VALUES (?, ?, {', '.join('?' * len(ROLE_COLUMNS))}, ?)",
                (guild_id, role_id, *_columns(ROLE_COLUMNS, policy), now),
            )


async def _usage(
    conn: aiosqlite.Connection,
    guild_id: int,
    user_id: int,
    since: float,
    now: float,
    bot_windows: tuple[float, float] | None,
) -> Usage:
    params = (since, guild_id, user_id)
    day, month = (
        (await _sum(conn, BOT_SCOPE, (now - bot_windows[0],)), await _sum(conn, BOT_SCOPE, (now - bot_windows[1],)))
        if bot_windows is not None
        else (0, 0)
    )
    async with conn.execute("SELECT MIN(r.created_at) " + COUNTED.format(scope=USER_SCOPE), params) as cursor:
        oldest = await cursor.fetchone()
    return Usage(
        units_used=from_cents(await _sum(conn, USER_SCOPE, params)) or Decimal(0),
        active_tasks=await _active(conn, guild_id, user_id),
        guild_units_used=from_cents(await _sum(conn, GUILD_SCOPE, (since, guild_id))) or Decimal(0),
        oldest_counted_at=float(oldest[0]) if oldest and oldest[0] is not None else None,
        units_month=from_cents(await _sum(conn, USER_SCOPE, (now - MONTH, guild_id, user_id))) or Decimal(0),
        guild_units_month=from_cents(await _sum(conn, GUILD_SCOPE, (now - MONTH, guild_id))) or Decimal(0),
        bot_units_day=from_cents(day) or Decimal(0),
        bot_units_month=from_cents(month) or Decimal(0),
    )


async def _sum(conn: aiosqlite.Connection, scope: str, params: tuple[float | int, ...]) -> int:
    async with conn.execute("SELECT COALESCE(SUM(r.units), 0) " + COUNTED.format(scope=scope), params) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def _active(conn: aiosqlite.Connection, guild_id: int, user_id: int) -> int:
    marks = ", ".join("?" * len(ACTIVE_STATES))
    async with conn.execute(
        f"SELECT COUNT(*) FROM tasks WHERE guild_id = ? AND user_id = ? AND state IN ({marks})",
        (guild_id, user_id, *ACTIVE_STATES),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


def _cents(units: Decimal | None) -> int | None:
    return None if units is None else to_cents(units)


def _columns(names: tuple[str, ...], policy: PolicyOverride) -> list[int | None]:
    """Return the policy's values for `names` as stored (units in hundredths, counts as they are)."""
    return [getattr(policy, n) if n in COUNT_COLUMNS else _cents(getattr(policy, n)) for n in names]


def _policy(names: tuple[str, ...], row: Sequence[int | None]) -> PolicyOverride:
    values = {n: v if n in COUNT_COLUMNS else from_cents(v) for n, v in zip(names, row, strict=True)}
    return PolicyOverride.model_validate(values)
