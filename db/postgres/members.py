"""Each member's own defaults per server and presets (a member's own and a server's), on PostgreSQL.

Preset names match in any (ASCII) case, as SQLite's COLLATE NOCASE does: `lower(name)` under "C".
"""

from __future__ import annotations

from typing import Any

import asyncpg

from db.members import PRESET_COLUMNS, SERVER
from db.models import MemberSettings, Preset
from db.postgres.database import PostgresDatabase
from db.postgres.locks import PRESET_LOCK_NAMESPACE, int4


class PostgresMembers:
    """Member settings and presets on PostgreSQL."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def settings(self, guild_id: int, user_id: int) -> MemberSettings:
        """Return the member's settings in the server (no preferences when they never chose any)."""
        row = await self._db.fetchrow(
            "SELECT model, mode, duration, aspect_ratio, sound, delivery FROM member_settings "
            "WHERE guild_id = $1 AND user_id = $2",
            guild_id,
            user_id,
        )
        if row is None:
            return MemberSettings(guild_id=guild_id, user_id=user_id)
        return MemberSettings(guild_id=guild_id, user_id=user_id, **dict(row.items()))

    async def save_settings(self, settings: MemberSettings, *, now: float) -> None:
        """Store the member's settings."""
        await self._db.pool.execute(
            "INSERT INTO member_settings (guild_id, user_id, model, mode, duration, aspect_ratio, sound, delivery, "
            "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (guild_id, user_id) DO UPDATE SET "
            "model = EXCLUDED.model, mode = EXCLUDED.mode, duration = EXCLUDED.duration, "
            "aspect_ratio = EXCLUDED.aspect_ratio, sound = EXCLUDED.sound, delivery = EXCLUDED.delivery, "
            "updated_at = EXCLUDED.updated_at",
            settings.guild_id, settings.user_id, settings.model, settings.mode, settings.duration,
            settings.aspect_ratio, settings.sound, settings.delivery, now,
        )  # fmt: skip

    async def reset_settings(self, guild_id: int, user_id: int) -> None:
        """Forget the member's settings in the server."""
        await self._db.pool.execute(
            "DELETE FROM member_settings WHERE guild_id = $1 AND user_id = $2", guild_id, user_id
        )

    async def presets(self, guild_id: int, owner_id: int | None) -> list[Preset]:
        """Return a member's presets in the server (None: the server's), by name."""
        return await self._presets(
            "WHERE guild_id = $1 AND owner_id = $2 ORDER BY lower(name)", guild_id, _owner(owner_id)
        )

    async def preset(self, guild_id: int, owner_id: int | None, name: str) -> Preset | None:
        """Return one preset by name (any case), or None."""
        found = await self._presets(
            "WHERE guild_id = $1 AND owner_id = $2 AND lower(name) = lower($3)", guild_id, _owner(owner_id), name
        )
        return found[0] if found else None

    async def save_preset(self, preset: Preset, *, limit: int, now: float) -> bool:
        """Store a preset (replacing one of the same name); False, storing nothing, if its owner already has
        `limit` others."""
        owner = _owner(preset.owner_id)
        async with self._db.transaction() as conn:
            await conn.execute(
                "SELECT pg_advisory_xact_lock($1, $2)", PRESET_LOCK_NAMESPACE, int4(preset.guild_id ^ owner)
            )
            others = await conn.fetchval(
                "SELECT COUNT(*) FROM presets WHERE guild_id = $1 AND owner_id = $2 AND lower(name) <> lower($3)",
                preset.guild_id,
                owner,
                preset.name,
            )
            if int(others) >= limit:
                return False
            await conn.execute(
                "DELETE FROM presets WHERE guild_id = $1 AND owner_id = $2 AND lower(name) = lower($3)",
                preset.guild_id,
                owner,
                preset.name,
            )
            marks = ", ".join(f"${i + 1}" for i in range(len(PRESET_COLUMNS) + 1))
            await conn.execute(
                f"INSERT INTO presets ({', '.join(PRESET_COLUMNS)}, created_at) VALUES ({marks})",
                *_preset_row(preset),
                now,
            )
        return True

    async def delete_preset(self, guild_id: int, owner_id: int | None, name: str) -> bool:
        """Delete a preset; False if there was none of that name."""
        status = await self._db.pool.execute(
            "DELETE FROM presets WHERE guild_id = $1 AND owner_id = $2 AND lower(name) = lower($3)",
            guild_id,
            _owner(owner_id),
            name,
        )
        return status == "DELETE 1"

    async def _presets(self, where: str, *args: Any) -> list[Preset]:
        rows = await self._db.fetch(f"SELECT {', '.join(PRESET_COLUMNS)} FROM presets {where}", *args)
        return [_preset(row) for row in rows]


def _owner(owner_id: int | None) -> int:
    return SERVER if owner_id is None else owner_id


def _preset(row: asyncpg.Record) -> Preset:
    data = dict(row.items())
    data["owner_id"] = None if data["owner_id"] == SERVER else data["owner_id"]
    return Preset.model_validate(data)


def _preset_row(preset: Preset) -> tuple[Any, ...]:
    values = preset.model_dump()
    values["owner_id"] = _owner(preset.owner_id)
    return tuple(values[column] for column in PRESET_COLUMNS)
