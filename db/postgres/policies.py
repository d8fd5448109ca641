"""Per-guild and per-role quota policy on PostgreSQL (the policy half of `QuotaRepository`)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from db.models import PolicyOverride, from_cents, to_cents
from db.postgres.database import PostgresDatabase
from db.quotas import COUNT_COLUMNS, GUILD_COLUMNS, ROLE_COLUMNS


class PostgresPolicies:
    """Guild and role policies; units are stored in hundredths, counts as they are."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def guild_policy(self, guild_id: int) -> PolicyOverride | None:
        """Return the guild's own policy, if an admin set one."""
        row = await self._db.fetchrow(
            f"SELECT {', '.join(GUILD_COLUMNS)} FROM guild_policies WHERE guild_id = $1", guild_id
        )
        return None if row is None else _policy(GUILD_COLUMNS, tuple(row))

    async def set_guild_policy(self, guild_id: int, policy: PolicyOverride, *, now: float) -> None:
        """Replace the guild's policy."""
        await self._db.pool.execute(
            _upsert("guild_policies", ("guild_id",), GUILD_COLUMNS), guild_id, *_columns(GUILD_COLUMNS, policy), now
        )

    async def role_policies(self, guild_id: int, role_ids: Sequence[int] | None = None) -> dict[int, PolicyOverride]:
        """Return the role overrides of a guild (only `role_ids` when given)."""
        rows = await self._db.fetch(
            f"SELECT role_id, {', '.join(ROLE_COLUMNS)} FROM role_policies WHERE guild_id = $1 ORDER BY role_id",
            guild_id,
        )
        wanted = set(role_ids) if role_ids is not None else None
        return {row[0]: _policy(ROLE_COLUMNS, tuple(row)[1:]) for row in rows if wanted is None or row[0] in wanted}

    async def set_role_policy(self, guild_id: int, role_id: int, policy: PolicyOverride | None, *, now: float) -> None:
        """Set (or with None, remove) a role's override."""
        if policy is None:
            await self._db.pool.execute(
                "DELETE FROM role_policies WHERE guild_id = $1 AND role_id = $2", guild_id, role_id
            )
            return
        await self._db.pool.execute(
            _upsert("role_policies", ("guild_id", "role_id"), ROLE_COLUMNS),
            guild_id, role_id, *_columns(ROLE_COLUMNS, policy), now,
        )  # fmt: skip


def _upsert(table: str, keys: tuple[str, ...], columns: tuple[str, ...]) -> str:
    """Return an INSERT that replaces the whole row on a key conflict (SQLite's INSERT OR REPLACE)."""
    names = (*keys, *columns, "updated_at")
    marks = ", ".join(f"${i + 1}" for i in range(len(names)))
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in (*columns, "updated_at"))
    conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks}) {conflict}"


def _columns(names: tuple[str, ...], policy: PolicyOverride) -> list[int | None]:
    """Return the policy's values for `names` as stored (units in hundredths, counts as they are)."""
    return [getattr(policy, n) if n in COUNT_COLUMNS else _cents(getattr(policy, n)) for n in names]


def _cents(units: Decimal | None) -> int | None:
    return None if units is None else to_cents(units)


def _policy(names: tuple[str, ...], row: tuple[Any, ...]) -> PolicyOverride:
    values = {n: v if n in COUNT_COLUMNS else from_cents(v) for n, v in zip(names, row, strict=True)}
    return PolicyOverride.model_validate(values)
