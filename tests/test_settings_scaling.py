"""Settings for running at scale: shards validated and named, and DATABASE_URL's password kept secret."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from bot.logs import redact, setup_logging
from bot.settings import DiscordSettings, SettingsError, hide_passwords, load_settings, without_password
from tests.test_cli import run_bot

PASSWORD = "Pg-s3cret-pass"
URL = f"postgresql://kling:{PASSWORD}@db.internal:5432/kling"


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"SHARD_IDS": "0,1"}, "SHARD_IDS: needs SHARD_COUNT"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,2"}, "SHARD_IDS: each id must be from 0 to 1 (SHARD_COUNT is 2)"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "1,1"}, "SHARD_IDS: an id is listed twice"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT: Input should be greater than or equal to 1"),
        ({"SHARD_COUNT": "two"}, "SHARD_COUNT: "),
    ],
)
def test_shard_settings_are_checked_and_named(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], problem: str
) -> None:
    """Ids below the count, each once; SHARD_IDS needs SHARD_COUNT; each problem names its variable."""
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    monkeypatch.setenv("KLING_PROVIDER", "simulator")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings(None)
    assert problem in str(caught.value)
    assert "DISCORD_SHARD" not in str(caught.value)


@pytest.mark.parametrize(
    ("env", "count", "ids", "sharded"),
    [
        ({}, None, None, False),
        ({"SHARD_COUNT": "4"}, 4, None, True),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "2, 3"}, 4, (2, 3), True),
        ({"SHARD_COUNT": "1", "SHARD_IDS": ""}, 1, None, True),
    ],
)
def test_shard_settings_read(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], count: int | None, ids: tuple[int, ...] | None, sharded: bool
) -> None:
    """Unset: unsharded; SHARD_COUNT alone: every shard in this process; SHARD_IDS: those."""
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = DiscordSettings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.shard_count, settings.shard_ids, settings.sharded) == (count, ids, sharded)


def test_the_database_password_never_prints_or_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    """DATABASE_URL is a secret: not in repr, masked when shown, and redacted from every log line."""
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    monkeypatch.setenv("KLING_PROVIDER", "simulator")
    monkeypatch.setenv("DATABASE_URL", URL)
    settings = load_settings(None)
    assert settings.storage.database_url.get_secret_value() == URL
    assert PASSWORD not in repr(settings)
    assert PASSWORD not in str(settings.storage)
    assert without_password(URL) == "postgresql://kling:***@db.internal:5432/kling"
    assert hide_passwords(f"can't connect to {URL}", URL) == f"can't connect to {without_password(URL)}"
    assert PASSWORD in settings.secret_values()

    stream = io.StringIO()
    setup_logging("DEBUG")
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "kling_bot", False))
    monkeypatch.setattr(handler, "stream", stream)
    redact(settings.secret_values())
    logging.getLogger("tests.scaling").warning("Database %s refused: %s", URL, f"password {PASSWORD} wrong")
    logged = stream.getvalue()
    assert "db.internal" in logged
    assert PASSWORD not in logged


async def test_check_shows_the_database_without_its_password(tmp_path: Path) -> None:
    """`python -m bot check` names the database it tried, password masked, whether or not it could open it."""
    unreachable = f"postgresql://kling:{PASSWORD}@127.0.0.1:9/kling"
    env = {"DISCORD_TOKEN": "t", "KLING_PROVIDER": "simulator", "DATABASE_URL": unreachable, "LOG_LEVEL": "DEBUG"}
    code, stdout, stderr = await run_bot("check", env=env, cwd=tmp_path)
    assert code == 1
    assert "FAIL  database postgresql://kling:***@127.0.0.1:9/kling" in stdout
    assert PASSWORD not in stdout + stderr
