"""The guild, audit and member repositories' contract on SQLite and PostgreSQL, and the migrations: the same
versions on both backends, applied once even when two processes open an empty database together."""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
from contextlib import closing

import asyncpg
import pytest

from bot.vocabulary import TaskState
from db import Storage, open_storage
from db.audit import SqliteAudit
from db.coordination import SoloCoordination
from db.guilds import SqliteGuilds
from db.members import SqliteMembers
from db.models import AuditEntry, ContentRule, GuildAccess, GuildSettings, MemberSettings, Preset
from db.postgres import PostgresAudit, PostgresGuilds, PostgresMembers, PostgresQuotas, PostgresTasks
from db.postgres.coordination import PostgresCoordination
from db.quotas import SqliteQuotas
from db.sqlite import pending_migrations
from db.tasks import SqliteTasks
from tests.storage import add_task, applied_versions, new_task


def test_each_sqlite_migration_has_its_postgresql_twin() -> None:
    """Every version ships for both backends under the same name, so `schema_migrations` means the same."""
    sqlite = [(version, name) for version, name, _ in pending_migrations(0)]
    postgres = [(version, name) for version, name, _ in pending_migrations(0, "db.postgres.migrations")]
    assert postgres == sqlite


async def test_migrations_apply_once_when_two_processes_open_together(database_url: str) -> None:
    """Two storages opening an empty database at once: both work, and each version is recorded once."""
    first, second = await asyncio.gather(open_storage(database_url), open_storage(database_url))
    try:
        shipped = [version for version, _, _ in pending_migrations(0)]
        assert await applied_versions(first) == shipped
        await first.guilds.set_meta("k", "v", now=1.0)
        assert await second.guilds.get_meta("k") == "v"
    finally:
        await first.close()
        await second.close()
    reopened = await open_storage(database_url)
    assert await applied_versions(reopened) == shipped
    await reopened.close()


async def test_a_migration_merged_after_a_higher_one_is_still_applied(backend: str, database_url: str) -> None:
    """A database that had V012 before V010 and V011 existed (work merged out of order) gets them at open."""
    await _migrate_all_but(backend, database_url, {10, 11})
    storage = await open_storage(database_url)
    try:
        assert await applied_versions(storage) == [version for version, _, _ in pending_migrations(0)]
        await add_task(storage, new_task("t1"), at=1.0)  # writes deliver_to (V011)
        assert await storage.tasks.set_withheld("t1", [TaskState.QUEUED], 7, now=2.0) is not None  # V010
    finally:
        await storage.close()


async def _migrate_all_but(backend: str, url: str, left_out: set[int]) -> None:
    """Bring an empty database up to date except `left_out`, as the backend's own runner would have."""
    record = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ({}, {}, 0)"
    table = "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
    if backend == "sqlite":
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn, conn:  # closed, and committed
            conn.execute(table)
            for version, name, sql in pending_migrations(0):
                if version not in left_out:
                    conn.executescript(sql)
                    conn.execute(record.format("?", "?"), (version, name))
        return
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(table)
        for version, name, sql in pending_migrations(0, "db.postgres.migrations"):
            if version not in left_out:
                await conn.execute(sql)
                await conn.execute(record.format("$1", "$2"), version, name)
    finally:
        await conn.close()


async def test_guild_settings_access_and_meta(storage: Storage) -> None:
    """Settings default until saved and are replaced whole; access is requested once and decided; meta is kept."""
    assert await storage.guilds.settings(1) == GuildSettings(guild_id=1)
    chosen = GuildSettings(
        guild_id=1, default_model="kling-v2-master", default_mode="pro", allowed_channels=(7, 2**62),
        alert_channel_id=2**60, threads=True,
    )  # fmt: skip
    await storage.guilds.save_settings(chosen, now=1.0)
    assert await storage.guilds.settings(1) == chosen
    await storage.guilds.save_settings(GuildSettings(guild_id=1, threads=False), now=2.0)
    assert await storage.guilds.settings(1) == GuildSettings(guild_id=1)
    assert await storage.guilds.request_access(5, "Five", now=10.0)
    assert not await storage.guilds.request_access(5, "Again", now=11.0)
    assert await storage.guilds.request_access(3, "Three", now=10.0)
    await storage.guilds.decide_access(5, "approved", by=99, now=12.0)
    await storage.guilds.decide_access(8, "denied", by=None, now=9.0)
    assert await storage.guilds.access(5) == GuildAccess(
        guild_id=5, name="Five", status="approved", requested_at=10.0, decided_at=12.0, decided_by=99
    )
    assert await storage.guilds.access(4) is None
    assert [a.guild_id for a in await storage.guilds.all_access()] == [3, 5, 8]  # newest request first, then id
    assert await storage.guilds.get_meta("commands") is None
    await storage.guilds.set_meta("commands", "abc", now=1.0)
    await storage.guilds.set_meta("commands", "def", now=2.0)
    assert await storage.guilds.get_meta("commands") == "def"


async def test_audit_log_and_content_rules(storage: Storage) -> None:
    """Entries come newest first (ties: the later one first), per server or the operator's; rules are kept once."""
    for action, guild, at in [("a", 1, 1.0), ("b", 1, 2.0), ("c", 1, 2.0), ("op", None, 3.0), ("x", 2, 4.0)]:
        await storage.audit.record(action, guild_id=guild, actor_id=7, before="old", after="new", now=at)
    assert [e.action for e in await storage.audit.recent(1, 10)] == ["c", "b", "a"]
    assert [e.action for e in await storage.audit.recent(1, 2)] == ["c", "b"]
    assert await storage.audit.recent(None, 10) == [
        AuditEntry(guild_id=None, actor_id=7, action="op", before="old", after="new", at=3.0)
    ]
    assert await storage.audit.add_rule(1, ContentRule(pattern="zebra"), now=5.0)
    assert await storage.audit.add_rule(1, ContentRule(pattern="Apple", is_regex=True), now=5.0)
    assert await storage.audit.add_rule(1, ContentRule(pattern="first"), now=4.0)
    assert not await storage.audit.add_rule(1, ContentRule(pattern="zebra", is_regex=True), now=6.0)
    assert await storage.audit.add_rule(1, ContentRule(pattern="ZEBRA"), now=6.0)  # patterns are case-sensitive
    assert await storage.audit.rules(1) == [
        ContentRule(pattern="first"), ContentRule(pattern="Apple", is_regex=True), ContentRule(pattern="zebra"),
        ContentRule(pattern="ZEBRA"),
    ]  # fmt: skip
    assert await storage.audit.remove_rule(1, "zebra")
    assert not await storage.audit.remove_rule(1, "zebra")
    assert await storage.audit.rules(2) == []


async def test_member_settings_and_presets(storage: Storage) -> None:
    """A member's settings per server; presets per owner, found and replaced in any case, bounded per owner."""
    assert await storage.members.settings(1, 5) == MemberSettings(guild_id=1, user_id=5)
    chosen = MemberSettings(guild_id=1, user_id=5, model="kling-v3", sound=False, delivery="dm")
    await storage.members.save_settings(chosen, now=1.0)
    assert await storage.members.settings(1, 5) == chosen
    await storage.members.save_settings(MemberSettings(guild_id=1, user_id=5, sound=True), now=2.0)
    assert (await storage.members.settings(1, 5)).sound is True
    await storage.members.reset_settings(1, 5)
    assert await storage.members.settings(1, 5) == MemberSettings(guild_id=1, user_id=5)

    def preset(name: str, owner: int | None = 5, **fields: object) -> Preset:
        return Preset.model_validate({"guild_id": 1, "owner_id": owner, "name": name, **fields})

    assert await storage.members.save_preset(preset("beta", sound=True), limit=2, now=1.0)
    assert await storage.members.save_preset(preset("Alpha", prompt_suffix="golden hour"), limit=2, now=1.0)
    assert not await storage.members.save_preset(preset("gamma"), limit=2, now=1.0)
    assert await storage.members.save_preset(preset("BETA", mode="pro"), limit=2, now=2.0)  # replaces "beta"
    assert await storage.members.save_preset(preset("beta", owner=None, published_by=9), limit=2, now=2.0)
    assert [p.name for p in await storage.members.presets(1, 5)] == ["Alpha", "BETA"]
    assert await storage.members.preset(1, 5, "beta") == preset("BETA", mode="pro")
    assert await storage.members.preset(1, None, "BETA") == preset("beta", owner=None, published_by=9)
    assert await storage.members.preset(1, 6, "beta") is None
    assert await storage.members.delete_preset(1, 5, "alpha")
    assert not await storage.members.delete_preset(1, 5, "alpha")


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        (SqliteTasks, PostgresTasks),
        (SqliteQuotas, PostgresQuotas),
        (SqliteGuilds, PostgresGuilds),
        (SqliteAudit, PostgresAudit),
        (SqliteMembers, PostgresMembers),
        (SoloCoordination, PostgresCoordination),
    ],
)
def test_each_sqlite_repository_method_has_its_postgresql_twin(sqlite: type, postgres: type) -> None:
    """A method added on one backend only would fail there at run time: every public one exists on both, alike."""
    for name, method in inspect.getmembers(sqlite, inspect.isfunction):
        if name.startswith("_"):
            continue
        assert hasattr(postgres, name), f"{postgres.__name__} lacks {name}"
        theirs = inspect.signature(getattr(postgres, name))
        assert list(theirs.parameters)[1:] == list(inspect.signature(method).parameters)[1:], name
