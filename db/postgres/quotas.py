"""The quota ledger (reserve, then charge or refund) and per-guild and per-role policy, on PostgreSQL.

Reservations are serialised with transaction-level advisory locks rather than SERIALIZABLE: a bot-wide
budget makes every reservation read every other one's rows, so under SERIALIZABLE concurrent requests
would mostly abort and retry (a 50-way race turns into rounds of retries), while a lock queues them
and each takes a few indexed sums and two inserts. Without a bot-wide budget a reservation reads only
its own guild's rows, so it takes the bot-wide key shared and its guild's key exclusive: guilds don't
wait for one another. With one, it takes the bot-wide key exclusive and so waits for, and holds off,
every other reservation. The locks are always taken bot-wide first, then guild, so they never deadlock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TypeVar

from db.models import NewTask, Usage, UsageRow, from_cents, to_cents
from db.postgres.database import Connection, PostgresDatabase
from db.postgres.locks import GUILD_LOCK_NAMESPACE, LOCK_NAMESPACE, RESERVATION_LOCK, int4
from db.postgres.policies import PostgresPolicies
from db.postgres.tasks import PostgresTasks
from db.postgres.usage import counted_sql, read_usage

USAGE_GROUPS = {
    "guild": "t.guild_id",
    "user": "t.user_id",
    "model": "COALESCE(t.params->>'model', '') COLLATE \"C\"",
    "day": "to_char(to_timestamp(t.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD')",  # as SQLite's date(…, 'unixepoch')
}
RefusalT = TypeVar("RefusalT")


class PostgresQuotas(PostgresPolicies):
    """Quota reservations (and, from `PostgresPolicies`, policies) on PostgreSQL."""

    def __init__(self, database: PostgresDatabase, tasks: PostgresTasks) -> None:
        super().__init__(database)
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

        All in one transaction holding the reservation locks (see the module's docstring), so concurrent
        requests, from any process, each see the others' reservations. Returns None when accepted, or
        what `decide` refused with.
        """
        async with self._db.transaction() as conn:
            await _lock_reservations(conn, task.guild_id, bot_wide=bot_windows is not None)
            refusal = decide(await read_usage(conn, task.guild_id, task.user_id, now - window, now, bot_windows))
            if refusal is not None:
                return refusal
            await self._tasks.insert(conn, task, now)
            await conn.execute(
                "INSERT INTO quota_ledger (task_id, guild_id, user_id, entry, units, created_at) "
                "VALUES ($1, $2, $3, 'reserve', $4, $5)",
                task.id, task.guild_id, task.user_id, to_cents(task.units), now,
            )  # fmt: skip
        return None

    async def usage(
        self, guild_id: int, user_id: int, *, now: float, window: float, bot_windows: tuple[float, float] | None = None
    ) -> Usage:
        """Return what a user has used in the window and how many tasks they have active.

        With `bot_windows` (day, month) in seconds, also the whole bot's reservations in each.
        """
        async with self._db.pool.acquire() as conn:
            return await read_usage(conn, guild_id, user_id, now - window, now, bot_windows)

    async def counted_reservations(
        self, guild_id: int | None, user_id: int | None, *, since: float
    ) -> list[tuple[float, Decimal]]:
        """Return `(created_at, units)` of the reservations still counting since `since`, oldest first.

        With `user_id` None, the whole guild's; with `guild_id` None too, the whole bot's.
        """
        args: tuple[float | int, ...] = (since,)
        if guild_id is not None:
            args = (since, guild_id) if user_id is None else (since, guild_id, user_id)
        rows = await self._db.fetch(
            "SELECT r.created_at, r.units " + counted_sql(len(args) - 1) + " ORDER BY r.created_at, r.id", *args
        )
        return [(float(at), from_cents(units) or Decimal(0)) for at, units in rows]

    async def ledger(self, task_id: str) -> dict[str, Decimal]:
        """Return a task's ledger entries by kind (reserve, charge, refund)."""
        rows = await self._db.fetch("SELECT entry, units FROM quota_ledger WHERE task_id = $1 ORDER BY id", task_id)
        return {row[0]: from_cents(row[1]) or Decimal(0) for row in rows}

    async def usage_report(
        self, since: float, until: float, guild_id: int | None = None, by: Sequence[str] = ("guild", "user")
    ) -> list[UsageRow]:
        """Return tasks and units for tasks created in [since, until), grouped `by` guild, user, model and/or day."""
        width = len(by)
        columns = ", ".join(USAGE_GROUPS[name] for name in by)
        places = ", ".join(str(i + 1) for i in range(width))
        scope = "AND t.guild_id = $3" if guild_id is not None else ""
        args = (since, until, guild_id) if guild_id is not None else (since, until)
        rows = await self._db.fetch(
            f"SELECT {columns}, COUNT(*), "
            "SUM(CASE WHEN t.outcome = 'succeeded' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN t.outcome = 'failed' THEN 1 ELSE 0 END), "
            "COALESCE(SUM(CASE WHEN l.entry = 'charge' THEN l.units END), 0)::bigint, "
            "COALESCE(SUM(CASE WHEN l.entry = 'refund' THEN l.units END), 0)::bigint "
            "FROM tasks t LEFT JOIN quota_ledger l ON l.task_id = t.id AND l.entry IN ('charge', 'refund') "
            f"WHERE t.created_at >= $1 AND t.created_at < $2 {scope} "
            f"GROUP BY {places} ORDER BY {places}",
            *args,
        )
        return [
            UsageRow(
                keys=tuple(r[:width]),
                tasks=r[width],
                succeeded=r[width + 1],
                failed=r[width + 2],
                units_charged=from_cents(r[width + 3]) or Decimal(0),
                units_refunded=from_cents(r[width + 4]) or Decimal(0),
            )
            for r in rows
        ]


async def _lock_reservations(conn: Connection, guild_id: int, *, bot_wide: bool) -> None:
    """Take the reservation locks, held until the transaction ends (see the module's docstring)."""
    if bot_wide:
        await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_NAMESPACE, RESERVATION_LOCK)
        return
    await conn.execute("SELECT pg_advisory_xact_lock_shared($1, $2)", LOCK_NAMESPACE, RESERVATION_LOCK)
    await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", GUILD_LOCK_NAMESPACE, int4(guild_id))
