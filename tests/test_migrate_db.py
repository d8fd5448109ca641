"""`migrate-db`: a SQLite database copied into PostgreSQL reads the same through every repository; a second run
changes nothing; a target holding other rows under the same keys is reported, never overwritten."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.vocabulary import Outcome, TaskState
from db import Storage, open_storage
from db.models import ContentRule, GuildSettings, ImageRef, MemberSettings, PolicyOverride, Preset
from db.postgres import PostgresDatabase
from db.transfer import BOOKKEEPING, TABLES, TargetDiffersError, TransferError, copy_sqlite_to_postgres
from tests.storage import DAY, add_task, fresh_postgres_database, new_task
from tests.test_cli import run_bot

postgresql = pytest.mark.postgresql

S = TaskState
T0 = 1_700_000_000.0
GUILD, OTHER_GUILD, ALICE, BOB, ADMIN, ROLE = 111, 222, 1001, 1002, 1003, 5005
IMAGE = ImageRef(field="image", sha256="ab" * 32, size=1234)


@pytest.fixture
async def target() -> AsyncIterator[str]:
    """An empty PostgreSQL database (the test is skipped, or fails under CI=true, when the server is away)."""
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
async def source(tmp_path: Path) -> Path:
    """A SQLite database with tasks in several states, ledger rows, policies, settings, rules, audit and presets."""
    path = tmp_path / "bot.db"
    storage = await open_storage(f"sqlite:///{path}")
    try:
        await fill(storage)
    finally:
        await storage.close()
    return path


async def walk(storage: Storage, task_id: str, path: list[TaskState], **last: Any) -> None:
    """Move a task along `path`, writing `last`'s fields (and settlement) on the final step."""
    current = S.QUEUED
    for i, state in enumerate(path):
        fields = last if i == len(path) - 1 else {}
        assert await storage.tasks.transition(task_id, [current], state, now=T0 + 10 * (i + 1), **fields)
        current = state


async def fill(storage: Storage) -> None:
    """Write one of everything the bot keeps, through the repositories."""
    await add_task(storage, new_task("t-queued", user=ALICE, guild=GUILD, units="1.5"), at=T0)
    await add_task(storage, new_task("t-queued-2", user=BOB, guild=GUILD, units="3", images=(IMAGE,)), at=T0)
    await add_task(storage, new_task("t-delivered", user=ALICE, guild=GUILD, units="2.5", model="kling-v3"), at=T0 + 1)
    await add_task(storage, new_task("t-failed", user=BOB, guild=OTHER_GUILD, units="4"), at=T0 + 2)
    await add_task(storage, new_task("t-processing", user=ALICE, guild=OTHER_GUILD, units="1"), at=T0 + 3)
    await add_task(storage, new_task("t-delivery-failed", user=BOB, guild=GUILD, units="0.5"), at=T0 + 4)
    await walk(storage, "t-processing", [S.SUBMITTING, S.SUBMITTED, S.PROCESSING],
               provider_task_id="k-proc", next_poll_at=T0 + 999.5, expected_at=T0 + 120, polls=3)  # fmt: skip
    await walk(storage, "t-failed", [S.SUBMITTING, S.FAILED], settle="refund", outcome=Outcome.FAILED,
               error_reason="content policy: “nope”")  # fmt: skip
    await walk(storage, "t-delivered", [S.SUBMITTING, S.SUBMITTED, S.SUCCEEDED], settle="charge",
               outcome=Outcome.SUCCEEDED, provider_task_id="k-del", result_urls=["https://cdn.example/a.mp4"],
               result_video_ids=("v-1",), generation_seconds=61.25, provider_units="2.5")  # fmt: skip
    await storage.tasks.update("t-delivered", now=T0 + 40, archived_paths=["/data/archive/t-delivered/0.mp4"])
    await storage.tasks.transition("t-delivered", [S.SUCCEEDED], S.DELIVERING, now=T0 + 41)
    await storage.tasks.transition("t-delivered", [S.DELIVERING], S.DELIVERED, now=T0 + 42,
                                   delivery_message_id=777, status_message_id=666)  # fmt: skip
    await walk(storage, "t-delivery-failed", [S.SUBMITTING, S.SUCCEEDED, S.DELIVERING, S.DELIVERY_FAILED],
               delivery_error="Missing Access", delivery_attempts=5, withheld_by=None)  # fmt: skip
    await storage.quotas.set_guild_policy(GUILD, PolicyOverride(user_daily_units=Decimal("12.5"), user_max_active=2,
                                          guild_monthly_units=Decimal(900)), now=T0)  # fmt: skip
    await storage.quotas.set_role_policy(GUILD, ROLE, PolicyOverride(user_daily_units=Decimal(30)), now=T0)
    settings = GuildSettings(guild_id=GUILD, default_model="kling-v3", default_mode="pro", allowed_channels=(10, 11),
                             alert_channel_id=12, threads=True)  # fmt: skip
    await storage.guilds.save_settings(settings, now=T0)
    await storage.guilds.request_access(GUILD, "Smoke & Mirrors", now=T0)
    await storage.guilds.decide_access(GUILD, "approved", by=ADMIN, now=T0 + 5)
    await storage.guilds.request_access(OTHER_GUILD, "Waiting room", now=T0 + 6)
    await storage.guilds.set_meta("commands_hash", "abc123", now=T0)
    await storage.audit.add_rule(GUILD, ContentRule(pattern="forbidden"), now=T0)
    await storage.audit.add_rule(GUILD, ContentRule(pattern=r"\bbad\w*", is_regex=True), now=T0)
    for n in range(3):
        await storage.audit.record(f"quota.server.{n}", guild_id=GUILD, actor_id=ADMIN, before="a", after="b",
                                   now=T0 + n)  # fmt: skip
    await storage.audit.record("server.access", guild_id=None, actor_id=None, before="", after="approved", now=T0)
    await storage.members.save_settings(MemberSettings(guild_id=GUILD, user_id=ALICE, model="kling-v3", sound=True,
                                        delivery="dm", duration="10"), now=T0)  # fmt: skip
    await storage.members.save_preset(Preset(guild_id=GUILD, owner_id=ALICE, name="Cinematic", prompt_suffix="35mm",
                                      mode="pro", sound=False), limit=25, now=T0)  # fmt: skip
    await storage.members.save_preset(Preset(guild_id=GUILD, owner_id=None, name="house", negative_prompt="blur",
                                      published_by=ADMIN), limit=25, now=T0)  # fmt: skip


TASK_IDS = ("t-queued", "t-queued-2", "t-delivered", "t-failed", "t-processing", "t-delivery-failed")


async def snapshot(storage: Storage) -> dict[str, Any]:
    """Read everything `fill` wrote back through the repositories, as the bot would."""
    tasks, quotas, guilds, members = storage.tasks, storage.quotas, storage.guilds, storage.members
    return {
        "tasks": [await tasks.get(task_id) for task_id in TASK_IDS],
        "ledger": [await quotas.ledger(task_id) for task_id in TASK_IDS],
        "usage": await quotas.usage(GUILD, ALICE, now=T0 + 100, window=DAY),
        "report": await quotas.usage_report(T0 - DAY, T0 + DAY, by=("guild", "user", "model")),
        "queue": [await tasks.queue_position(task_id) for task_id in TASK_IDS],
        "fair": [task.id for task in await tasks.queued_fair(10)],
        "due": [task.id for task in await tasks.due_for_poll(T0 + 10_000, 10)],
        "by_state": await tasks.count_by_state(),
        "history": [task.id for task in await tasks.for_user(GUILD, ALICE, limit=10)],
        "policies": (await quotas.guild_policy(GUILD), await quotas.role_policies(GUILD)),
        "guild": (await guilds.settings(GUILD), await guilds.all_access(), await guilds.get_meta("commands_hash")),
        "audit": (await storage.audit.recent(GUILD, 10), await storage.audit.recent(None, 10)),
        "rules": await storage.audit.rules(GUILD),
        "members": (await members.settings(GUILD, ALICE), await members.presets(GUILD, ALICE)),
        "server_presets": (await members.presets(GUILD, None), await members.preset(GUILD, ALICE, "CINEMATIC")),
    }


@postgresql
async def test_the_copy_reads_the_same_and_a_second_run_changes_nothing(source: Path, target: str) -> None:
    """Every repository read on PostgreSQL equals SQLite's; a second run copies 0 and finds every row there."""
    sqlite = await open_storage(f"sqlite:///{source}")
    expected = await snapshot(sqlite)
    await sqlite.close()
    assert expected["tasks"][2].state is S.DELIVERED
    assert (len(expected["audit"][0]), len(expected["audit"][1])) == (3, 1)

    first = await copy_sqlite_to_postgres(source, target, batch_size=2)  # several batches per table
    counts = {copy.table: copy.copied for copy in first}
    assert [copy.table for copy in first] == [table.name for table in TABLES]
    assert (counts["tasks"], counts["quota_ledger"], counts["audit_log"], counts["presets"]) == (6, 8, 4, 2)
    assert all(copy.already_there == 0 for copy in first)
    postgres = await open_storage(target)
    try:
        assert await snapshot(postgres) == expected
    finally:
        await postgres.close()

    second = await copy_sqlite_to_postgres(source, target)
    assert {copy.table: (copy.copied, copy.already_there) for copy in second} == {
        table: (0, copied) for table, copied in counts.items()
    }
    postgres = await open_storage(target)
    try:
        assert await snapshot(postgres) == expected
        # The identities moved past the copied ids: the bot's next audit entry and reservation go in.
        await postgres.audit.record("after", guild_id=GUILD, actor_id=ADMIN, before="", after="x", now=T0 + 50)
        await add_task(postgres, new_task("t-new", user=ALICE), at=T0 + 50)
        assert (await postgres.audit.recent(GUILD, 1))[0].action == "after"
        assert await postgres.quotas.ledger("t-new") == {"reserve": Decimal(1)}
    finally:
        await postgres.close()


@postgresql
async def test_tasks_keep_their_insertion_order(source: Path, target: str) -> None:
    """PostgreSQL's `seq` follows SQLite's rowid, so ties in time break the same way on both."""
    await copy_sqlite_to_postgres(source, target)
    database = await PostgresDatabase.open(target)
    try:
        rows = await database.fetch("SELECT id FROM tasks ORDER BY seq")
    finally:
        await database.close()
    assert [row["id"] for row in rows] == list(TASK_IDS)


@postgresql
async def test_a_differing_row_is_reported_and_nothing_is_written(source: Path, target: str) -> None:
    """The target changed a task and a setting: both are named, and not even the new source rows go in."""
    await copy_sqlite_to_postgres(source, target)
    postgres = await open_storage(target)
    try:
        await postgres.tasks.transition("t-queued", [S.QUEUED], S.SUBMITTING, now=T0 + 500)
        await postgres.guilds.save_settings(GuildSettings(guild_id=GUILD, default_model="kling-v2-6"), now=T0)
    finally:
        await postgres.close()
    sqlite = await open_storage(f"sqlite:///{source}")
    await add_task(sqlite, new_task("t-later", user=BOB), at=T0 + 600)
    await sqlite.close()

    with pytest.raises(TargetDiffersError) as refused:
        await copy_sqlite_to_postgres(source, target)
    differing = {copy.table: copy for copy in refused.value.copies}
    assert set(differing) == {"tasks", "guild_settings"}
    (task_example,) = differing["tasks"].examples
    assert task_example.startswith("tasks id='t-queued': state 'queued' in SQLite, 'submitting' in PostgreSQL")
    assert "default_model 'kling-v3' in SQLite, 'kling-v2-6' in PostgreSQL" in differing["guild_settings"].examples[0]
    postgres = await open_storage(target)
    try:
        assert await postgres.tasks.get("t-later") is None
        assert (await postgres.tasks.get("t-queued")).state is S.SUBMITTING  # type: ignore[union-attr]
    finally:
        await postgres.close()


@postgresql
async def test_the_command_summarises_each_table_and_never_shows_the_password(source: Path, target: str) -> None:
    """`python -m bot migrate-db`: "copied N, already there M" per table, twice; the URL's password stays hidden."""
    secret = "pg-Secret-4711"  # trust authentication ignores it, so the URL still connects
    parts = urlsplit(target)
    with_password = urlunsplit(parts._replace(netloc=f"{parts.username or 'postgres'}:{secret}@{parts.hostname}:"
                                              f"{parts.port or 5432}"))  # fmt: skip
    env = {"DATABASE_URL": f"sqlite:///{source}", "LOG_LEVEL": "DEBUG"}
    code, first, errors = await run_bot("migrate-db", "--to", with_password, env=env, cwd=source.parent)
    assert code == 0, errors
    assert "  tasks            copied 6, already there 0" in first
    assert "Done: " in first
    code, second, errors = await run_bot("migrate-db", "--to", with_password, env=env, cwd=source.parent)
    assert code == 0, errors
    assert "  tasks            copied 0, already there 6" in second
    assert ":***@" in first
    assert secret not in first + second + errors


async def test_every_table_the_migrations_make_is_copied(tmp_path: Path) -> None:
    """A migration that adds a table must add it to `db.transfer.TABLES` (or the copy would leave it behind)."""
    storage = await open_storage(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        database = storage.database
        assert not isinstance(database, PostgresDatabase)
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
        async with database.connection.execute(sql) as cursor:
            names = {row[0] for row in await cursor.fetchall()}
    finally:
        await storage.close()
    assert names == {table.name for table in TABLES} | BOOKKEEPING


@postgresql
async def test_a_table_it_does_not_know_is_refused(source: Path, target: str) -> None:
    """A source with a table migrate-db doesn't copy is refused, not copied in part."""
    sqlite = await open_storage(f"sqlite:///{source}")
    database = sqlite.database
    assert not isinstance(database, PostgresDatabase)
    await database.connection.execute("CREATE TABLE extra (id INTEGER PRIMARY KEY)")
    await sqlite.close()
    with pytest.raises(TransferError, match="tables migrate-db doesn't copy yet: extra"):
        await copy_sqlite_to_postgres(source, target)


async def test_the_command_refuses_a_target_that_is_not_postgresql(source: Path) -> None:
    """A wrong --to or a missing source: exit 2 with the reason, nothing opened."""
    code, _, errors = await run_bot("migrate-db", "--to", f"sqlite:///{source}", "--from", f"sqlite:///{source}",
                                    env={}, cwd=source.parent)  # fmt: skip
    assert code == 2
    assert "is not PostgreSQL" in errors
    code, _, errors = await run_bot("migrate-db", "--to", "postgresql://x@127.0.0.1:9/db", "--from",
                                    "sqlite:///nowhere.db", env={}, cwd=source.parent)  # fmt: skip
    assert code == 2
    assert "does not exist" in errors
