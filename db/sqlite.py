"""The SQLite connection: WAL, foreign keys, a busy timeout, one writer at a time, migrations at start."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
WAL_RETRY_SECONDS = 0.02
MIGRATION_NAME = re.compile(r"^V(\d+)__(\w+)\.sql$")


async def _use_wal(connection: aiosqlite.Connection) -> None:
    """Switch the file to WAL. Two processes opening a new file at once race for the switch, and SQLite answers
    the loser "database is locked" at once, without its busy handler: try again, up to the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            await connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            await asyncio.sleep(WAL_RETRY_SECONDS)


class SqliteDatabase:
    """One aiosqlite connection; writes go through `transaction()`, which serialises them."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path) -> SqliteDatabase:
        """Open (creating the file and its folder if needed), configure and migrate the database."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)
        connection.row_factory = aiosqlite.Row
        try:
            await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await _use_wal(connection)
            for pragma in ("foreign_keys = ON", "synchronous = NORMAL"):
                await connection.execute(f"PRAGMA {pragma}")
            database = cls(connection)
            await database.migrate()
        except BaseException:
            await connection.close()
            raise
        return database

    async def close(self) -> None:
        """Close the connection."""
        await self.connection.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a write transaction (BEGIN IMMEDIATE): all of it commits, or none of it."""
        async with self._write_lock:
            try:
                await self.connection.execute("BEGIN IMMEDIATE")
                yield self.connection
                await self.connection.commit()
            except BaseException:
                # Also after a failed BEGIN or COMMIT (a full disk, a cancellation): never leave it half open.
                with contextlib.suppress(aiosqlite.Error):
                    await self.connection.rollback()
                raise

    async def migrate(self) -> None:
        """Apply every shipped migration the database hasn't had, in order, in one transaction.

        By the set applied, not the highest number: a migration that lands after a higher-numbered one
        (work merged out of order) is still applied.
        """
        async with self.transaction() as conn:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                "applied_at REAL NOT NULL)"
            )
            async with conn.execute("SELECT version FROM schema_migrations") as cursor:
                applied = {int(row[0]) for row in await cursor.fetchall()}
            for version, name, sql in pending_migrations(0):
                if version in applied:
                    continue
                log.info("Applying database migration V%03d %s", version, name)
                for statement in split_statements(sql):
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, time.time()),
                )


def pending_migrations(current: int, package: str = "db.migrations") -> list[tuple[int, str, str]]:
    """Return (version, name, sql) of the migrations shipped in `package` newer than `current`, in order."""
    found = []
    for entry in resources.files(package).iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match and int(match.group(1)) > current:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


def split_statements(sql: str) -> list[str]:
    """Split a migration into statements (executescript would commit the transaction mid-way)."""
    without_comments = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return [statement.strip() for statement in without_comments.split(";") if statement.strip()]
