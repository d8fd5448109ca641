"""The audit log (append only) and each server's content rules, on PostgreSQL."""

from __future__ import annotations

from db.models import AuditEntry, ContentRule
from db.postgres.database import PostgresDatabase


class PostgresAudit:
    """Audit entries and content rules on PostgreSQL."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def record(
        self, action: str, *, guild_id: int | None, actor_id: int | None, before: str, after: str, now: float
    ) -> None:
        """Append one change."""
        await self._db.pool.execute(
            "INSERT INTO audit_log (guild_id, actor_id, action, before, after, at) VALUES ($1, $2, $3, $4, $5, $6)",
            guild_id, actor_id, action, before, after, now,
        )  # fmt: skip

    async def recent(self, guild_id: int | None, limit: int) -> list[AuditEntry]:
        """Return a server's newest entries (None: the operator's, not tied to one server), newest first."""
        where, args = ("guild_id IS NULL", ()) if guild_id is None else ("guild_id = $2", (guild_id,))
        rows = await self._db.fetch(
            f"SELECT guild_id, actor_id, action, before, after, at FROM audit_log WHERE {where} "
            "ORDER BY at DESC, id DESC LIMIT $1",
            limit,
            *args,
        )
        return [AuditEntry.model_validate(dict(row.items())) for row in rows]

    async def rules(self, guild_id: int) -> list[ContentRule]:
        """Return a server's content rules, oldest first (ties by pattern, as SQLite's scan)."""
        rows = await self._db.fetch(
            "SELECT pattern, is_regex FROM content_rules WHERE guild_id = $1 ORDER BY created_at, pattern", guild_id
        )
        return [ContentRule(pattern=row[0], is_regex=row[1]) for row in rows]

    async def add_rule(self, guild_id: int, rule: ContentRule, *, now: float) -> bool:
        """Add a rule; return False if the server already had it."""
        inserted = await self._db.fetchval(
            "INSERT INTO content_rules (guild_id, pattern, is_regex, created_at) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (guild_id, pattern) DO NOTHING RETURNING TRUE",
            guild_id,
            rule.pattern,
            rule.is_regex,
            now,
        )
        return inserted is not None

    async def remove_rule(self, guild_id: int, pattern: str) -> bool:
        """Remove a rule; return False if there was none."""
        status = await self._db.pool.execute(
            "DELETE FROM content_rules WHERE guild_id = $1 AND pattern = $2", guild_id, pattern
        )
        return status == "DELETE 1"
