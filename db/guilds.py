"""Per-guild settings (default model and mode, allowed channels) and small key-value state."""

from __future__ import annotations

import json

from db.models import GuildAccess, GuildSettings
from db.sqlite import SqliteDatabase


class SqliteGuilds:
    """Guild settings and the `meta` table on SQLite."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def settings(self, guild_id: int) -> GuildSettings:
        """Return the guild's settings (defaults when an admin never set any)."""
        async with self._db.connection.execute(
            "SELECT default_model, default_mode, allowed_channels, alert_channel_id, threads FROM guild_settings "
            "WHERE guild_id = ?",
            (guild_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return GuildSettings(guild_id=guild_id)
        return GuildSettings(
            guild_id=guild_id,
            default_model=row[0],
            default_mode=row[1],
            allowed_channels=tuple(json.loads(row[2])),
            alert_channel_id=row[3],
            threads=bool(row[4]),
        )

    async def save_settings(self, settings: GuildSettings, *, now: float) -> None:
        """Store the guild's settings."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO guild_settings (guild_id, default_model, default_mode, allowed_channels, "
                "alert_channel_id, threads, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    settings.guild_id,
                    settings.default_model,
                    settings.default_mode,
                    json.dumps(list(settings.allowed_channels)),
                    settings.alert_channel_id,
                    int(settings.threads),
                    now,
                ),
            )

    async def access(self, guild_id: int) -> GuildAccess | None:
        """Return the server's access record, if it has one."""
        rows = await self._access("WHERE guild_id = ?", (guild_id,))
        return rows[0] if rows else None

    async def all_access(self) -> list[GuildAccess]:
        """Return every server's access record, newest request first."""
        return await self._access("ORDER BY requested_at DESC", ())

    async def request_access(self, guild_id: int, name: str, *, now: float) -> bool:
        """Record a server as waiting for approval; return False if it already had a record."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO guild_access (guild_id, name, status, requested_at) VALUES (?, ?, 'pending', ?)",
                (guild_id, name, now),
            )
            return cursor.rowcount == 1

    async def decide_access(self, guild_id: int, status: str, *, by: int | None, now: float) -> None:
        """Approve or deny a server (creating its record if needed)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO guild_access (guild_id, status, requested_at, decided_at, decided_by) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET status = excluded.status, "
                "decided_at = excluded.decided_at, decided_by = excluded.decided_by",
                (guild_id, status, now, now, by),
            )

    async def _access(self, where: str, params: tuple[int, ...] | tuple[()]) -> list[GuildAccess]:
        sql = f"SELECT guild_id, name, status, requested_at, decided_at, decided_by FROM guild_access {where}"
        async with self._db.connection.execute(sql, params) as cursor:
            rows = await cursor.fetchall()
        keys = ("guild_id", "name", "status", "requested_at", "decided_at", "decided_by")
        return [GuildAccess.model_validate(dict(zip(keys, row, strict=True))) for row in rows]

    async def get_meta(self, key: str) -> str | None:
        """Return a stored value, or None."""
        async with self._db.connection.execute("SELECT value FROM meta WHERE key = ?", (key,)) as cursor:
            row = await cursor.fetchone()
        return None if row is None else str(row[0])

    async def set_meta(self, key: str, value: str, *, now: float) -> None:
        """Store a value under `key`."""
        async with self._db.transaction() as conn:
            await conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?, ?)", (key, value, now))

    async def claim_meta(self, key: str, value: str, *, now: float, unless_since: float) -> bool:
        """Store `value` under `key` unless the key was stored at or after `unless_since`; return whether it was.

        One statement: of processes claiming the same key at once, one gets it (e.g. the right to send an alert).
        """
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                "value = excluded.value, updated_at = excluded.updated_at WHERE meta.updated_at < ?",
                (key, value, now, unless_since),
            )
            return cursor.rowcount == 1

    async def drop_meta(self, key: str, value: str) -> bool:
        """Remove `key` if it still holds `value` (a claim given back); return whether it did."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM meta WHERE key = ? AND value = ?", (key, value))
            return cursor.rowcount == 1
