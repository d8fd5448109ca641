"""Per-guild settings (default model and mode, allowed channels) and small key-value state."""

from __future__ import annotations

import json

from db.models import GuildSettings
from db.sqlite import SqliteDatabase


class SqliteGuilds:
    """Guild settings and the `meta` table on SQLite."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def settings(self, guild_id: int) -> GuildSettings:
        """Return the guild's settings (defaults when an admin never set any)."""
        async with self._db.connection.execute(
            "SELECT default_model, default_mode, allowed_channels FROM guild_settings WHERE guild_id = ?", (guild_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return GuildSettings(guild_id=guild_id)
        return GuildSettings(
            guild_id=guild_id, default_model=row[0], default_mode=row[1], allowed_channels=tuple(json.loads(row[2]))
        )

    async def save_settings(self, settings: GuildSettings, *, now: float) -> None:
        """Store the guild's settings."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO guild_settings VALUES (?, ?, ?, ?, ?)",
                (
                    settings.guild_id,
                    settings.default_model,
                    settings.default_mode,
                    json.dumps(list(settings.allowed_channels)),
                    now,
                ),
            )

    async def get_meta(self, key: str) -> str | None:
        """Return a stored value, or None."""
        async with self._db.connection.execute("SELECT value FROM meta WHERE key = ?", (key,)) as cursor:
            row = await cursor.fetchone()
        return None if row is None else str(row[0])

    async def set_meta(self, key: str, value: str, *, now: float) -> None:
        """Store a value under `key`."""
        async with self._db.transaction() as conn:
            await conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?, ?)", (key, value, now))
