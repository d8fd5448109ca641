"""Coordination on PostgreSQL: a leadership lock and wake-ups between the processes sharing the database.

Both live on a connection of this process's own, outside the pool: the session-level advisory lock is
held for as long as that connection is, so a process that dies (or loses the server) frees it at once and
another takes over at its next try; `LISTEN` on the same connection hears the other processes' `NOTIFY`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable

import asyncpg

from db.postgres.database import PostgresDatabase
from db.postgres.locks import LEADER_LOCK, LOCK_NAMESPACE

log = logging.getLogger(__name__)

CHANNEL = "kling_wake"  # payload "<loop> <sender>": which loop to wake, and who asked (a process ignores itself)
CONNECT_TIMEOUT = 10.0
CLOSE_TIMEOUT = 5.0
# A process whose event loop hangs must not keep the leadership: the server ends the session (and frees the lock)
# once its connection has been idle this long. A live process uses it every few seconds (`try_lead`).
IDLE_SESSION_TIMEOUT_MS = 30_000


class PostgresCoordination:
    """The `Coordination` of one process among several on a PostgreSQL database."""

    def __init__(self, database: PostgresDatabase, url: str) -> None:
        self._db = database
        self._url = url
        self._me = secrets.token_hex(6)
        self._conn: asyncpg.Connection[asyncpg.Record] | None = None
        self._leading = False
        self._on_wake: Callable[[str], None] | None = None
        self._on_lost: Callable[[], None] | None = None

    @property
    def shared(self) -> bool:
        """Return True: other processes may work on this database."""
        return True

    @property
    def leading(self) -> bool:
        """Return True while this process holds the leadership lock (its connection is open)."""
        return self._leading and self._conn is not None and not self._conn.is_closed()

    async def connect(self, on_wake: Callable[[str], None], on_lost: Callable[[], None]) -> bool:
        """Open the connection of our own and LISTEN, unless it is open; return True if it was opened now.

        `on_wake(loop)` hears other processes' wake-ups; `on_lost()` hears that the connection went (and with
        it the leadership, and the wake-ups sent meanwhile).
        """
        self._on_wake, self._on_lost = on_wake, on_lost
        if self._conn is not None and not self._conn.is_closed():
            return False
        self._leading = False
        conn = await _connect(self._url)
        conn.add_termination_listener(self._terminated)
        await conn.add_listener(CHANNEL, self._heard)
        self._conn = conn
        return True

    async def try_lead(self) -> bool:
        """Take the leadership lock if no process holds it; return whether this process leads now.

        Holding it already, make sure the connection (and so the lock) is still there.
        """
        conn = self._conn
        if conn is None or conn.is_closed():
            self._leading = False
            return False
        try:
            if self._leading:
                await conn.fetchval("SELECT 1")
            else:
                self._leading = bool(
                    await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", LOCK_NAMESPACE, LEADER_LOCK)
                )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("The coordination connection failed (%s); leadership is given up", exc)
            self._leading = False
            conn.terminate()
        return self.leading

    async def wake(self, names: Iterable[str]) -> None:
        """Wake these loops in the other processes (through the pool: NOTIFY needs no connection of our own)."""
        for name in dict.fromkeys(names):
            await self._db.fetchval("SELECT pg_notify($1, $2)", CHANNEL, f"{name} {self._me}")

    async def close(self) -> None:
        """Give up the leadership and stop listening (closing the connection frees the lock)."""
        conn, self._conn, self._leading = self._conn, None, False
        if conn is None or conn.is_closed():
            return
        conn.remove_termination_listener(self._terminated)
        try:
            await conn.close(timeout=CLOSE_TIMEOUT)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            conn.terminate()

    def _heard(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        name, _, sender = str(payload).partition(" ")
        if sender != self._me and self._on_wake is not None:
            self._on_wake(name)

    def _terminated(self, _conn: object) -> None:
        was = self._leading
        self._leading = False
        log.warning("The coordination connection closed%s", "; leadership is given up" if was else "")
        if self._on_lost is not None:
            self._on_lost()


async def _connect(url: str) -> asyncpg.Connection[asyncpg.Record]:
    """Open the coordination connection, with the idle timeout where the server has one (PostgreSQL 14 on)."""
    settings = {"idle_session_timeout": str(IDLE_SESSION_TIMEOUT_MS), "application_name": "kling-coordination"}
    try:
        return await asyncpg.connect(url, timeout=CONNECT_TIMEOUT, server_settings=settings)
    except asyncpg.UndefinedObjectError:  # "unrecognized configuration parameter": an older server
        return await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
