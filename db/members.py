"""Each member's own defaults per server (`/settings`) and presets: a member's own, and a server's published ones."""

from __future__ import annotations

from typing import Any

from db.models import MemberSettings, Preset
from db.sqlite import SqliteDatabase

SERVER = 0  # `presets.owner_id` of a server's presets (no Discord id is 0)
PRESET_COLUMNS = (
    "guild_id", "owner_id", "name", "prompt_suffix", "negative_prompt", "model", "mode", "duration",
    "aspect_ratio", "sound", "published_by",
)  # fmt: skip


class SqliteMembers:
    """Member settings and presets on SQLite."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def settings(self, guild_id: int, user_id: int) -> MemberSettings:
        """Return the member's settings in the server (no preferences when they never chose any)."""
        async with self._db.connection.execute(
            "SELECT model, mode, duration, aspect_ratio, sound, delivery FROM member_settings "
            "WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return MemberSettings(guild_id=guild_id, user_id=user_id)
        return MemberSettings(
            guild_id=guild_id, user_id=user_id, model=row[0], mode=row[1], duration=row[2], aspect_ratio=row[3],
            sound=None if row[4] is None else bool(row[4]), delivery=row[5],
        )  # fmt: skip

    async def save_settings(self, settings: MemberSettings, *, now: float) -> None:
        """Store the member's settings."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO member_settings (guild_id, user_id, model, mode, duration, aspect_ratio, "
                "sound, delivery, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    settings.guild_id, settings.user_id, settings.model, settings.mode, settings.duration,
                    settings.aspect_ratio, _flag(settings.sound), settings.delivery, now,
                ),
            )  # fmt: skip

    async def reset_settings(self, guild_id: int, user_id: int) -> None:
        """Forget the member's settings in the server."""
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM member_settings WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))

    async def presets(self, guild_id: int, owner_id: int | None) -> list[Preset]:
        """Return a member's presets in the server (None: the server's), by name."""
        return await self._presets("WHERE guild_id = ? AND owner_id = ? ORDER BY name", (guild_id, _owner(owner_id)))

    async def preset(self, guild_id: int, owner_id: int | None, name: str) -> Preset | None:
        """Return one preset by name (any case), or None."""
        found = await self._presets(
            "WHERE guild_id = ? AND owner_id = ? AND name = ?", (guild_id, _owner(owner_id), name)
        )
        return found[0] if found else None

    async def save_preset(self, preset: Preset, *, limit: int, now: float) -> bool:
        """Store a preset (replacing one of the same name); False, storing nothing, if its owner already has
        `limit` others."""
        owner = _owner(preset.owner_id)
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT COUNT(*) FROM presets WHERE guild_id = ? AND owner_id = ? AND name != ?",
                (preset.guild_id, owner, preset.name),
            ) as cursor:
                row = await cursor.fetchone()
            if row is not None and int(row[0]) >= limit:
                return False
            await conn.execute(
                "DELETE FROM presets WHERE guild_id = ? AND owner_id = ? AND name = ?",
                (preset.guild_id, owner, preset.name),
            )
            marks = ", ".join("?" * (len(PRESET_COLUMNS) + 1))
            await conn.execute(
                f"INSERT INTO presets ({', '.join(PRESET_COLUMNS)}, created_at) VALUES ({marks})",
                (*_preset_row(preset), now),
            )
        return True

    async def delete_preset(self, guild_id: int, owner_id: int | None, name: str) -> bool:
        """Delete a preset; False if there was none of that name."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM presets WHERE guild_id = ? AND owner_id = ? AND name = ?",
                (guild_id, _owner(owner_id), name),
            )
            return cursor.rowcount == 1

    async def _presets(self, where: str, params: tuple[Any, ...]) -> list[Preset]:
        async with self._db.connection.execute(f"SELECT {', '.join(PRESET_COLUMNS)} FROM presets {where}", params) as c:
            rows = await c.fetchall()
        presets = []
        for row in rows:
            data = dict(zip(PRESET_COLUMNS, row, strict=True))
            data["owner_id"] = None if data["owner_id"] == SERVER else data["owner_id"]
            data["sound"] = None if data["sound"] is None else bool(data["sound"])
            presets.append(Preset.model_validate(data))
        return presets


def _owner(owner_id: int | None) -> int:
    return SERVER if owner_id is None else owner_id


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _preset_row(preset: Preset) -> tuple[Any, ...]:
    values = preset.model_dump()
    values["owner_id"] = _owner(preset.owner_id)
    values["sound"] = _flag(preset.sound)
    return tuple(values[column] for column in PRESET_COLUMNS)
