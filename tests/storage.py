"""Storage on each backend, for tests: SQLite in the test's folder, PostgreSQL in a database of its own.

A plugin (`pytest_plugins` in tests/conftest.py). Ask for `backend` (each of "sqlite" and "postgresql"),
`database_url` or `storage`. PostgreSQL is reached at TEST_DATABASE_URL (default: the local server), where
each test creates `kling_test_<random>` and drops it afterwards, so tests are isolated and run in any order.
When the server can't be reached, the PostgreSQL tests fail with CI=true, and elsewhere are skipped with a
line in the summary saying so.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.settings import without_password
from bot.vocabulary import TaskKind
from db import Storage, open_storage
from db.models import ImageRef, NewTask
from db.postgres import PostgresDatabase

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT = 5.0
DAY = 86400.0
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
]


class _Server:
    """What this run learned of the server: why it can't be reached (None: not asked yet; "": it answered)."""

    unreachable: str | None = None
    skipped: list[str] = []  # noqa: RUF012 - one list for the run


def admin_url() -> str:
    """Return the server URL tests create their databases through."""
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_URL


def in_ci() -> bool:
    """Return True where an unreachable PostgreSQL must fail the run (CI=true)."""
    return os.environ.get("CI", "").lower() in ("true", "1")


@asynccontextmanager
async def fresh_postgres_database(template: str | None = None) -> AsyncIterator[str]:
    """Create an empty database for one test (or a copy of the database at URL `template`, which nothing may be
    connected to), yield its URL, and drop it (and its connections) after."""
    await _require_server()
    name = f"kling_test_{secrets.token_hex(6)}"
    copy = "" if template is None else f' TEMPLATE "{urlsplit(template).path.lstrip("/")}"'
    await _admin(f'CREATE DATABASE "{name}"{copy}')
    try:
        parts = urlsplit(admin_url())
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def require_postgres() -> None:
    """Fail (CI) or skip this test if the PostgreSQL server can't be reached; ask it once per run."""
    await _require_server()


async def _require_server() -> None:
    """Fail (CI) or skip this test if the server can't be reached; ask it once per run."""
    if _Server.unreachable is None:
        try:
            await _admin("SELECT 1")
            _Server.unreachable = ""
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            _Server.unreachable = f"{type(exc).__name__}: {exc}"
    if not _Server.unreachable:
        return
    where = without_password(admin_url())
    if in_ci():
        pytest.fail(f"PostgreSQL at {where} is unreachable and CI=true: {_Server.unreachable}", pytrace=False)
    _Server.skipped.append(os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0])
    pytest.skip(f"PostgreSQL at {where} is unreachable ({_Server.unreachable})")


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(admin_url(), timeout=CONNECT_TIMEOUT)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each storage backend in turn: "sqlite", then "postgresql"."""
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A DATABASE_URL for an empty database on `backend`, kept for the whole test (restarts reopen it)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.db'}"
        return
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
async def storage(database_url: str) -> AsyncIterator[Storage]:
    """Storage opened (and migrated) on `database_url`, closed after the test."""
    opened = await open_storage(database_url)
    yield opened
    await opened.close()


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker the PostgreSQL cases carry (`-m "not postgresql"` leaves them out)."""
    config.addinivalue_line("markers", "postgresql: runs on PostgreSQL at TEST_DATABASE_URL")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly when the PostgreSQL tests did not run."""
    if _Server.skipped:
        terminalreporter.write_line(
            f"PostgreSQL tests SKIPPED: {len(_Server.skipped)} tests did not run on PostgreSQL, because the server "
            f"at {without_password(admin_url())} is unreachable ({_Server.unreachable}). Start it or set "
            "TEST_DATABASE_URL; with CI=true this fails the run.",
            yellow=True,
            bold=True,
        )


def new_task(
    task_id: str,
    *,
    guild: int = 1,
    user: int = 1,
    units: str = "1",
    slots: int = 1,
    model: str | None = "kling-v2-master",
    images: tuple[ImageRef, ...] = (),
) -> NewTask:
    """A queued text-to-video task for repository tests."""
    params: dict[str, Any] = {"prompt": "a lighthouse"} | ({"model": model} if model is not None else {})
    return NewTask(
        id=task_id, provider="official", kind=TaskKind.TEXT_TO_VIDEO, guild_id=guild, channel_id=10, user_id=user,
        params=params, images=images, callback_token=f"token-{task_id}", slots=slots, units=Decimal(units),
    )  # fmt: skip


async def add_task(storage: Storage, task: NewTask, *, at: float) -> None:
    """Reserve and queue `task` at `at`, accepting it whatever the usage."""
    assert await storage.quotas.reserve(task, lambda _usage: None, now=at, window=DAY) is None


async def execute(storage: Storage, sql: str, *args: Any) -> None:
    """Run one statement written with `?` placeholders on either backend (tests staging a state by hand)."""
    database = storage.database
    if isinstance(database, PostgresDatabase):
        numbered = iter(range(1, sql.count("?") + 1))
        await database.pool.execute(re.sub(r"\?", lambda _: f"${next(numbered)}", sql), *args)
        return
    await database.connection.execute(sql, args)
    await database.connection.commit()


async def applied_versions(storage: Storage) -> list[int]:
    """Return the versions recorded in `schema_migrations`, in order."""
    sql = "SELECT version FROM schema_migrations ORDER BY version"
    database = storage.database
    if isinstance(database, PostgresDatabase):
        return [row[0] for row in await database.fetch(sql)]
    async with database.connection.execute(sql) as cursor:
        return [row[0] for row in await cursor.fetchall()]
