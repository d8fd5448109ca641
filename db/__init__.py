"""Storage. Callers use `Storage` and the records in `db.models`; SQL stays inside this package.

`Storage` holds the repositories, typed by the protocols in `db.repository`: SQLite's (`sqlite:///…`, the
embedded default) or PostgreSQL's (`postgresql://…`, `db.postgres`), picked by `DATABASE_URL`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aiosqlite
import asyncpg

from db.audit import SqliteAudit
from db.coordination import SoloCoordination
from db.guilds import SqliteGuilds
from db.members import SqliteMembers
from db.postgres import PostgresAudit, PostgresDatabase, PostgresGuilds, PostgresMembers, PostgresQuotas, PostgresTasks
from db.postgres.coordination import PostgresCoordination
from db.quotas import SqliteQuotas
from db.repository import (
    AuditRepository,
    Coordination,
    GuildRepository,
    MemberRepository,
    QuotaRepository,
    TaskRepository,
)
from db.sqlite import SqliteDatabase
from db.tasks import SqliteTasks

SQLITE_PREFIX = "sqlite:///"
POSTGRES_PREFIXES = ("postgresql://", "postgres://")
# What a failing database raises besides OSError and TimeoutError, on either backend (for callers that report it).
DATABASE_ERRORS: tuple[type[Exception], ...] = (aiosqlite.Error, asyncpg.PostgresError, asyncpg.InterfaceError)


@dataclass
class Storage:
    """The repositories, over one database, and what the processes sharing it need of each other."""

    database: SqliteDatabase | PostgresDatabase
    tasks: TaskRepository
    quotas: QuotaRepository
    guilds: GuildRepository
    audit: AuditRepository
    members: MemberRepository
    coordination: Coordination

    async def close(self) -> None:
        """Close the database (and give up the leadership, if this process held it)."""
        await self.coordination.close()
        await self.database.close()


async def open_storage(url: str) -> Storage:
    """Open the database named by `DATABASE_URL`: `sqlite:///relative/or//absolute/path.db` or
    `postgresql://user@host:port/database`."""
    if url.startswith(POSTGRES_PREFIXES):
        return await _open_postgres(url)
    if not url.startswith(SQLITE_PREFIX):
        raise ValueError(f"Unsupported DATABASE_URL {url.split(':', 1)[0]!r}: use sqlite:///path.db or postgresql://…")
    path = url.removeprefix(SQLITE_PREFIX)
    database = await SqliteDatabase.open(path if path == ":memory:" else Path(path))
    tasks = SqliteTasks(database)
    return Storage(
        database=database,
        tasks=tasks,
        quotas=SqliteQuotas(database, tasks),
        guilds=SqliteGuilds(database),
        audit=SqliteAudit(database),
        members=SqliteMembers(database),
        coordination=SoloCoordination(),
    )


async def _open_postgres(url: str) -> Storage:
    database = await PostgresDatabase.open(url)
    tasks = PostgresTasks(database)
    return Storage(
        database=database,
        tasks=tasks,
        quotas=PostgresQuotas(database, tasks),
        guilds=PostgresGuilds(database),
        audit=PostgresAudit(database),
        members=PostgresMembers(database),
        coordination=PostgresCoordination(database, url),
    )
