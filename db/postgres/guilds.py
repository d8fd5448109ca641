"""Per-guild settings, server access and the small key-value state, on PostgreSQL."""

from __future__ import annotations

import json

import asyncpg

from db.models import GuildAccess, GuildSettings
from db.postgres.database import PostgresDatabase

ACCESS_COLUMNS = ("guild_id", "name", "status", "requested_at", "decided_at", "decided_by")


class PostgresGuilds:
    """Guild settings, access records and the `meta` table on PostgreSQL."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def settings(self, guild_id: int) -> GuildSettings:
        """Return the guild's settings (defaults when an admin never set any)."""
        row = await self._db.fetchrow(
            "SELECT default_model, default_mode, allowed_channels, alert_channel_id, threads FROM guild_settings "
            "WHERE guild_id = $1",
            guild_id,
        )
        if row is None:
            return GuildSettings(guild_id=guild_id)
        return GuildSettings(
            guild_id=guild_id,
            default_model=row[0],
            default_mode=row[1],
            allowed_channels=tuple(json.loads(row[2])),
            alert_channel_id=row[3],
            threads=row[4],
        )

    async def save_settings(self, settings: GuildSettings, *, now: float) -> None:
        """Store the guild's settings."""
        await self._db.pool.execute(
            "INSERT INTO guild_settings (guild_id, default_model, default_mode, allowed_channels, alert_channel_id, "
            "threads, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (guild_id) DO UPDATE SET "
            "default_model = EXCLUDED.default_model, default_mode = EXCLUDED.default_mode, "
            "allowed_channels = EXCLUDED.allowed_channels, alert_channel_id = EXCLUDED.alert_channel_id, "
            "threads = EXCLUDED.threads, updated_at = EXCLUDED.updated_at",
            settings.guild_id, settings.default_model, settings.default_mode,
            json.dumps(list(settings.allowed_channels)), settings.alert_channel_id, settings.threads, now,
        )  # fmt: skip

    async def access(self, guild_id: int) -> GuildAccess | None:
        """Return the server's access record, if it has one."""
        rows = await self._access("WHERE guild_id = $1", guild_id)
        return rows[0] if rows else None

    async def all_access(self) -> list[GuildAccess]:
        """Return every server's access record, newest request first (ties by server id, as SQLite's scan)."""
        return await self._access("ORDER BY requested_at DESC, guild_id")

    async def request_access(self, guild_id: int, name: str, *, now: float) -> bool:
        """Record a server as waiting for approval; return False if it already had a record."""
        inserted = await self._db.fetchval(
            "INSERT INTO guild_access (guild_id, name, status, requested_at) VALUES ($1, $2, 'pending', $3) "
            "ON CONFLICT (guild_id) DO NOTHING RETURNING TRUE",
            guild_id,
            name,
            now,
        )
        return inserted is not None

    async def decide_access(self, guild_id: int, status: str, *, by: int | None, now: float) -> None:
        """Approve or deny a server (creating its record if needed)."""
        await self._db.pool.execute(
            "INSERT INTO guild_access (guild_id, status, requested_at, decided_at, decided_by) "
            "VALUES ($1, $2, $3, $3, $4) ON CONFLICT (guild_id) DO UPDATE SET status = EXCLUDED.status, "
            "decided_at = EXCLUDED.decided_at, decided_by = EXCLUDED.decided_by",
            guild_id,
            status,
            now,
            by,
        )

    async def get_meta(self, key: str) -> str | None:
        """Return a stored value, or None."""
        value = await self._db.fetchval("SELECT value FROM meta WHERE key = $1", key)
        return None if value is None else str(value)

    async def set_meta(self, key: str, value: str, *, now: float) -> None:
        """Store a value under `key`."""
        await self._db.pool.execute(
            "INSERT INTO meta (key, value, updated_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at",
            key,
            value,
            now,
        )

    async def claim_meta(self, key: str, value: str, *, now: float, unless_since: float) -> bool:
        """Store `value` under `key` unless the key was stored at or after `unless_since`; return whether it was.

        One statement: of processes claiming the same key at once, one gets it (e.g. the right to send an alert).
        """
        claimed = await self._db.fetchval(
            "INSERT INTO meta (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET "
            "value = EXCLUDED.value, updated_at = EXCLUDED.updated_at WHERE meta.updated_at < $4 RETURNING TRUE",
            key, value, now, unless_since,
        )  # fmt: skip
        return claimed is not None

    async def drop_meta(self, key: str, value: str) -> bool:
        """Remove `key` if it still holds `value` (a claim given back); return whether it did."""
        dropped = await self._db.fetchval("DELETE FROM meta WHERE key = $1 AND value = $2 RETURNING TRUE", key, value)
        return dropped is not None

    async def _access(self, where: str, *args: int) -> list[GuildAccess]:
        rows = await self._db.fetch(f"SELECT {', '.join(ACCESS_COLUMNS)} FROM guild_access {where}", *args)
        return [_access_record(row) for row in rows]


def _access_record(row: asyncpg.Record) -> GuildAccess:
    return GuildAccess.model_validate(dict(row.items()))
