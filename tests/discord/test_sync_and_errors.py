"""Command sync only when needed; the error handler's messages; status edits throttled."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.discord.errors import GENERIC, explain
from bot.kling.errors import ResourcePackExhaustedError
from tests.discord.conftest import World
from tests.discord.helpers import scene


def syncs(env: Any) -> list[str]:
    return [r.path for r in env.http_requests if r.method == "PUT" and r.path.startswith("/applications/")]


async def test_commands_sync_once_then_not_on_restart(simcord_env: Any, world: World) -> None:
    """The first start syncs; a restart with the same commands does not spend Discord's daily create limit."""
    assert len(syncs(simcord_env)) == 1
    await simcord_env.restart_bot(world.new_bot())
    assert len(syncs(simcord_env)) == 1
    _, channel, alice = scene(simcord_env)
    assert "Queued as" in (await alice.slash(channel, "video text", prompt="x")).response.content


@pytest.mark.parametrize("discord_options", [{"dev_guild_id": 4242}])
@pytest.mark.simcord(strict_sync=False)
async def test_dev_guild_syncs_to_that_guild(simcord_env: Any, world: World) -> None:
    """With DEV_GUILD_ID set, commands go to that guild (instant) instead of globally."""
    assert syncs(simcord_env) == [f"/applications/{world.bots[-1].application_id}/guilds/4242/commands"]


def test_unknown_errors_get_a_generic_message_and_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """Something unexpected: the user sees a generic line; the log has the traceback and the task id."""
    with caplog.at_level(logging.ERROR):
        assert explain(RuntimeError("boom"), "task-123") == GENERIC
    (record,) = caplog.records
    assert "task-123" in record.getMessage()
    assert record.exc_info is not None


def test_operator_errors_tell_users_an_admin_knows(caplog: pytest.LogCaptureFixture) -> None:
    """The provider refusing the bot itself: users are told it is misconfigured; the log says what happened."""
    with caplog.at_level(logging.ERROR):
        message = explain(ResourcePackExhaustedError("resource pack exhausted", code=1102))
    assert "misconfigured" in message
    assert "resource pack exhausted" in caplog.text


async def test_status_edits_are_coalesced(simcord_env: Any, world: World) -> None:
    """A task racing through several states edits its status message once, not once per state."""
    _, channel, alice = scene(simcord_env)
    await alice.slash(channel, "video text", prompt="x")
    (task,) = await world.storage.tasks.for_user(channel.guild.id, alice.id, limit=1)
    await world.step(200)
    await simcord_env.settle()
    edits = [
        r for r in simcord_env.http_requests if r.method == "PATCH" and r.path.endswith(f"/{task.status_message_id}")
    ]
    assert len(edits) == 1
