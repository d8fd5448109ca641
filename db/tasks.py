"""Task rows: insert, compare-and-set transitions, and the queries the engine's loops wake for."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import aiosqlite

from bot.vocabulary import ACTIVE_STATES, ALLOWED_MOVES, IN_FLIGHT_STATES, TaskKind, TaskState
from db.models import NO_LEASE, NewTask, TaskRecord, to_cents
from db.sqlite import SqliteDatabase
from db.task_columns import assignments as placed_assignments
from db.task_columns import record_from_columns

Settlement = Literal["charge", "refund"]

# Round-robin across users: a task's rank is its place among its owner's queued tasks plus the turns
# the owner has had since the oldest waiting task arrived (tasks in flight, or sent since then), so
# someone whose work is running or just ran waits behind someone who has had nothing.
FAIR_QUEUE = """
    SELECT * FROM (
        SELECT t.*,
            ROW_NUMBER() OVER (PARTITION BY t.guild_id, t.user_id ORDER BY t.created_at, t.id)
            + (SELECT COUNT(*) FROM tasks f WHERE f.guild_id = t.guild_id AND f.user_id = t.user_id
               AND (f.state IN ('submitting', 'submitted', 'processing') OR f.submitted_at >= w.oldest)) AS user_rank
        FROM tasks t, (SELECT MIN(created_at) AS oldest FROM tasks WHERE state = 'queued') w
        WHERE t.state = 'queued'
    ) ORDER BY user_rank, created_at, id
"""

# A claimed delivery is due again when its attempt is and its lease has run out (whichever is later).
DELIVERY_DUE = (
    "CASE WHEN lease_until IS NOT NULL AND lease_until > next_delivery_at THEN lease_until ELSE next_delivery_at END"
)
# Due deliveries any process may claim: finished tasks, and deliveries nobody holds a live lease on.
CLAIMABLE = (
    "next_delivery_at IS NOT NULL AND next_delivery_at <= ? AND (state IN ('succeeded', 'failed') OR "
    "(state = 'delivering' AND (lease_until IS NULL OR lease_until <= ?))) ORDER BY next_delivery_at"
)
# A delivery time left on a task in no deliverable state would be due for ever: forget it.
STRAY_DELIVERIES = (
    "UPDATE tasks SET next_delivery_at = NULL WHERE next_delivery_at IS NOT NULL AND next_delivery_at <= ? "
    "AND state NOT IN ('succeeded', 'failed', 'delivering')"
)


class SqliteTasks:
    """Task storage on SQLite."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def insert(self, conn: aiosqlite.Connection, task: NewTask, now: float) -> None:
        """Insert a queued task inside the caller's transaction."""
        await conn.execute(
            "INSERT INTO tasks (id, provider, kind, guild_id, channel_id, user_id, params, images, state, "
            "callback_token, slots, units_reserved, deliver_to, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)",
            (
                task.id, task.provider, task.kind, task.guild_id, task.channel_id, task.user_id,
                json.dumps(task.params), json.dumps([image.model_dump() for image in task.images]),
                task.callback_token, task.slots, to_cents(task.units), task.deliver_to, now, now,
            ),
        )  # fmt: skip

    async def get(self, task_id: str) -> TaskRecord | None:
        """Return one task, or None."""
        rows = await self._select("SELECT * FROM tasks WHERE id = ?", (task_id,))
        return rows[0] if rows else None

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

        A move ends the task's lease unless `fields` set a new one. The state change, the other fields and the
        quota settlement commit together or not at all.
        """
        sources = list(from_states)
        illegal = [state for state in sources if to_state not in ALLOWED_MOVES[state]]
        if illegal:
            raise ValueError(f"No move from {[s.value for s in illegal]} to {to_state.value}")
        allowed = [state.value for state in sources]
        assignments, values = _assignments({**NO_LEASE, **fields})
        marks = ", ".join("?" * len(allowed))
        fence, held = _fence(holder)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE tasks SET state = ?, updated_at = ?{assignments} WHERE id = ? AND state IN ({marks}){fence}",
                (to_state.value, now, *values, task_id, *allowed, *held),
            )
            if cursor.rowcount != 1:
                return None
            if settle is not None:
                await _settle(conn, task_id, settle, now)
        return await self.get(task_id)

    async def update(self, task_id: str, *, now: float, holder: str | None = None, **fields: Any) -> None:
        """Change fields (never the state) of a task; given a `holder`, only while that process holds its lease."""
        assignments, values = _assignments(fields)
        fence, held = _fence(holder)
        async with self._db.transaction() as conn:
            await conn.execute(
                f"UPDATE tasks SET updated_at = ?{assignments} WHERE id = ?{fence}",
                (now, *values, task_id, *held),
            )

    async def take_lease(
        self, task_id: str, states: Iterable[TaskState], owner: str, *, now: float, until: float, **fields: Any
    ) -> TaskRecord | None:
        """Lease a task in one of `states` to `owner` until `until` (with `fields`); None if it is in another
        state or a live lease is on it (even `owner`'s: work under it is going on)."""
        allowed = [state.value for state in states]
        assignments, values = _assignments({**fields, "lease_owner": owner, "lease_until": until})
        marks = ", ".join("?" * len(allowed))
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE tasks SET updated_at = ?{assignments} WHERE id = ? AND state IN ({marks}) "
                "AND (lease_owner IS NULL OR lease_until IS NULL OR lease_until <= ?)",
                (now, *values, task_id, *allowed, now),
            )
            if cursor.rowcount != 1:
                return None
        return await self.get(task_id)

    async def renew_lease(self, task_id: str, owner: str, *, now: float, until: float, **fields: Any) -> bool:
        """Extend `owner`'s lease on a task to `until` (with `fields`); False if `owner` no longer holds it (the
        task moved on, the lease was given back, or another process took it over)."""
        assignments, values = _assignments({**fields, "lease_until": until})
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE tasks SET updated_at = ?{assignments} WHERE id = ? AND lease_owner = ?",
                (now, *values, task_id, owner),
            )
            return cursor.rowcount == 1

    async def claim_deliveries(
        self, owner: str, *, now: float, until: float, limit: int
    ) -> list[tuple[TaskRecord, TaskState]]:
        """Claim up to `limit` due deliveries for `owner` until `until` (finished tasks, and deliveries whose lease
        ran out), each moved to `delivering` with one more attempt; return each with the state it was claimed from.

        One write transaction: no other claim can pick the same task.
        """
        async with self._db.transaction() as conn:
            await conn.execute(STRAY_DELIVERIES, (now,))
            async with conn.execute(f"SELECT id, state FROM tasks WHERE {CLAIMABLE} LIMIT ?", (now, now, limit)) as cur:
                picked = {row[0]: TaskState(row[1]) for row in await cur.fetchall()}
            marks = ", ".join("?" * len(picked))
            if picked:
                await conn.execute(
                    "UPDATE tasks SET state = 'delivering', lease_owner = ?, lease_until = ?, next_delivery_at = ?, "
                    f"delivery_attempts = delivery_attempts + 1, updated_at = ? WHERE id IN ({marks})",
                    (owner, until, until, now, *picked),
                )
        if not picked:
            return []
        claimed = await self._select(f"SELECT * FROM tasks WHERE id IN ({marks})", tuple(picked))
        return [(task, picked[task.id]) for task in claimed]

    async def set_withheld(
        self, task_id: str, states: Iterable[TaskState], by_user_id: int, *, now: float
    ) -> TaskRecord | None:
        """Record who withheld the task's result, only if it is in one of `states` and not withheld already.

        A compare-and-set like `transition`: it lands before a racing state change or not at all; None if not.
        """
        allowed = [state.value for state in states]
        marks = ", ".join("?" * len(allowed))
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE tasks SET withheld_by = ?, updated_at = ? "
                f"WHERE id = ? AND withheld_by IS NULL AND state IN ({marks})",
                (by_user_id, now, task_id, *allowed),
            )
            if cursor.rowcount != 1:
                return None
        return await self.get(task_id)

    async def due_for_poll(self, now: float, limit: int) -> list[TaskRecord]:
        """Return in-flight tasks whose next check is due, oldest due first."""
        return await self._select(
            "SELECT * FROM tasks WHERE next_poll_at IS NOT NULL AND next_poll_at <= ? ORDER BY next_poll_at LIMIT ?",
            (now, limit),
        )

    async def next_poll_at(self) -> float | None:
        """Return when the next check is due, if any task is being tracked."""
        value = await self._scalar("SELECT MIN(next_poll_at) FROM tasks WHERE next_poll_at IS NOT NULL", ())
        return None if value is None else float(value)

    async def due_for_delivery(self, now: float, limit: int) -> list[TaskRecord]:
        """Return finished tasks whose (next) delivery attempt is due."""
        return await self._select(
            "SELECT * FROM tasks WHERE next_delivery_at IS NOT NULL AND next_delivery_at <= ? "
            "ORDER BY next_delivery_at LIMIT ?",
            (now, limit),
        )

    async def next_delivery_at(self) -> float | None:
        """Return when the next delivery attempt is due (and its lease, if any, has run out), if any."""
        value = await self._scalar(f"SELECT MIN({DELIVERY_DUE}) FROM tasks WHERE next_delivery_at IS NOT NULL", ())
        return None if value is None else float(value)

    async def queued_fair(self, limit: int) -> list[TaskRecord]:
        """Return queued tasks, first come first served but round-robin across users."""
        return await self._select(f"{FAIR_QUEUE} LIMIT ?", (limit,))

    async def queued_before(self, cutoff: float, limit: int) -> list[TaskRecord]:
        """Return tasks still queued that were accepted before `cutoff`."""
        return await self._select(
            "SELECT * FROM tasks WHERE state = 'queued' AND created_at < ? ORDER BY created_at LIMIT ?", (cutoff, limit)
        )

    async def queue_position(self, task_id: str) -> int | None:
        """Return the task's 1-based place in the queue, or None if it is not queued."""
        async with self._db.connection.execute(f"SELECT id FROM ({FAIR_QUEUE})", ()) as cursor:
            position = 0
            async for row in cursor:
                position += 1
                if row[0] == task_id:
                    return position
        return None

    async def in_flight_slots(self) -> int:
        """Return the provider slots held by tasks submitted and not yet finished."""
        marks = ", ".join("?" * len(IN_FLIGHT_STATES))
        value = await self._scalar(
            f"SELECT COALESCE(SUM(slots), 0) FROM tasks WHERE state IN ({marks})", IN_FLIGHT_STATES
        )
        return int(value or 0)

    async def in_states(self, states: Sequence[TaskState]) -> list[TaskRecord]:
        """Return every task in one of `states`, oldest first."""
        marks = ", ".join("?" * len(states))
        return await self._select(f"SELECT * FROM tasks WHERE state IN ({marks}) ORDER BY created_at", states)

    async def for_user(self, guild_id: int, user_id: int, *, limit: int, offset: int = 0) -> list[TaskRecord]:
        """Return a user's tasks in a guild, newest first."""
        return await self._select(
            "SELECT * FROM tasks WHERE guild_id = ? AND user_id = ? ORDER BY created_at DESC LIMIT ? OFFSET ?",
            (guild_id, user_id, limit, offset),
        )

    async def count_active(self) -> int:
        """Return how many tasks are not finished yet."""
        marks = ", ".join("?" * len(ACTIVE_STATES))
        return int(await self._scalar(f"SELECT COUNT(*) FROM tasks WHERE state IN ({marks})", ACTIVE_STATES) or 0)

    async def count_by_state(self) -> dict[TaskState, int]:
        """Return how many tasks are in each state."""
        async with self._db.connection.execute("SELECT state, COUNT(*) FROM tasks GROUP BY state") as cursor:
            return {TaskState(row[0]): int(row[1]) for row in await cursor.fetchall()}

    async def archived_before(self, cutoff: float, limit: int) -> list[TaskRecord]:
        """Return posted (or given-up) tasks finished before `cutoff` whose results are still on disk."""
        return await self._select(
            "SELECT * FROM tasks WHERE state IN ('delivered', 'delivery_failed') AND finished_at < ? "
            "AND archived_paths != '[]' ORDER BY finished_at LIMIT ?",
            (cutoff, limit),
        )

    async def recent_generation_times(self, limit: int) -> list[tuple[TaskKind, dict[str, Any], float]]:
        """Return (kind, parameters, provider seconds) of the latest successes, oldest first."""
        async with self._db.connection.execute(
            "SELECT kind, params, generation_seconds FROM tasks WHERE generation_seconds IS NOT NULL "
            "ORDER BY finished_at DESC LIMIT ?",
            (limit,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [(TaskKind(row[0]), json.loads(row[1]), float(row[2])) for row in reversed(list(rows))]

    async def image_hashes_in_use(self) -> set[str]:
        """Return the input image hashes of tasks not yet sent (their images must be kept)."""
        async with self._db.connection.execute(
            "SELECT images FROM tasks WHERE state IN ('queued', 'submitting')"
        ) as cursor:
            return {ref["sha256"] for row in await cursor.fetchall() for ref in json.loads(row[0])}

    async def _select(self, sql: str, params: Sequence[Any]) -> list[TaskRecord]:
        async with self._db.connection.execute(sql, tuple(params)) as cursor:
            return [record_from_row(row) for row in await cursor.fetchall()]

    async def _scalar(self, sql: str, params: Sequence[Any]) -> Any:
        async with self._db.connection.execute(sql, tuple(params)) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None


async def _settle(conn: aiosqlite.Connection, task_id: str, entry: Settlement, now: float) -> None:
    # The reservation's own row gives the user, guild and units; UNIQUE(task_id, entry) makes this idempotent.
    await conn.execute(
        "INSERT OR IGNORE INTO quota_ledger (task_id, guild_id, user_id, entry, units, created_at) "
        "SELECT task_id, guild_id, user_id, ?, units, ? FROM quota_ledger WHERE task_id = ? AND entry = 'reserve' "
        "AND NOT EXISTS (SELECT 1 FROM quota_ledger WHERE task_id = ? AND entry IN ('charge', 'refund'))",
        (entry, now, task_id, task_id),
    )
    if entry == "charge":
        await conn.execute("UPDATE tasks SET units_charged = units_reserved WHERE id = ?", (task_id,))


def _fence(holder: str | None) -> tuple[str, tuple[str, ...]]:
    """Return the condition (and its value) that a write lands only while `holder` holds the task's lease."""
    return ("", ()) if holder is None else (" AND lease_owner = ?", (holder,))


def _assignments(fields: dict[str, Any]) -> tuple[str, list[Any]]:
    return placed_assignments(fields, lambda _: "?")


def record_from_row(row: aiosqlite.Row) -> TaskRecord:
    """Turn a `tasks` row into a `TaskRecord`."""
    return record_from_columns({key: row[key] for key in row.keys()})  # noqa: SIM118 - a Row is no dict
