"""Storage. Callers use `Storage` and the records in `db.models`; SQL stays inside this package.

`Storage` holds the repositories, typed by the protocols in `db.repository`; today they are SQLite.
A PostgreSQL storage would provide the same protocols, picked by `DATABASE_URL`, without touching callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from db.audit import SqliteAudit
from db.guilds import SqliteGuilds
from db.quotas import SqliteQuotas
from db.repository import QuotaRepository, TaskRepository
from db.sqlite import SqliteDatabase
from db.tasks import SqliteTasks

SQLITE_PREFIX = "sqlite:///"


@dataclass
class Storage:
    """The repositories, over one database."""

    database: SqliteDatabase
    tasks: TaskRepository
    quotas: QuotaRepository
    guilds: SqliteGuilds
    audit: SqliteAudit

    async def close(self) -> None:
        """Close the database."""
        await self.database.close()


async def open_storage(url: str) -> Storage:
    """Open the database named by `DATABASE_URL` (today: `sqlite:///relative/or//absolute/path.db`)."""
    if not url.startswith(SQLITE_PREFIX):
        raise ValueError(f"Unsupported DATABASE_URL {url.split(':', 1)[0]!r}: only sqlite:/// is implemented")
    path = url.removeprefix(SQLITE_PREFIX)
    database = await SqliteDatabase.open(path if path == ":memory:" else Path(path))
    tasks = SqliteTasks(database)
    return Storage(
        database=database,
        tasks=tasks,
        quotas=SqliteQuotas(database, tasks),
        guilds=SqliteGuilds(database),
        audit=SqliteAudit(database),
    )
