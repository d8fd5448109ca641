"""The PostgreSQL connection pool: transactions, and migrations applied once under an advisory lock."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeAlias

import asyncpg

from db.postgres.locks import LOCK_NAMESPACE, MIGRATION_LOCK
from db.sqlite import pending_migrations

log = logging.getLogger(__name__)

MIGRATIONS = "db.postgres.migrations"
POOL_MIN, POOL_MAX = 1, 10
CLOSE_TIMEOUT = 10.0  # seconds for busy connections to come back at close

# A connection from the pool (the stubs make it generic; at run time it is not, hence the string).
Connection: TypeAlias = "asyncpg.pool.PoolConnectionProxy[asyncpg.Record]"


class PostgresDatabase:
    """An asyncpg pool; writes that must commit together go through `transaction()`."""

    def __init__(self, pool: asyncpg.Pool[asyncpg.Record]) -> None:
        self.pool = pool

    @classmethod
    async def open(cls, url: str) -> PostgresDatabase:
        """Connect to `url` (postgresql://user@host:port/database) and bring its schema up to date."""
        pool = await asyncpg.create_pool(url, min_size=POOL_MIN, max_size=POOL_MAX)
        database = cls(pool)
        try:
            await database.migrate()
        except BaseException:
            await pool.close()
            raise
        return database

    async def close(self) -> None:
        """Close the pool: gracefully if its connections come back in time, else by force."""
        try:
            await asyncio.wait_for(self.pool.close(), CLOSE_TIMEOUT)
        except TimeoutError:
            log.warning("PostgreSQL connections still busy after %ss: closing them anyway", CLOSE_TIMEOUT)
            self.pool.terminate()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """Run a READ COMMITTED transaction: all of it commits, or none of it.

        READ COMMITTED on purpose: each statement sees what committed before it started, so a statement
        after an advisory lock sees everything the previous holder wrote (a REPEATABLE READ snapshot
        would be taken before the wait).
        """
        async with self.pool.acquire() as conn, conn.transaction(isolation="read_committed"):
            yield conn

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """Run a query outside any transaction and return its rows."""
        return await self.pool.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        """Run a query and return its first row, or None."""
        return await self.pool.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        """Run a query and return the first column of its first row, or None."""
        return await self.pool.fetchval(sql, *args)

    async def migrate(self) -> None:
        """Apply every shipped migration the database lacks, in one transaction, one process at a time.

        The transaction-level advisory lock makes a second process starting at the same moment wait,
        then find the migrations applied. The version numbers match SQLite's, so `schema_migrations`
        says the same on both backends.
        """
        async with self.transaction() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_NAMESPACE, MIGRATION_LOCK)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                "applied_at DOUBLE PRECISION NOT NULL)"
            )
            applied = {row[0] for row in await conn.fetch("SELECT version FROM schema_migrations")}
            for version, name, sql in pending_migrations(0, MIGRATIONS):
                if version in applied:
                    continue
                log.info("Applying PostgreSQL migration V%03d %s", version, name)
                await conn.execute(sql)  # no arguments: the simple protocol runs every statement in the file
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    version,
                    name,
                    time.time(),
                )
