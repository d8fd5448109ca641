"""The audit log (append only) and each server's content rules."""

from __future__ import annotations

from db.models import AuditEntry, ContentRule
from db.sqlite import SqliteDatabase


class SqliteAudit:
    """Audit entries and content rules on SQLite."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def record(
        self, action: str, *, guild_id: int | None, actor_id: int | None, before: str, after: str, now: float
    ) -> None:
        """Append one change."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO audit_log (guild_id, actor_id, action, before, after, at) VALUES (?, ?, ?, ?, ?, ?)",
                (guild_id, actor_id, action, before, after, now),
            )

    async def recent(self, guild_id: int | None, limit: int) -> list[AuditEntry]:
        """Return a server's newest entries (None: the operator's, not tied to one server), newest first."""
        where = "guild_id IS NULL" if guild_id is None else "guild_id = ?"
        params: tuple[int, ...] = () if guild_id is None else (guild_id,)
        async with self._db.connection.execute(
            f"SELECT guild_id, actor_id, action, before, after, at FROM audit_log WHERE {where} "
            "ORDER BY at DESC, id DESC LIMIT ?",
            (*params, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        keys = ("guild_id", "actor_id", "action", "before", "after", "at")
        return [AuditEntry.model_validate(dict(zip(keys, row, strict=True))) for row in rows]

    async def rules(self, guild_id: int) -> list[ContentRule]:
        """Return a server's content rules, oldest first."""
        async with self._db.connection.execute(
            "SELECT pattern, is_regex FROM content_rules WHERE guild_id = ? ORDER BY created_at", (guild_id,)
        ) as cursor:
            return [ContentRule(pattern=row[0], is_regex=bool(row[1])) for row in await cursor.fetchall()]

    async def add_rule(self, guild_id: int, rule: ContentRule, *, now: float) -> bool:
        """Add a rule; return False if the server already had it."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO content_rules (guild_id, pattern, is_regex, created_at) VALUES (?, ?, ?, ?)",
                (guild_id, rule.pattern, int(rule.is_regex), now),
            )
            return cursor.rowcount == 1

    async def remove_rule(self, guild_id: int, pattern: str) -> bool:
        """Remove a rule; return False if there was none."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM content_rules WHERE guild_id = ? AND pattern = ?", (guild_id, pattern)
            )
            return cursor.rowcount == 1
