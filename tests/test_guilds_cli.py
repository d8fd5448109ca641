"""`python -m bot guilds`: list, approve and deny servers from the shell; leave one through Discord's API."""

from __future__ import annotations

import io
from pathlib import Path

import discord
import pytest

from bot.guilds_cli import guilds_command
from db import open_storage
from tests.fake_discord import FakeDiscord

TOKEN = "cli-token"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    return str(tmp_path / "none.env")


async def run(env: str, *args: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    action, guild = args[0], args[1] if len(args) > 1 else None
    code = await guilds_command(env, str(action), int(guild) if guild is not None else None, out, err)  # type: ignore[call-overload]
    return code, out.getvalue(), err.getvalue()


async def test_list_approve_and_deny(env: str, database_url: str) -> None:
    """A waiting server is listed; approve and deny record the decision (on each backend)."""
    storage = await open_storage(database_url)
    await storage.guilds.request_access(42, "Cat videos", now=1_800_000_000)
    await storage.close()
    assert (await run(env, "list"))[1] == "42\tpending\t2027-01-15 08:00\tCat videos\n"
    assert (await run(env, "approve", 42))[:2] == (0, "Server 42 approved.\n")
    assert "42\tapproved" in (await run(env, "list"))[1]
    await run(env, "deny", 42)
    assert "42\tdenied" in (await run(env, "list"))[1]
    assert (await run(env, "approve"))[0] == 2  # an id is needed


async def test_leave_asks_discord(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`leave` makes the bot leave the server through Discord's REST API (no gateway)."""
    async with FakeDiscord(token=TOKEN) as fake:
        monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
        guild = fake.add_guild("Spam")
        code, out, _ = await run(env, "leave", guild.id)
        assert (code, out) == (0, f"Left server {guild.id}.\n")
        assert fake.left_guilds == [guild.id]
        code, _, err = await run(env, "leave", guild.id)
        assert code == 1
        assert "Unknown Guild" in err
