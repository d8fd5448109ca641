"""`python -m bot` as an operator runs it: readable settings errors, and `check` against the fake provider."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bot.quota import QUOTA_WINDOW
from bot.vocabulary import TaskState
from db import open_storage
from db.models import NewTask
from tests.conftest import ACCESS_KEY, API_KEY, SECRET_KEY
from tests.fake_kling import FakeKling, SystemClock

ROOT = Path(__file__).resolve().parents[1]


async def run_bot(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """Run `python -m bot ARGS` in a subprocess (the fake keeps serving on this loop meanwhile)."""
    base = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "HOME": str(cwd)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env={**base, **env}, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_empty_environment_exits_naming_what_is_missing(tmp_path: Path) -> None:
    """No settings: a non-zero exit and one readable message naming each missing setting, no traceback."""
    code, stdout, stderr = await run_bot(env={}, cwd=tmp_path)
    assert code == 2
    assert "DISCORD_TOKEN: missing" in stderr
    assert "KLING_API_KEY (or KLING_ACCESS_KEY + KLING_SECRET_KEY): missing" in stderr
    assert "Traceback" not in stderr + stdout


@pytest.mark.parametrize("role", ["gateway", "worker"])
async def test_a_role_refuses_sqlite_naming_database_url(tmp_path: Path, role: str) -> None:
    """`gateway` and `worker` share the work through PostgreSQL: on SQLite they exit at once, saying what to set."""
    env = {"DISCORD_TOKEN": "t", "KLING_API_KEY": API_KEY, "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    code, stdout, stderr = await run_bot(role, env=env, cwd=tmp_path)
    assert code == 2
    assert "DATABASE_URL=postgresql://" in stderr
    assert "Traceback" not in stderr + stdout
    assert not (tmp_path / "bot.db").exists()  # refused before opening anything


@pytest.mark.parametrize("dialect", ["official", "cometapi", "anyfast"])
async def test_check_prints_ok_against_the_fake(fake: FakeKling, tmp_path: Path, dialect: str) -> None:
    """`check` with good settings probes the provider and prints OK for every line."""
    env = {"DISCORD_TOKEN": "t", "KLING_PROVIDER": dialect, "KLING_API_KEY": API_KEY, "KLING_BASE_URL": fake.base_url}
    code, stdout, _ = await run_bot("check", env=env, cwd=tmp_path)
    assert code == 0, stdout
    assert f"OK    provider {dialect} at {fake.base_url}" in stdout
    assert "FAIL" not in stdout
    if dialect == "official":  # GET /account/costs: each pack, what it has left, when it expires
        pack = fake.account.packs[0]
        assert "INFO  balance:" in stdout
        assert f"- {pack.name}: " in stdout
    else:
        assert f"INFO  balance: {dialect} doesn't report an account balance" in stdout


async def test_check_with_access_and_secret_key(tmp_path: Path) -> None:
    """The JWT path works end to end from the environment (the fake checks signature, exp and nbf)."""
    async with FakeKling(access_key=ACCESS_KEY, secret_key=SECRET_KEY, clock=SystemClock()) as fake:
        env = {
            "DISCORD_TOKEN": "t",
            "KLING_ACCESS_KEY": ACCESS_KEY,
            "KLING_SECRET_KEY": SECRET_KEY,
            "KLING_BASE_URL": fake.base_url,
        }
        code, stdout, _ = await run_bot("check", env=env, cwd=tmp_path)
    assert code == 0, stdout


@pytest.mark.parametrize(
    ("dialect", "env", "reason"),
    [
        ("official", {"KLING_API_KEY": "wrong-key"}, "bad credentials: the provider rejected KLING_API_KEY"),
        ("anyfast", {"KLING_API_KEY": "wrong-key"}, "bad credentials"),
        ("official", {"KLING_ACCESS_KEY": ACCESS_KEY, "KLING_SECRET_KEY": SECRET_KEY}, "fix this host's clock"),
        ("cometapi", {"KLING_API_KEY": API_KEY, "KLING_PROVIDER": "official"}, "wrong host?"),
    ],
)
async def test_check_names_the_reason(
    fake: FakeKling, tmp_path: Path, dialect: str, env: dict[str, str], reason: str
) -> None:
    """Bad key, a clock far off the provider's (the fake's clock is years ahead), or the wrong provider."""
    full_env = {"DISCORD_TOKEN": "t", "KLING_PROVIDER": dialect, "KLING_BASE_URL": fake.base_url, **env}
    code, stdout, _ = await run_bot("check", env=full_env, cwd=tmp_path)
    assert code == 1
    assert reason in stdout


async def test_check_unreachable_host(tmp_path: Path) -> None:
    """Nothing listening: the reason says the host can't be reached."""
    env = {"DISCORD_TOKEN": "t", "KLING_API_KEY": "k", "KLING_BASE_URL": "http://127.0.0.1:9"}
    code, stdout, _ = await run_bot("check", env=env, cwd=tmp_path)
    assert code == 1
    assert "cannot reach http://127.0.0.1:9" in stdout


async def test_missing_credentials_suggest_the_simulator(tmp_path: Path) -> None:
    """No Kling key: the bot refuses to start and points at the simulator (it never falls back silently)."""
    code, _, stderr = await run_bot(env={"DISCORD_TOKEN": "t"}, cwd=tmp_path)
    assert code == 2
    assert "KLING_PROVIDER=simulator" in stderr


async def test_check_with_the_simulator_needs_no_account(tmp_path: Path) -> None:
    """`KLING_PROVIDER=simulator`: no key needed, and check passes."""
    code, stdout, _ = await run_bot("check", env={"DISCORD_TOKEN": "t", "KLING_PROVIDER": "simulator"}, cwd=tmp_path)
    assert code == 0, stdout
    assert "OK    provider simulator" in stdout


async def test_check_reports_database_and_callback_url(fake: FakeKling, tmp_path: Path) -> None:
    """`check` opens the database, and warns (without failing) when the public callback URL reaches no bot."""
    env = {
        "DISCORD_TOKEN": "t",
        "KLING_PROVIDER": fake.dialect,
        "KLING_API_KEY": API_KEY,
        "KLING_BASE_URL": fake.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db' / 'bot.db'}",
        "WEB_PUBLIC_URL": "http://127.0.0.1:9",
    }
    code, stdout, _ = await run_bot("check", env=env, cwd=tmp_path)
    assert code == 0, stdout
    assert f"OK    database sqlite:///{tmp_path / 'db' / 'bot.db'}" in stdout
    assert "WARN  callback URL http://127.0.0.1:9" in stdout


async def test_usage_exports_csv(tmp_path: Path, database_url: str) -> None:
    """`usage` writes one CSV row per guild and user with tasks and units (from each backend)."""
    url = database_url
    storage = await open_storage(url)
    now = time.time()
    for index, outcome in enumerate(("succeeded", "failed")):
        task = NewTask(
            id=f"00000000-0000-0000-0000-00000000000{index}", provider="official", kind="text2video", guild_id=7,
            channel_id=8, user_id=9, params={}, images=(), callback_token="t", slots=1, units=Decimal("1.5"),
        )  # fmt: skip
        await storage.quotas.reserve(task, lambda usage: None, now=now, window=QUOTA_WINDOW)
        await storage.tasks.transition(task.id, [TaskState.QUEUED], TaskState.SUBMITTING, now=now)
        settle = "charge" if outcome == "succeeded" else "refund"
        await storage.tasks.transition(
            task.id, [TaskState.SUBMITTING], TaskState.SUCCEEDED if settle == "charge" else TaskState.FAILED,
            now=now, settle=settle, outcome=outcome,
        )  # fmt: skip
    await storage.close()
    today = datetime.now(UTC).date().isoformat()
    code, stdout, _ = await run_bot("usage", "--since", today, env={"DATABASE_URL": url}, cwd=tmp_path)
    assert code == 0
    assert stdout.splitlines() == [
        "guild_id,user_id,tasks,succeeded,failed,units_charged,units_refunded,cost,currency",
        "7,9,2,1,1,1.5,1.5,0.21,USD",
    ]


async def test_usage_by_model_and_day_as_a_table(tmp_path: Path, database_url: str) -> None:
    """`usage --by model,day --table`: one aligned row per model and day, with the cost in money (each backend)."""
    url = database_url
    storage = await open_storage(url)
    now = time.time()
    for index, model in enumerate(("kling-v2-6", "kling-v2-6", "kling-v2-master")):
        task = NewTask(
            id=f"00000000-0000-0000-0000-00000000001{index}", provider="official", kind="text2video", guild_id=7,
            channel_id=8, user_id=9 + index, params={"model": model}, images=(), callback_token="t", slots=1,
            units=Decimal("1.5") if model == "kling-v2-6" else Decimal(10),
        )  # fmt: skip
        await storage.quotas.reserve(task, lambda usage: None, now=now, window=QUOTA_WINDOW)
        await storage.tasks.transition(task.id, [TaskState.QUEUED], TaskState.SUBMITTING, now=now)
        await storage.tasks.transition(
            task.id, [TaskState.SUBMITTING], TaskState.SUCCEEDED, now=now, settle="charge", outcome="succeeded"
        )
    await storage.close()
    today = datetime.now(UTC).date().isoformat()
    code, stdout, _ = await run_bot(
        "usage", "--since", today, "--by", "model,day", "--table", env={"DATABASE_URL": url}, cwd=tmp_path
    )
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0].split() == [
        "model", "day", "tasks", "succeeded", "failed", "units_charged", "units_refunded", "cost", "currency",
    ]  # fmt: skip
    assert lines[2].split() == ["kling-v2-6", today, "2", "2", "0", "3", "0", "0.42", "USD"]
    assert lines[3].split() == ["kling-v2-master", today, "1", "1", "0", "10", "0", "1.40", "USD"]
