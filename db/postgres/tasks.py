"""Task rows on PostgreSQL: insert, compare-and-set transitions, and the queries the engine's loops wake for.

Every query returns what `db.tasks` returns on SQLite, in the same order: ties in time are broken by
`seq` (insertion order, which is how SQLite's rowid scans break them) and text sorts byte-wise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from bot.vocabulary import ACTIVE_STATES, ALLOWED_MOVES, IN_FLIGHT_STATES, TaskKind, TaskState
from db.models import NO_LEASE, NewTask, TaskRecord, to_cents
from db.postgres.database import Connection, PostgresDatabase
from db.postgres.rows import assignments, task_from_row
from db.repository import Settlement
from db.tasks import DELIVERY_DUE, STRAY_DELIVERIES

# Round-robin across users, as `db.tasks.FAIR_QUEUE`: a task's rank is its place among its owner's queued
# tasks plus the turns the owner has had since the oldest waiting task arrived.
RANKED = """
    SELECT t.*,
        ROW_NUMBER() OVER (PARTITION BY t.guild_id, t.user_id ORDER BY t.created_at, t.id)
        + (SELECT COUNT(*) FROM tasks f WHERE f.guild_id = t.guild_id AND f.user_id = t.user_id
           AND (f.state IN ('submitting', 'submitted', 'processing') OR f.submitted_at >= w.oldest)) AS user_rank
    FROM tasks t, (SELECT MIN(created_at) AS oldest FROM tasks WHERE state = 'queued') w
    WHERE t.state = 'queued'
"""
FAIR_ORDER = "user_rank, created_at, id"
# Claim due deliveries (as `db.tasks.CLAIMABLE`), skipping rows another process is claiming this instant.
CLAIM_DELIVERIES = """
    WITH picked AS (
        SELECT id, state FROM tasks
        WHERE next_delivery_at IS NOT NULL AND next_delivery_at <= $1 AND (state IN ('succeeded', 'failed')
              OR (state = 'delivering' AND (lease_until IS NULL OR lease_until <= $1)))
        ORDER BY next_delivery_at, seq LIMIT $4
        FOR UPDATE SKIP LOCKED
    )
    UPDATE tasks t SET state = 'delivering', lease_owner = $2, lease_until = $3, next_delivery_at = $3,
        delivery_attempts = t.delivery_attempts + 1, updated_at = $1
    FROM picked WHERE t.id = picked.id
    RETURNING t.*, picked.state AS claimed_from
"""
STRAYS = STRAY_DELIVERIES.replace("?", "$1")  # the same statement, with PostgreSQL's placeholder


class PostgresTasks:
    """Task storage on PostgreSQL."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def insert(self, conn: Connection, task: NewTask, now: float) -> None:
        """Insert a queued task inside the caller's transaction."""
        await conn.execute(
            "INSERT INTO tasks (id, provider, kind, guild_id, channel_id, user_id, params, images, state, "
            "callback_token, slots, units_reserved, deliver_to, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $9, $10, $11, $12, $13, $13)",
            task.id, task.provider, task.kind.value, task.guild_id, task.channel_id, task.user_id,
            json.dumps(task.params), json.dumps([image.model_dump() for image in task.images]),
            task.callback_token, task.slots, to_cents(task.units), task.deliver_to, now,
        )  # fmt: skip

    async def get(self, task_id: str) -> TaskRecord | None:
        """Return one task, or None."""
        row = await self._db.fetchrow("SELECT * FROM tasks WHERE id = $1", task_id)
        return None if row is None else task_from_row(row)

    async def transition(
        self,
        task_id: str,
        from_states: Iterable[TaskState],
        to_state: TaskState,
        *,
        now: float,
        settle: Settlement | None = None,
        holder: str | None = None,
        **fields: Any,
    ) -> TaskRecord | None:
        """Move a task to `to_state` only if it is in one of `from_states` (and, given a `holder`, only while
        that process holds its lease); None if it was not.

        One `UPDATE … WHERE state = ANY(…)`: the row lock makes a competing move wait, then find the
        state changed. A move ends the task's lease unless `fields` set a new one. The state change, the
        other fields and the quota settlement commit together.
        """
        sources = list(from_states)
        illegal = [state for state in sources if to_state not in ALLOWED_MOVES[state]]
        if illegal:
            raise ValueError(f"No move from {[s.value for s in illegal]} to {to_state.value}")
        fields = {**NO_LEASE, **fields}
        if settle == "charge":
            fields.pop("units_charged", None)
        sql, values = assignments(fields, 3)
        charged = _charged(fields) if settle == "charge" else ""
        where = len(values) + 3
        async with self._db.transaction() as conn:
            row = await conn.fetchrow(
                f"UPDATE tasks SET state = $1, updated_at = $2{sql}{charged} "
                f"WHERE id = ${where} AND state = ANY(${where + 1}::text[]){_fence(holder, where + 2)} RETURNING *",
                to_state.value, now, *values, task_id, _values(sources), *_held(holder),
            )  # fmt: skip
            if row is None:
                return None
            if settle is not None:
                await settle_ledger(conn, task_id, settle, now)
        return task_from_row(row)

    async def update(self, task_id: str, *, now: float, holder: str | None = None, **fields: Any) -> None:
        """Change fields (never the state) of a task; given a `holder`, only while that process holds its lease."""
        sql, values = assignments(fields, 2)
        where = len(values) + 2
        await self._db.pool.execute(
            f"UPDATE tasks SET updated_at = $1{sql} WHERE id = ${where}{_fence(holder, where + 1)}",
            now, *values, task_id, *_held(holder),
        )  # fmt: skip

    async def take_lease(
        self, task_id: str, states: Iterable[TaskState], owner: str, *, now: float, until: float, **fields: Any
    ) -> TaskRecord | None:
        """Lease a task in one of `states` to `owner` until `until` (with `fields`); None if it is in another
        state or a live lease is on it (even `owner`'s: work under it is going on)."""
        sql, values = assignments({**fields, "lease_owner": owner, "lease_until": until}, 2)
        where = len(values) + 2
        row = await self._db.fetchrow(
            f"UPDATE tasks SET updated_at = $1{sql} WHERE id = ${where} AND state = ANY(${where + 1}::text[]) "
            "AND (lease_owner IS NULL OR lease_until IS NULL OR lease_until <= $1) RETURNING *",
            now, *values, task_id, _values(states),
        )  # fmt: skip
        return None if row is None else task_from_row(row)

    async def renew_lease(self, task_id: str, owner: str, *, now: float, until: float, **fields: Any) -> bool:
        """Extend `owner`'s lease on a task to `until` (with `fields`); False if `owner` no longer holds it (the
        task moved on, the lease was given back, or another process took it over)."""
        sql, values = assignments({**fields, "lease_until": until}, 2)
        where = len(values) + 2
        status = await self._db.pool.execute(
            f"UPDATE tasks SET updated_at = $1{sql} WHERE id = ${where} AND lease_owner = ${where + 1}",
            now, *values, task_id, owner,
        )  # fmt: skip
        return status == "UPDATE 1"

    async def claim_deliveries(
        self, owner: str, *, now: float, until: float, limit: int
    ) -> list[tuple[TaskRecord, TaskState]]:
        """Claim up to `limit` due deliveries for `owner` until `until` (finished tasks, and deliveries whose lease
        ran out), each moved to `delivering` with one more attempt; return each with the state it was claimed from.

        `FOR UPDATE SKIP LOCKED`: processes claiming at once each get other tasks, and none waits for another.
        """
        async with self._db.transaction() as conn:
            await conn.execute(STRAYS, now)
            rows = await conn.fetch(CLAIM_DELIVERIES, now, owner, until, limit)
        return [(task_from_row(row), TaskState(row["claimed_from"])) for row in rows]

    async def set_withheld(
        self, task_id: str, states: Iterable[TaskState], by_user_id: int, *, now: float
    ) -> TaskRecord | None:
        """Record who withheld the task's result, only if it is in one of `states` and not withheld already.

        One `UPDATE … WHERE state = ANY(…)`, like `transition`: it lands before a racing state change or not at all.
        """
        row = await self._db.fetchrow(
            "UPDATE tasks SET withheld_by = $1, updated_at = $2 "
            "WHERE id = $3 AND withheld_by IS NULL AND state = ANY($4::text[]) RETURNING *",
            by_user_id, now, task_id, [state.value for state in states],
        )  # fmt: skip
        return None if row is None else task_from_row(row)

    async def due_for_poll(self, now: float, limit: int) -> list[TaskRecord]:
        """Return in-flight tasks whose next check is due, oldest due first."""
        return await self._select(
            "SELECT * FROM tasks WHERE next_poll_at IS NOT NULL AND next_poll_at <= $1 ORDER BY next_poll_at, seq "
            "LIMIT $2",
            now,
            limit,
        )

    async def next_poll_at(self) -> float | None:
        """Return when the next check is due, if any task is being tracked."""
        value = await self._db.fetchval("SELECT MIN(next_poll_at) FROM tasks WHERE next_poll_at IS NOT NULL")
        return None if value is None else float(value)

    async def due_for_delivery(self, now: float, limit: int) -> list[TaskRecord]:
        """Return finished tasks whose (next) delivery attempt is due."""
        return await self._select(
            "SELECT * FROM tasks WHERE next_delivery_at IS NOT NULL AND next_delivery_at <= $1 "
            "ORDER BY next_delivery_at, seq LIMIT $2",
            now,
            limit,
        )

    async def next_delivery_at(self) -> float | None:
        """Return when the next delivery attempt is due (and its lease, if any, has run out), if any."""
        value = await self._db.fetchval(f"SELECT MIN({DELIVERY_DUE}) FROM tasks WHERE next_delivery_at IS NOT NULL")
        return None if value is None else float(value)

    async def queued_fair(self, limit: int) -> list[TaskRecord]:
        """Return queued tasks, first come first served but round-robin across users."""
        return await self._select(f"SELECT * FROM ({RANKED}) ranked ORDER BY {FAIR_ORDER} LIMIT $1", limit)

    async def queued_before(self, cutoff: float, limit: int) -> list[TaskRecord]:
        """Return tasks still queued that were accepted before `cutoff`."""
        return await self._select(
            "SELECT * FROM tasks WHERE state = 'queued' AND created_at < $1 ORDER BY created_at, seq LIMIT $2",
            cutoff,
            limit,
        )

    async def queue_position(self, task_id: str) -> int | None:
        """Return the task's 1-based place in the queue, or None if it is not queued."""
        value = await self._db.fetchval(
            f"SELECT place FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY {FAIR_ORDER}) AS place FROM ({RANKED}) ranked) "
            "placed WHERE id = $1",
            task_id,
        )
        return None if value is None else int(value)

    async def in_flight_slots(self) -> int:
        """Return the provider slots held by tasks submitted and not yet finished."""
        value = await self._db.fetchval(
            "SELECT COALESCE(SUM(slots), 0) FROM tasks WHERE state = ANY($1::text[])", _values(IN_FLIGHT_STATES)
        )
        return int(value or 0)

    async def in_states(self, states: Sequence[TaskState]) -> list[TaskRecord]:
        """Return every task in one of `states`, oldest first."""
        return await self._select(
            "SELECT * FROM tasks WHERE state = ANY($1::text[]) ORDER BY created_at, seq", _values(states)
        )

    async def for_user(self, guild_id: int, user_id: int, *, limit: int, offset: int = 0) -> list[TaskRecord]:
        """Return a user's tasks in a guild, newest first."""
        return await self._select(
            "SELECT * FROM tasks WHERE guild_id = $1 AND user_id = $2 ORDER BY created_at DESC, seq DESC "
            "LIMIT $3 OFFSET $4",
            guild_id, user_id, limit, offset,
        )  # fmt: skip

    async def count_active(self) -> int:
        """Return how many tasks are not finished yet."""
        value = await self._db.fetchval(
            "SELECT COUNT(*) FROM tasks WHERE state = ANY($1::text[])", _values(ACTIVE_STATES)
        )
        return int(value or 0)

    async def count_by_state(self) -> dict[TaskState, int]:
        """Return how many tasks are in each state."""
        rows = await self._db.fetch("SELECT state, COUNT(*) FROM tasks GROUP BY state")
        return {TaskState(row[0]): int(row[1]) for row in rows}

    async def archived_before(self, cutoff: float, limit: int) -> list[TaskRecord]:
        """Return posted (or given-up) tasks finished before `cutoff` whose results are still on disk."""
        return await self._select(
            "SELECT * FROM tasks WHERE state IN ('delivered', 'delivery_failed') AND finished_at < $1 "
            "AND archived_paths::text <> '[]' ORDER BY finished_at, seq LIMIT $2",
            cutoff,
            limit,
        )

    async def recent_generation_times(self, limit: int) -> list[tuple[TaskKind, dict[str, Any], float]]:
        """Return (kind, parameters, provider seconds) of the latest successes, oldest first."""
        rows = await self._db.fetch(
            "SELECT kind, params, generation_seconds FROM tasks WHERE generation_seconds IS NOT NULL "
            "ORDER BY finished_at DESC, seq LIMIT $1",
            limit,
        )
        return [(TaskKind(row[0]), json.loads(row[1]), float(row[2])) for row in reversed(rows)]

    async def image_hashes_in_use(self) -> set[str]:
        """Return the input image hashes of tasks not yet sent (their images must be kept)."""
        rows = await self._db.fetch("SELECT images FROM tasks WHERE state IN ('queued', 'submitting')")
        return {ref["sha256"] for row in rows for ref in json.loads(row[0])}

    async def _select(self, sql: str, *args: Any) -> list[TaskRecord]:
        return [task_from_row(row) for row in await self._db.fetch(sql, *args)]


async def settle_ledger(conn: Connection, task_id: str, entry: Settlement, now: float) -> None:
    """Write the task's charge or refund, from its reservation's row, unless it is already settled.

    Callers hold the task's row lock (their UPDATE), so two settlements of one task never race;
    UNIQUE(task_id, entry) would refuse a second one anyway.
    """
    await conn.execute(
        "INSERT INTO quota_ledger (task_id, guild_id, user_id, entry, units, created_at) "
        "SELECT task_id, guild_id, user_id, $1, units, $2 FROM quota_ledger WHERE task_id = $3 AND entry = 'reserve' "
        "AND NOT EXISTS (SELECT 1 FROM quota_ledger WHERE task_id = $3 AND entry IN ('charge', 'refund')) "
        "ON CONFLICT (task_id, entry) DO NOTHING",
        entry,
        now,
        task_id,
    )


def _charged(fields: dict[str, Any]) -> str:
    """Return the assignment that charges the reserved units, as SQLite does after its UPDATE (so a new
    `units_reserved` in the same move is the one charged)."""
    if "units_reserved" in fields:
        return f", units_charged = ${3 + list(fields).index('units_reserved')}"
    return ", units_charged = units_reserved"


def _fence(holder: str | None, index: int) -> str:
    """Return the condition that a write lands only while `holder` holds the task's lease (its value: `_held`)."""
    return "" if holder is None else f" AND lease_owner = ${index}"


def _held(holder: str | None) -> tuple[str, ...]:
    return () if holder is None else (holder,)


def _values(states: Iterable[TaskState]) -> list[str]:
    return [TaskState(state).value for state in states]
