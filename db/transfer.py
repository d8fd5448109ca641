"""Copy a SQLite database into PostgreSQL (`python -m bot migrate-db`), keeping every id.

Every table the bot keeps is copied column by column, in batches. A row the target already holds under the
same key is left alone: counted as "already there" when it is the same, reported when it differs (never
overwritten). So a second run copies nothing and changes nothing.

The whole copy is one transaction at the target. A refusal or a failure half-way (a lost connection, a full
disk) leaves the target as it was, never holding tasks without their ledger rows (quotas would be wrong) or
half a table; a rerun skips what is there, so committing table by table would buy nothing. PostgreSQL takes a
large transaction in its stride (no lock escalation), and the batches bound the memory used here. The source
is read in one snapshot (a read transaction), so a bot still writing to it can't tear the copy.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg

from bot.text import shown
from db.postgres.database import Connection, PostgresDatabase
from db.postgres.locks import LOCK_NAMESPACE, TRANSFER_LOCK
from db.sqlite import SqliteDatabase

BATCH_SIZE = 500
SHOWN_DIFFERENCES = 10  # example rows per table; the count says how many in all
BOOKKEEPING = frozenset({"schema_migrations"})  # each database's own record of its migrations
CONVERTERS: dict[str, Any] = {
    "boolean": bool,  # SQLite's 0/1
    "smallint": int,
    "integer": int,
    "bigint": int,
    "double precision": float,
    "real": float,
    "text": str,
    "character varying": str,
    "json": str,  # the text as written; compared as JSON
    "jsonb": str,
}
JSON_TYPES = frozenset({"json", "jsonb"})


@dataclass(frozen=True)
class Table:
    """A table to copy: its key and the order it is read in."""

    name: str
    key: tuple[str, ...]
    order: str = ""  # ORDER BY at the source; default: the key
    folded: str = ""  # a key column that matches in any case (SQLite's COLLATE NOCASE, lower() in PostgreSQL)


# Parents before children (tasks before their ledger rows).
TABLES = (
    # Read in insertion order, which becomes PostgreSQL's `seq`: it breaks ties in time as SQLite's rowid does.
    Table("tasks", ("id",), order="rowid"),
    Table("quota_ledger", ("id",)),
    Table("guild_policies", ("guild_id",)),
    Table("role_policies", ("guild_id", "role_id")),
    Table("guild_settings", ("guild_id",)),
    Table("guild_access", ("guild_id",)),
    Table("meta", ("key",)),
    Table("content_rules", ("guild_id", "pattern")),
    Table("audit_log", ("id",)),
    Table("member_settings", ("guild_id", "user_id")),
    Table("presets", ("guild_id", "owner_id", "name"), folded="name"),
)


@dataclass(frozen=True)
class Column:
    """A column as the target has it."""

    name: str
    type: str  # PostgreSQL's data_type: "bigint", "json", …
    identity: bool  # GENERATED … AS IDENTITY: the copy writes the source's value over the generated one


@dataclass
class TableCopy:
    """What copying one table did (or, refused, would have done)."""

    table: str
    copied: int = 0
    already_there: int = 0
    differing: int = 0
    examples: list[str] = field(default_factory=list)  # the first rows that differ, described


class TransferError(Exception):
    """The copy can't be made; nothing was written to the target."""


class TargetDiffersError(TransferError):
    """The target holds rows that differ from the source's under the same key; nothing was written."""

    def __init__(self, copies: list[TableCopy]) -> None:
        self.copies = [copy for copy in copies if copy.differing]
        total = sum(copy.differing for copy in self.copies)
        super().__init__(f"{total} row(s) at the target differ from the source's under the same key")


async def copy_sqlite_to_postgres(source: Path, target_url: str, *, batch_size: int = BATCH_SIZE) -> list[TableCopy]:
    """Copy the SQLite database at `source` into the PostgreSQL database at `target_url`; return what each table did.

    Both schemas are first brought up to date by their migrations (as the bot does at start). Raises
    `TargetDiffersError` (reporting the rows) or `TransferError`; then the target is left as it was.
    """
    if not await asyncio.to_thread(source.is_file):  # else SQLite would make an empty one there
        raise TransferError(f"{source}: no such SQLite database")
    sqlite = await SqliteDatabase.open(source)
    try:
        postgres = await PostgresDatabase.open(target_url)
        try:
            return await _copy(sqlite.connection, postgres, batch_size)
        finally:
            await postgres.close()
    finally:
        await sqlite.close()


async def _copy(source: aiosqlite.Connection, target: PostgresDatabase, batch_size: int) -> list[TableCopy]:
    await _refuse_unknown_tables(source)
    await source.execute("BEGIN")  # one snapshot of the source for the whole copy
    try:
        async with target.transaction() as conn:
            # A second copy into the same database waits, then finds everything there.
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_NAMESPACE, TRANSFER_LOCK)
            copies = [await _copy_table(source, conn, table, batch_size) for table in TABLES]
            if any(copy.differing for copy in copies):
                raise TargetDiffersError(copies)  # rolls the whole copy back
            return copies
    finally:
        await source.rollback()


async def _refuse_unknown_tables(source: aiosqlite.Connection) -> None:
    """Refuse to copy a database with a table this module doesn't know: it would be left behind silently."""
    sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    async with source.execute(sql) as cursor:
        names = {str(row[0]) for row in await cursor.fetchall()}
    unknown = sorted(names - BOOKKEEPING - {table.name for table in TABLES})
    if unknown:
        raise TransferError(f"the source has tables migrate-db doesn't copy yet: {', '.join(unknown)}")


async def _copy_table(source: aiosqlite.Connection, conn: Connection, table: Table, batch_size: int) -> TableCopy:
    columns = await _columns(source, conn, table)
    copy = TableCopy(table.name)
    names = ", ".join(_quoted(column.name) for column in columns)
    order = table.order or ", ".join(_quoted(key) for key in table.key)
    async with source.execute(f"SELECT {names} FROM {table.name} ORDER BY {order}") as cursor:
        while rows := await cursor.fetchmany(batch_size):
            await _copy_batch(conn, table, columns, [_converted(columns, row) for row in rows], copy)
    if copy.copied:
        await _advance_identities(conn, table, columns)
    return copy


async def _columns(source: aiosqlite.Connection, conn: Connection, table: Table) -> list[Column]:
    """Return the source's columns as the target has them; refuse a column the target lacks or can't take."""
    async with source.execute(f"PRAGMA table_info({table.name})") as cursor:
        names = [str(row[1]) for row in await cursor.fetchall()]
    rows = await conn.fetch(
        "SELECT column_name, data_type, is_identity = 'YES' AS identity FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = $1",
        table.name,
    )
    target = {row["column_name"]: Column(row["column_name"], row["data_type"], row["identity"]) for row in rows}
    missing = [name for name in names if name not in target]
    if missing:
        raise TransferError(f"{table.name}: the target has no column {', '.join(missing)}")
    odd = [f"{name} ({target[name].type})" for name in names if target[name].type not in CONVERTERS]
    if odd:
        raise TransferError(f"{table.name}: migrate-db has no rule for the column {', '.join(odd)}")
    return [target[name] for name in names]


def _converted(columns: list[Column], row: aiosqlite.Row) -> list[Any]:
    """Return a source row as the target's column types take it (0/1 as booleans, JSON as its text)."""
    return [
        None if value is None else CONVERTERS[column.type](value) for column, value in zip(columns, row, strict=True)
    ]


async def _copy_batch(
    conn: Connection, table: Table, columns: list[Column], rows: list[list[Any]], copy: TableCopy
) -> None:
    """Insert the rows the target lacks; count the ones it has, and describe those it has differently."""
    there = await _existing(conn, table, columns, rows)
    missing = []
    for index, row in enumerate(rows):
        found = there.get(index)
        if found is None:
            missing.append(row)
            continue
        changed = [(c, v, found[c.name]) for c, v in zip(columns, row, strict=True) if _differ(c, v, found[c.name])]
        if not changed:
            copy.already_there += 1
            continue
        copy.differing += 1
        if len(copy.examples) < SHOWN_DIFFERENCES:
            copy.examples.append(_describe(table, columns, row, changed))
    if missing:
        copy.copied += await _insert(conn, table, columns, missing)


async def _existing(
    conn: Connection, table: Table, columns: list[Column], rows: list[list[Any]]
) -> dict[int, asyncpg.Record]:
    """Return the target's rows under the keys of `rows`, by their index in `rows`."""
    positions = {column.name: i for i, column in enumerate(columns)}
    keys = [columns[positions[name]] for name in table.key]
    arrays = [[row[positions[key.name]] for row in rows] for key in keys]
    unnest = ", ".join(f"${n}::{key.type}[]" for n, key in enumerate(keys, 1))
    aliases = [f"k{n}" for n in range(len(keys))]
    found = await conn.fetch(
        f"SELECT u.ord, t.* FROM unnest({unnest}) WITH ORDINALITY AS u({', '.join(aliases)}, ord) "
        f"JOIN {table.name} t ON ({_key(table, 't.')}) = ({_key(table, 'u.', aliases)})",
        *arrays,
    )
    return {int(row["ord"]) - 1: row for row in found}


async def _insert(conn: Connection, table: Table, columns: list[Column], rows: list[list[Any]]) -> int:
    """Insert `rows` in their order, keeping identity values; return how many went in."""
    names = ", ".join(_quoted(column.name) for column in columns)
    unnest = ", ".join(f"${n}::{column.type}[]" for n, column in enumerate(columns, 1))
    overriding = " OVERRIDING SYSTEM VALUE" if any(column.identity for column in columns) else ""
    arrays = [[row[i] for row in rows] for i in range(len(columns))]
    try:
        inserted = await conn.fetch(
            f"INSERT INTO {table.name} ({names}){overriding} SELECT {names} FROM unnest({unnest}) "
            f"WITH ORDINALITY AS u({names}, ord) ORDER BY ord ON CONFLICT ({_key(table)}) DO NOTHING RETURNING 1",
            *arrays,
        )
    except asyncpg.UniqueViolationError as exc:  # the same row under another unique key, e.g. a ledger entry
        raise TransferError(f"{table.name}: the target already holds a different row: {exc.detail}") from exc
    if len(inserted) != len(rows):
        raise TransferError(f"{table.name}: rows appeared at the target while copying; is a bot running on it?")
    return len(inserted)


async def _advance_identities(conn: Connection, table: Table, columns: list[Column]) -> None:
    """Move each identity past the copied ids, so the bot's next insert doesn't collide with them."""
    for column in (column for column in columns if column.identity):
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence($1, $2)::regclass, GREATEST("
            f"(SELECT max({_quoted(column.name)}) FROM {table.name}), "
            f"COALESCE(pg_sequence_last_value(pg_get_serial_sequence($1, $2)::regclass), 1)))",
            table.name,
            column.name,
        )


def _key(table: Table, prefix: str = "", names: list[str] | None = None) -> str:
    """Return the key as SQL: `prefix` + each column (or `names`), lower()ed where the key folds case."""
    parts = []
    for key, name in zip(table.key, names or table.key, strict=True):
        column = prefix + _quoted(name)
        parts.append(f"lower({column})" if key == table.folded else column)
    return ", ".join(parts)


def _differ(column: Column, ours: Any, theirs: Any) -> bool:
    if column.type in JSON_TYPES and ours is not None and theirs is not None:
        return bool(json.loads(ours) != json.loads(theirs))  # the same JSON, however spaced
    return bool(ours != theirs)


def _describe(table: Table, columns: list[Column], row: list[Any], changed: list[tuple[Column, Any, Any]]) -> str:
    positions = {column.name: i for i, column in enumerate(columns)}
    key = ", ".join(f"{name}={row[positions[name]]!r}" for name in table.key)
    what = "; ".join(
        f"{c.name} {shown(repr(ours))} in SQLite, {shown(repr(theirs))} in PostgreSQL" for c, ours, theirs in changed
    )
    return f"{table.name} {key}: {what}"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
